/** Compiles lists of terms into one case-insensitive regex each, so a text is scanned once per list. */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface TermMatch {
  term: string;
  index: number;
  length: number;
}

/**
 * `from` (default 0): where the scan starts (the word boundary check still sees what is before it). From any
 * place up to the first match, the matches are those of a scan from the start. A prefilter over several lists
 * (one matcher of all their terms) gives each list such a place: where the prefilter's first match starts,
 * since a match of a list at some place is a match of the prefilter there.
 */
export interface TermMatcher {
  /** Every match in the text, in order (several per term possible). */
  all(text: string, from?: number): TermMatch[];
  /** The terms matched, each once, in order of first match (the terms of `all`, without duplicates). */
  distinct(text: string, from?: number): string[];
  /** Where the first match starts (all(text)[0].index), or -1 when there is none. */
  first(text: string): number;
}

/**
 * `terms` maps an output name to regex sources (`literal: true` escapes them as plain text). Matches need a
 * word boundary on both sides (ASCII letters and digits), so `EDI` does not match `medical` and `835` not `8350`.
 * One regex scans the text; the matched text is then attributed to its term (by a lookup for literal terms,
 * else by trying each term's own sticky regex at the match), so no capture-group arrays are built per match.
 */
export function compileTerms(terms: ReadonlyArray<{name: string; patterns: readonly string[]}>, literal = false): TermMatcher {
  const sources: Array<{name: string; source: string}> = [];
  for (const t of terms) for (const p of t.patterns) sources.push({name: t.name, source: literal ? escape(p) : p.replace(/\((?!\?)/g, '(?:')});
  if (sources.length === 0) return {all: () => [], distinct: () => [], first: () => -1};
  let re: RegExp;
  let anchored: Array<{name: string; re: RegExp}>;
  try {
    re = new RegExp(`(?<![A-Za-z0-9])(?:${sources.map((x) => x.source).join('|')})(?![A-Za-z0-9])`, 'gi');
    anchored = sources.map((x) => ({name: x.name, re: new RegExp(`(?:${x.source})`, 'iy')}));
  } catch (e) {
    throw new Error(`invalid pattern in ${terms.map((t) => t.name).join(', ')}: ${(e as Error).message}`);
  }
  const byText = new Map<string, string>();
  if (literal) for (const t of terms) for (const p of t.patterns) if (!byText.has(p.toLowerCase())) byText.set(p.toLowerCase(), t.name);
  const attribute = (text: string, index: number, matched: string): string => {
    const hit = byText.get(matched.toLowerCase());
    if (hit !== undefined) return hit;
    // The first alternative that matches the same text at the same place (lookaheads see the real text).
    for (const a of anchored) {
      a.re.lastIndex = index;
      const m = a.re.exec(text);
      if (m !== null && m[0].length === matched.length) return a.name;
    }
    return sources[0].name;
  };
  // Same matches, faster: irregexp scans for a leading \b much faster than for the lookbehind. The two agree
  // at every position where a match can start when (a) every alternative starts with a mandatory ASCII letter
  // or digit (checked here, once) and (b) the text has no '_' (the one character that \b counts as a word
  // character and the lookbehind does not; checked per text, a memchr-like scan).
  const fast = sources.every((x) => startsWithAlnum(x.source))
    ? new RegExp(`\\b(?:${byFirstChar(sources.map((x) => x.source))})(?![A-Za-z0-9])`, 'gi')
    : null;
  const pick = (text: string): RegExp => (fast !== null && !hasUnderscore(text) ? fast : re);
  return {
    all(text: string, from = 0): TermMatch[] {
      const out: TermMatch[] = [];
      const r = pick(text);
      r.lastIndex = from;
      let m: RegExpExecArray | null;
      while ((m = r.exec(text)) !== null) {
        out.push({term: attribute(text, m.index, m[0]), index: m.index, length: m[0].length});
        if (m[0].length === 0) r.lastIndex++;
      }
      return out;
    },
    first(text: string): number {
      const r = pick(text);
      r.lastIndex = 0;
      const m = r.exec(text);
      r.lastIndex = 0;
      return m === null ? -1 : m.index;
    },
    distinct(text: string, from = 0): string[] {
      const out: string[] = [];
      const r = pick(text);
      r.lastIndex = from;
      let m: RegExpExecArray | null;
      while ((m = r.exec(text)) !== null) {
        const term = attribute(text, m.index, m[0]);
        if (!out.includes(term)) out.push(term);
        if (m[0].length === 0) r.lastIndex++;
      }
      return out;
    },
  };
}

// The last text asked about: several matchers scan the same text in a row.
let lastText = '';
let lastUnderscore = false;
function hasUnderscore(text: string): boolean {
  if (text !== lastText) {
    lastText = text;
    lastUnderscore = text.indexOf('_') !== -1;
  }
  return lastUnderscore;
}

/**
 * `ab|c|ad` as `a(?:b|d)|c(?:)`: sources that each start with an ASCII letter or digit (see startsWithAlnum)
 * grouped by that character, case-folded, in their order within a group. The matches are the same: at any place
 * only the group of the character there can match, and its alternatives are tried in the same order as before.
 * irregexp then tries one group at the start of a word, not every alternative (the tech-stack prefilter, about
 * 50 patterns, scans about 30% faster).
 */
export function byFirstChar(sources: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const s of sources) {
    const k = s[0].toLowerCase();
    const rest = groups.get(k);
    if (rest) rest.push(s.slice(1));
    else groups.set(k, [s.slice(1)]);
  }
  return [...groups].map(([k, rest]) => `${k}(?:${rest.join('|')})`).join('|');
}

/**
 * Whether every match of a regex source starts with an ASCII letter or digit: it starts with one that no
 * quantifier makes optional, and it has no top-level alternation. Conservative: false when unsure.
 * (Case-insensitive matching without the u flag never matches an ASCII pattern letter with a non-ASCII one.)
 */
export function startsWithAlnum(source: string): boolean {
  if (!/^[A-Za-z0-9](?![?*+{])/.test(source)) return false;
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) return false;
  }
  return true;
}

const WHITESPACE_RE = /\s+/g;
/** What WHITESPACE_RE would change: a white-space character other than a space, or two in a row. */
const UNEVEN_SPACE_RE = /[^\S ]|\s\s/;

/** A one-line snippet of `chars` characters on each side of a match, with ellipses where cut. */
export function snippet(text: string, index: number, length: number, chars: number): string {
  const start = Math.max(0, index - chars);
  const end = Math.min(text.length, index + length + chars);
  // Most stretches have only single spaces: a search costs less than a replace that changes nothing.
  const cut = text.slice(start, end);
  const body = (UNEVEN_SPACE_RE.test(cut) ? cut.replace(WHITESPACE_RE, ' ') : cut).trim();
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}
