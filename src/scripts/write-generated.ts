import {existsSync, readFileSync, writeFileSync} from 'node:fs';

/**
 * Writes a generated file (a step of `npm run build`) only when its text changed: an unchanged file keeps its
 * modification time, so the second compile leaves dist/ newer than src/ (the tests' staleness check).
 */
export function writeGenerated(path: string, text: string): void {
  const same = existsSync(path) && readFileSync(path, 'utf8') === text;
  if (!same) writeFileSync(path, text);
  process.stdout.write(`${same ? 'unchanged' : 'wrote'} ${path}\n`);
}
