/** Compiles lists of terms into one case-insensitive regex each, so a text is scanned once per list. */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface TermMatch {
  term: string;
  index: number;
  length: number;
}

export interface TermMatcher {
  /** Every match in the text, in order (several per term possible). */
  all(text: string): TermMatch[];
}

/**
 * `terms` maps an output name to regex sources (`literal: true` escapes them as plain text). Matches need a
 * word boundary on both sides (letters and digits only), so `EDI` does not match `medical` and `835` not `8350`.
 */
export function compileTerms(terms: ReadonlyArray<{name: string; patterns: readonly string[]}>, literal = false): TermMatcher {
  if (terms.length === 0) return {all: () => []};
  const names: string[] = [];
  const alternatives: string[] = [];
  terms.forEach((t) => {
    for (const p of t.patterns) {
      names.push(t.name);
      alternatives.push(`(${literal ? escape(p) : p.replace(/\((?!\?)/g, '(?:')})`);
    }
  });
  const source = `(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`;
  let re: RegExp;
  try {
    re = new RegExp(source, 'giu');
  } catch (e) {
    throw new Error(`invalid pattern in ${terms.map((t) => t.name).join(', ')}: ${(e as Error).message}`);
  }
  return {
    all(text: string): TermMatch[] {
      const out: TermMatch[] = [];
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        let g = 1;
        while (g < m.length && m[g] === undefined) g++;
        out.push({term: names[g - 1], index: m.index, length: m[0].length});
        if (m[0].length === 0) re.lastIndex++;
      }
      return out;
    },
  };
}

/** A one-line snippet of `chars` characters on each side of a match, with ellipses where cut. */
export function snippet(text: string, index: number, length: number, chars: number): string {
  const start = Math.max(0, index - chars);
  const end = Math.min(text.length, index + length + chars);
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}
