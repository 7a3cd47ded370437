import {z} from './zod.js';
import {nameKey} from '../core/normalize.js';

/** A name as the export may write it; it must keep a letter or digit once folded (see nameKey). */
const goneName = z
  .string()
  .min(1)
  .superRefine((name, ctx) => {
    if (nameKey(name) === '') ctx.addIssue({code: 'custom', message: 'has no letter or digit: it would match no name'});
  });

export const IngestConfigSchema = z.strictObject({
  version: z.literal(1).describe('Schema version of this file.'),
  gone_pages: z.strictObject({
    names: z
      .array(goneName)
      .describe(
        'Whole names that say the LinkedIn page is gone or a placeholder (Deactivated Account, LinkedIn Member, ...): such rows are rejected. Compared folded (case, accents, punctuation and spaces ignored).',
      ),
  }),
});
export type IngestConfig = z.infer<typeof IngestConfigSchema>;
