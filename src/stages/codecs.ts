import {COMPANY_TABLE, REJECT_TABLE} from '../generated/tables.js';
import {TableCodec} from '../io/table-codec.js';
import type {Company, Reject} from '../schemas/companies.js';

// The enrich stage's tables, in a module of their own: the first-pass thread needs the rejects codec without
// loading the whole stage (and its providers).
// Both hold text from the export (and the providers' answers): see CodecOptions.safeText.
export const companyCodec = new TableCodec<Company>(COMPANY_TABLE, {safeText: true});
export const rejectCodec = new TableCodec<Reject>(REJECT_TABLE, {safeText: true});
