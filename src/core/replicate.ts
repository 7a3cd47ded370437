import {stableId} from './hash.js';
import type {Company} from '../schemas/companies.js';

/**
 * The companies replicated `copies` times under new keys and IDs: a larger population with the same mix,
 * for calibrating the sales model (src/scripts/calibrate-deals.ts) and its tests.
 */
export function replicate(companies: readonly Company[], copies: number): Company[] {
  const out: Company[] = [];
  for (let k = 0; k < copies; k++) {
    for (const c of companies) {
      const key = `${c.company_key}#copy${k}`;
      out.push({...c, company_key: key, company_id: stableId('co', key)});
    }
  }
  return out;
}
