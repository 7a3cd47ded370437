import {createHash} from 'node:crypto';

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A short, stable ID: prefix + the first 12 hex digits of SHA-256(key). */
export function stableId(prefix: string, key: string): string {
  return `${prefix}_${sha256(key).slice(0, 12)}`;
}

/** An unsigned 32-bit integer from SHA-256 of the parts (used to seed per-company random streams). */
export function hash32(...parts: Array<string | number>): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readUInt32BE(0);
}
