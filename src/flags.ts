import {Flags} from '@oclif/core';

/**
 * Flags of the enrich stage beyond the shared ones (the OpenAI provider's). `enrich` and `run` both
 * spread these, so the two never drift apart.
 */
export const enrichFlags = {};

/**
 * Flags of the simulation stages (deals, billing, unify) beyond the shared ones. `deals`, `billing`,
 * `unify` and `run` spread these.
 */
export const simulationFlags = {
  'as-of': Flags.string({
    description: 'As-of date (YYYY-MM-DD) of the simulation; deals not closed by then are open. [default: simulation.as_of in deal_model.yml]',
    helpGroup: 'SIMULATION',
  }),
};
