import type {z} from 'zod';

/** A row's issues against its zod table schema, as `path: message` (empty when the row is valid). */
export function schemaIssues(schema: z.ZodType, row: unknown): string[] {
  const result = schema.safeParse(row);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
