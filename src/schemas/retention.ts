import {z} from './zod.js';
import {ARR_MOVEMENT_TYPES, DEAL_TYPES, type OpenVocabulary} from '../core/vocabulary.js';
import {col} from './columns.js';

/** data/final/arr_movements.csv: one row per contract event (the ARR bridge, NRR and GRR are group-bys of it). */
export const arrMovementSchema = (v: OpenVocabulary) =>
  z
    .object({
      movement_id: col.id('Stable ID: arr_ + 16 hex digits of SHA-256 of billing_id#movement_type.'),
      company_id: col.id('The company (companies.csv).'),
      deal_id: col.id('The won deal whose contract moved (deals.csv).'),
      billing_id: col.id(
        'The contract term the event belongs to (billing.csv): the term that starts (new, expansion of an expansion deal), the renewal term (renewal, and the expansion or contraction of its re-pricing), or the term that ended (churn).',
      ),
      segment: col.open('segments', v, 'Sales segment of the company (deal_model.yml segments.names).'),
      deal_type: col.oneOf(DEAL_TYPES, 'new_business or expansion, as on the deal.'),
      movement_date: col.date(
        'Day the ARR changes: the first day of a term (new, expansion, contraction, renewal) or the day after the last day of a term not renewed (churn). Never after the as-of date.',
      ),
      movement_type: col.oneOf(
        ARR_MOVEMENT_TYPES,
        "new (a new-business deal's contract starts), expansion (an expansion deal's contract starts, or a renewal with an uplift), contraction (a renewal with a downsell), renewal (a term renews; arr_delta 0) or churn (a term ends without renewal).",
      ),
      arr_before: col.int('ARR (USD) of the contract just before the event (0 for a start).'),
      arr_after: col.int('ARR (USD) of the contract after the event (0 after a churn).'),
      arr_delta: col.int('arr_after - arr_before. Summed over the rows dated on or before a day, the ARR of the terms in force that day.'),
    })
    .describe('data/final/arr_movements.csv: one row per contract event (new, expansion, contraction, renewal, churn) up to the as-of date.');
export type ArrMovement = z.infer<ReturnType<typeof arrMovementSchema>>;
