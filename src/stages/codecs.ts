import {TableCodec} from '../io/table-codec.js';
import {CompanySchema, RejectSchema, type Company, type Reject} from '../schemas/companies.js';

// The enrich stage's tables, in a module of their own: the first-pass thread needs the rejects codec without
// loading the whole stage (and its providers).
export const companyCodec = new TableCodec<Company>(CompanySchema);
export const rejectCodec = new TableCodec<Reject>(RejectSchema);
