import {byFirstChar} from './terms.js';

/**
 * Phrase lists of icp_rules.yml, compiled into one scan: every list's phrases (plain text) in one
 * case-insensitive regex, so a text is read once however many lists there are.
 *
 * - Word boundaries on both sides (ASCII letters and digits): "EDI" does not match "medical".
 * - An optional plural "s" / "es": "clinic" also finds "clinics".
 * - Longest first: of two phrases that match at the same place, the longer one wins ("medical billing", not
 *   "billing"), and the scan goes on after it.
 * - A phrase written in capitals only (EHR, TPA, ERA) matches only in capitals: "ERA" is the remittance, "a new
 *   era" is not.
 * - Runs of white space in the text match a space in a phrase ("medical\nbilling").
 */
export interface PhraseHit {
  /** The list (tag) the phrase belongs to. */
  tag: string;
  /** The phrase as configured. */
  phrase: string;
  index: number;
  length: number;
}

export interface PhraseScanner {
  /** Every hit in the text, in order; a phrase in several lists gives one hit per list. */
  scan(text: string): PhraseHit[];
}

interface Entry {
  tag: string;
  phrase: string;
  /** Capitals only: the match must be written in capitals too. */
  caps: boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const fold = (s: string) => s.toLowerCase().replace(/\s+/g, ' ');
const isCaps = (s: string) => /[A-Z]/.test(s) && !/[a-z]/.test(s);

/** Compiles tagged phrase lists (tag -> phrases) into one scanner. */
export function compilePhrases(lists: ReadonlyArray<{tag: string; phrases: readonly string[]}>): PhraseScanner {
  const byKey = new Map<string, Entry[]>();
  for (const {tag, phrases} of lists) {
    for (const phrase of phrases) {
      const key = fold(phrase.trim());
      if (key === '') continue;
      const entries = byKey.get(key) ?? [];
      if (!entries.some((e) => e.tag === tag)) entries.push({tag, phrase, caps: isCaps(phrase)});
      byKey.set(key, entries);
    }
  }
  if (byKey.size === 0) return {scan: () => []};
  // Longest first, so that alternation (which takes the first alternative that matches) prefers the longer phrase.
  const keys = [...byKey.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const sources = keys.map((k) => escape(k).replace(/ /g, '\\s+'));
  const alnumStart = keys.every((k) => /^[a-z0-9]/.test(k));
  const body = alnumStart ? byFirstChar(sources) : sources.join('|');
  const re = new RegExp(`(?<![A-Za-z0-9])(?:${body})(?:e?s)?(?![A-Za-z0-9])`, 'gi');

  // The phrases inside each phrase (on word boundaries): a hit of the longer one is a hit of those too, so that a
  // list is not robbed of its phrase by a longer phrase of another list ("dental practice management" is also
  // "practice management").
  const inner = new Map<string, Array<{entry: Entry; offset: number; length: number}>>();
  for (const key of keys) {
    const found: Array<{entry: Entry; offset: number; length: number}> = [];
    for (const other of keys) {
      if (other.length >= key.length) continue;
      let at = key.indexOf(other);
      while (at !== -1) {
        const before = at === 0 ? '' : key[at - 1];
        const after = key[at + other.length] ?? '';
        if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) {
          for (const entry of byKey.get(other)!) found.push({entry, offset: at, length: other.length});
        }
        at = key.indexOf(other, at + 1);
      }
    }
    if (found.length > 0) inner.set(key, found);
  }

  const lookup = (matched: string): {key: string; entries: Entry[]; stem: number} | null => {
    const key = fold(matched);
    let entries = byKey.get(key);
    if (entries) return {key, entries, stem: matched.length};
    if (key.endsWith('s')) {
      entries = byKey.get(key.slice(0, -1));
      if (entries) return {key: key.slice(0, -1), entries, stem: matched.length - 1};
      if (key.endsWith('es')) {
        entries = byKey.get(key.slice(0, -2));
        if (entries) return {key: key.slice(0, -2), entries, stem: matched.length - 2};
      }
    }
    return null;
  };

  return {
    scan(text: string): PhraseHit[] {
      const hits: PhraseHit[] = [];
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const found = lookup(m[0]);
        if (found === null) continue;
        const matched = m[0].slice(0, found.stem).replace(/\s+/g, ' ');
        for (const e of found.entries) {
          if (e.caps && matched !== e.phrase) continue;
          hits.push({tag: e.tag, phrase: e.phrase, index: m.index, length: m[0].length});
        }
        const within = inner.get(found.key);
        if (within !== undefined) {
          // (Offsets are those of the folded phrase: exact when the text has single spaces there.)
          for (const w of within) {
            if (w.entry.caps && matched.slice(w.offset, w.offset + w.length) !== w.entry.phrase) continue;
            hits.push({tag: w.entry.tag, phrase: w.entry.phrase, index: m.index + w.offset, length: w.length});
          }
        }
      }
      return hits;
    },
  };
}

/** The distinct phrases of one tag, in order of first hit. */
export function phrasesOf(hits: readonly PhraseHit[], tag: string): string[] {
  const out: string[] = [];
  for (const h of hits) if (h.tag === tag && !out.includes(h.phrase)) out.push(h.phrase);
  return out;
}

/** The first hit of a tag, or undefined. */
export function firstOf(hits: readonly PhraseHit[], tag: string): PhraseHit | undefined {
  for (const h of hits) if (h.tag === tag) return h;
  return undefined;
}
