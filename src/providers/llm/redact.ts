/**
 * Secrets never leave the process: every message built from a server response or an exception goes through
 * `redact` before it reaches a column, a warning, an error or a file. Pure.
 */
const KEY_LIKE = /\b(?:sk|rk|pk|sess)-[A-Za-z0-9_*.-]{6,}/g;
const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
const AUTH_HEADER = /\b(authorization|api[-_]?key|x-api-key)(["']?\s*[:=]\s*["']?)[^\s"',;]+/gi;

export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(BEARER, '$1 [redacted]').replace(AUTH_HEADER, '$1$2[redacted]').replace(KEY_LIKE, '[redacted]');
}
