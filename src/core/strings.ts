/**
 * A copy of a string that shares no memory with the text it was cut from. V8 represents a substring of a
 * long string (here: a field of a 1 MiB chunk of the CSV) as a view that keeps the whole chunk alive; a
 * string kept for the length of a run (a dedup key, a row waiting for the rest of its account) must not,
 * or memory grows with the file. JSON round-tripping copies any string exactly, lone surrogates included.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** The same object with every string property detached (see detach). */
export function detachStrings<T extends object>(o: T): T {
  const copy = {...o} as Record<string, unknown>;
  for (const k of Object.keys(copy)) if (typeof copy[k] === 'string') copy[k] = detach(copy[k] as string);
  return copy as T;
}

/**
 * An integer with a comma between groups of three digits: the text `n.toLocaleString('en-US')` gives for any
 * safe integer (property-tested), without ICU, whose set-up on first use costs about 15 ms of a command's run.
 */
export function groupThousands(n: number): string {
  if (Object.is(n, -0)) return '-0';
  return String(n).replace(THOUSANDS_RE, ',');
}
const THOUSANDS_RE = /\B(?=(\d{3})+(?!\d))/g;

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate closest to a mistyped word, for a "did you mean": undefined when none is close (more than a
 * third of the longer word's letters, and at least 2, would have to change). Ties go to the first candidate.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
}

/**
 * A short excerpt of a text for a message (a 20 MB header or cell must not be echoed whole): at most `max`
 * characters, with "..." and the full length when cut; line breaks shown as \n.
 */
export function excerpt(s: string, max = 60): string {
  const short = s.length <= max ? s : s.slice(0, max);
  const shown = short.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return s.length <= max ? shown : `${shown}... (${groupThousands(s.length)} characters)`;
}

/** A word of a command line as a POSIX shell takes it: as it is when it needs no quoting, else in single quotes. */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`;
}
