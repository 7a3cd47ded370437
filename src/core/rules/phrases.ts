/**
 * Phrase lists of icp_rules.yml, compiled into one scan: every list's phrases (plain text) in one
 * case-insensitive regex, so a text is read once however many lists there are.
 *
 * - Word boundaries on both sides (ASCII letters and digits): "EDI" does not match "medical".
 * - An optional plural "s" / "es": "clinic" also finds "clinics".
 * - Every phrase is found wherever it starts, also inside a longer one ("medical billing services" is
 *   "medical billing", "billing services" and "billing"); the scan tries the longest phrase at each place first.
 * - A phrase written in capitals only (EHR, TPA, ERA) matches only in capitals: "ERA" is the remittance, "a new
 *   era" is not.
 * - Runs of white space in the text match a space in a phrase ("medical\nbilling").
 */
/** A tagged list of phrases (a list of icp_rules.yml, named for the scanner's hits). */
export interface PhraseList {
  tag: string;
  phrases: readonly string[];
}

export interface PhraseHit {
  /** The list (tag) the phrase belongs to. */
  tag: string;
  /** The phrase as configured. */
  phrase: string;
  index: number;
  length: number;
}

/** A scan's hits: all of them in order, and those of each tag. */
export class Hits {
  readonly all: PhraseHit[] = [];
  private readonly byTag = new Map<string, PhraseHit[]>();

  add(hit: PhraseHit): void {
    this.all.push(hit);
    const list = this.byTag.get(hit.tag);
    if (list === undefined) this.byTag.set(hit.tag, [hit]);
    else list.push(hit);
  }

  /** The hits of one tag, in order. */
  of(tag: string): readonly PhraseHit[] {
    return this.byTag.get(tag) ?? NONE;
  }
}
const NONE: readonly PhraseHit[] = [];

export interface PhraseScanner {
  /** Every hit in the text, in order (a phrase in several lists gives one hit per list); at most `limit` matches read. */
  scan(text: string, limit?: number): Hits;
}

interface Entry {
  tag: string;
  phrase: string;
  /** Capitals only: the match must be written in capitals too. */
  caps: boolean;
}

const NO_ENTRIES: readonly Entry[] = [];
/** Distinct match texts remembered by a scanner (see hitsOf). */
const MEMO_LIMIT = 50_000;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const UNEVEN_SPACE = /[^\S ]| {2}/;
const fold = (s: string) => (UNEVEN_SPACE.test(s) ? s.toLowerCase().replace(/\s+/g, ' ') : s.toLowerCase());
const isCaps = (s: string) => /[A-Z]/.test(s) && !/[a-z]/.test(s);

/**
 * Compiles tagged phrase lists (tag -> phrases) into one scanner.
 * Long on purpose: a factory whose scan closes over what is compiled once here (the regex, the prefixes, the
 * lookup and its memo); each part is short and commented, and they share that state.
 */
export function compilePhrases(lists: readonly PhraseList[]): PhraseScanner {
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
  if (byKey.size === 0) return {scan: () => new Hits()};
  // Longest first, so that alternation (which takes the first alternative that matches) prefers the longer phrase.
  const keys = [...byKey.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const body = trieSource(keys);
  const re = new RegExp(`(?<![A-Za-z0-9])(?:${body})(?:e?s)?(?![A-Za-z0-9])`, 'gi');

  // The phrases that begin each phrase (on a word boundary): a hit of the longer one is a hit of those too, so that
  // a list is not robbed of its phrase by a longer phrase of another list ("dental practice management" is also
  // "dental practice"). Phrases that start later inside a match are found by going on from the match's start.
  const prefixes = new Map<string, Entry[]>();
  for (const key of keys) {
    const found: Entry[] = [];
    for (const other of keys) {
      if (other.length < key.length && key.startsWith(other) && !/[a-z0-9]/.test(key[other.length])) found.push(...byKey.get(other)!);
    }
    if (found.length > 0) prefixes.set(key, found);
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

  // What a match's text gives (its hits but their position) is a function of that text alone: worked out once per
  // distinct text ("Health", "patients", ...), which most descriptions share. Bounded: cleared when it grows large.
  // null: not a phrase after all (the scan then goes on from the match's end, as before the memo).
  type Found = ReadonlyArray<{tag: string; phrase: string; length: number}> | null;
  const memo = new Map<string, Found>();
  const hitsOf = (text: string): Found => {
    let found = memo.get(text);
    if (found !== undefined) return found;
    const out: {tag: string; phrase: string; length: number}[] = [];
    const hit = lookup(text);
    if (hit === null) found = null;
    else {
      const stem = text.slice(0, hit.stem);
      const matched = UNEVEN_SPACE.test(stem) ? stem.replace(/\s+/g, ' ') : stem;
      for (const e of hit.entries) if (!e.caps || matched === e.phrase) out.push({tag: e.tag, phrase: e.phrase, length: text.length});
      for (const e of prefixes.get(hit.key) ?? NO_ENTRIES) {
        if (!e.caps || matched.slice(0, e.phrase.length) === e.phrase) out.push({tag: e.tag, phrase: e.phrase, length: e.phrase.length});
      }
      found = out;
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(text, found);
    return found;
  };

  return {
    scan(text: string, limit = Infinity): Hits {
      const hits = new Hits();
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      let read = 0;
      while (read++ < limit && (m = re.exec(text)) !== null) {
        const found = hitsOf(m[0]);
        if (found === null) continue;
        for (const h of found) hits.add({tag: h.tag, phrase: h.phrase, index: m.index, length: h.length});
        // Go on from the next character, not the match's end: a phrase may begin inside this one.
        re.lastIndex = m.index + 1;
      }
      return hits;
    },
  };
}

/**
 * The phrases (folded keys) as one regex source shaped like a trie: `insurance(?:\\s+(?:broker|agency)|s)?` for
 * "insurance", "insurance broker", "insurance agency" and "insurances". irregexp reads a branch character by
 * character instead of trying, at every place, each of the hundreds of phrases that begin with the letter there.
 * The match is the same as that of the phrases sorted longest first in one alternation: the phrases that match at a
 * place are prefixes of one another (their texts start there), so the longest is the deepest in the trie, and
 * the trie tries a node's continuations before it ends there (and backtracks to the next longest).
 * A space in a phrase matches a run of white space (`\\s+`).
 */
export function trieSource(keys: readonly string[]): string {
  interface Node {
    children: Map<string, Node>;
    end: boolean;
  }
  const root: Node = {children: new Map(), end: false};
  for (const key of keys) {
    let node = root;
    for (const ch of key) {
      let next = node.children.get(ch);
      if (next === undefined) node.children.set(ch, (next = {children: new Map(), end: false}));
      node = next;
    }
    node.end = true;
  }
  const atom = (ch: string) => (ch === ' ' ? '\\s+' : escape(ch));
  const emit = (node: Node): string => {
    const branches = [...node.children].map(([ch, child]) => atom(ch) + emit(child));
    if (branches.length === 0) return '';
    const one = branches.length === 1 && !node.end;
    if (one) return branches[0];
    const group = `(?:${branches.join('|')})`;
    return node.end ? `${group}?` : group;
  };
  return emit(root);
}

/** The distinct phrases of one tag, in order of first hit. */
export function phrasesOf(hits: Hits, tag: string): string[] {
  const out: string[] = [];
  for (const h of hits.of(tag)) if (!out.includes(h.phrase)) out.push(h.phrase);
  return out;
}
