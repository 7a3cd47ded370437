import type {z} from 'zod';
import {CompanySchema, RejectSchema} from './companies.js';

/** Every table the tool writes: the data dictionary (docs/data-dictionary.md) is generated from this list. */
export interface TableDoc {
  file: string;
  stage: string;
  grain: string;
  schema: z.ZodObject;
}

export const TABLES: TableDoc[] = [
  {file: 'data/raw/companies.csv', stage: 'enrich', grain: 'one row per company (account): export rows sharing a domain are merged', schema: CompanySchema},
  {file: 'data/interim/rejects.csv', stage: 'enrich', grain: 'one row per input row that could not become a company', schema: RejectSchema},
];
