import type {z} from 'zod';
import {CompanySchema, RejectSchema} from './companies.js';
import type {OpenVocabulary} from '../core/vocabulary.js';
import {contractSchema, InvoiceSchema, dealSchema, leadSchema, unifiedSchema} from './deals.js';
import {OpportunityChangeSchema, PipelineSnapshotSchema, repSchema} from './history.js';
import {arrMovementSchema} from './retention.js';

/**
 * Every table the tool writes, with its schema as built from the loaded config's open vocabularies (a lead
 * source of deal_model.yml is a value of lead_source): the data dictionary (docs/data-dictionary.md) is
 * generated from the list of the shipped config.
 */
export interface TableDoc {
  file: string;
  stage: string;
  grain: string;
  schema: z.ZodObject;
}

export const tableSchemas = (v: OpenVocabulary): TableDoc[] => [
  {
    file: 'data/raw/companies.csv',
    stage: 'enrich',
    grain:
      'one row per company (account): export rows sharing a domain are merged, and so are rows without a domain into the one domain whose rows have their name',
    schema: CompanySchema,
  },
  {file: 'data/interim/rejects.csv', stage: 'enrich', grain: 'one row per input row that could not become a company', schema: RejectSchema},
  {
    file: 'data/raw/leads.csv',
    stage: 'deals',
    grain: 'one row per company: lead source, campaign, first touch, segment and owner',
    schema: leadSchema(v),
  },
  {file: 'data/raw/deals.csv', stage: 'deals', grain: 'one row per deal (opportunity) created by the as-of date', schema: dealSchema(v)},
  {
    file: 'data/raw/opportunity_history.csv',
    stage: 'deals',
    grain:
      "one row per change of a deal's stage, amount, expected close date or forecast category (including the values set at creation), up to the as-of date",
    schema: OpportunityChangeSchema,
  },
  {
    file: 'data/raw/pipeline_snapshots.csv',
    stage: 'deals',
    grain: 'one row per deal open on each weekly snapshot date up to the as-of date, as it stood that day',
    schema: PipelineSnapshotSchema,
  },
  {file: 'data/raw/reps.csv', stage: 'deals', grain: 'one row per sales rep, as configured', schema: repSchema(v)},
  {
    file: 'data/raw/billing.csv',
    stage: 'billing',
    grain: "one row per contract term: the first term of each won deal's contract, then each renewal started by the as-of date",
    schema: contractSchema(v),
  },
  {
    file: 'data/raw/invoices.csv',
    stage: 'billing',
    grain: 'one row per billing period of a contract term, from its start to the as-of date',
    schema: InvoiceSchema,
  },
  {
    file: 'data/final/arr_movements.csv',
    stage: 'billing',
    grain: 'one row per contract event (new, expansion, contraction, renewal, churn) up to the as-of date',
    schema: arrMovementSchema(v),
  },
  {
    file: 'data/final/unified.csv',
    stage: 'unify',
    grain: 'one row per deal joined with its company, lead and contract, plus one row per company without a deal (outcome no_opportunity)',
    schema: unifiedSchema(v),
  },
];
