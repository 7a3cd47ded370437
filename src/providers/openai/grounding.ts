import type {Signal} from './schema.js';

/**
 * Grounding: a URL counts as evidence only when the response itself shows the web search returned it
 * (a url_citation annotation or a web_search_call source). URLs the model wrote on its own are dropped
 * and counted. Everything here is pure.
 */

/**
 * A canonical form of a URL for comparing and for the output: http(s) only, host lower-case without
 * `www.`, no fragment, no utm_* tracking parameters (the API adds `utm_source=openai` to citations), no
 * trailing slash. Returns null for anything that is not an absolute http(s) URL.
 */
export function normalizeUrl(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  if (!u.hostname) return null;
  const host = u.hostname.startsWith('www.') ? u.hostname.slice(4) : u.hostname;
  for (const k of [...u.searchParams.keys()]) if (k.toLowerCase().startsWith('utm_')) u.searchParams.delete(k);
  const search = u.searchParams.size > 0 ? `?${u.searchParams.toString()}` : '';
  let path = u.pathname;
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '/') path = '';
  return `${u.protocol}//${host}${u.port ? `:${u.port}` : ''}${path}${search}`;
}

export interface ResponseUrls {
  /** url_citation annotation URLs, as returned, de-duplicated, in order. */
  citations: string[];
  /** URLs the web search returned (action.sources), as returned, de-duplicated, in order. */
  sources: string[];
  /** How many web_search_call items the response has (each is billed). */
  webSearchCalls: number;
}

type Loose = Record<string, unknown>;
const isObj = (x: unknown): x is Loose => typeof x === 'object' && x !== null;
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** Collects citations, search sources and the number of searches from a Responses API `output` array. */
export function responseUrls(output: unknown): ResponseUrls {
  const citations = new Set<string>();
  const sources = new Set<string>();
  let webSearchCalls = 0;
  for (const item of arr(output)) {
    if (!isObj(item)) continue;
    if (item.type === 'web_search_call') {
      webSearchCalls++;
      const action = isObj(item.action) ? item.action : {};
      for (const s of arr(action.sources)) if (isObj(s) && typeof s.url === 'string') sources.add(s.url);
    } else if (item.type === 'message') {
      for (const part of arr(item.content)) {
        if (!isObj(part)) continue;
        for (const a of arr(part.annotations)) {
          if (isObj(a) && a.type === 'url_citation' && typeof a.url === 'string') citations.add(a.url);
        }
      }
    }
  }
  return {citations: [...citations], sources: [...sources], webSearchCalls};
}

/** Collects url_citation annotations from a Chat Completions message (search-enabled chat models). */
export function chatUrls(message: unknown): ResponseUrls {
  const citations = new Set<string>();
  if (isObj(message)) {
    for (const a of arr(message.annotations)) {
      if (!isObj(a) || a.type !== 'url_citation') continue;
      const inner = isObj(a.url_citation) ? a.url_citation : a;
      if (typeof inner.url === 'string') citations.add(inner.url);
    }
  }
  return {citations: [...citations], sources: [], webSearchCalls: 0};
}

/** The set of normalised URLs that count as grounded for one response. */
export function groundedSet(citations: readonly string[], sources: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const u of [...citations, ...sources]) {
    const n = normalizeUrl(u);
    if (n) set.add(n);
  }
  return set;
}

export interface EvidenceItem {
  signal: Signal;
  url: string;
}

export interface Grounded {
  /** Grounded evidence URLs (normalised), de-duplicated, in the model's order, at most `max`. */
  urls: string[];
  /** Signals with at least one grounded URL. */
  signals: Set<Signal>;
  /** Evidence items kept (before de-duplication and the `max` cut). */
  kept: number;
  /** Evidence items dropped because their URL is not one the search returned (or not a URL at all). */
  dropped: number;
}

/** Keeps the evidence whose URL the search returned; drops and counts the rest. */
export function groundEvidence(evidence: readonly EvidenceItem[], grounded: ReadonlySet<string>, max: number): Grounded {
  const urls: string[] = [];
  const signals = new Set<Signal>();
  let kept = 0;
  let dropped = 0;
  for (const e of evidence) {
    const n = normalizeUrl(e.url);
    if (n === null || !grounded.has(n)) {
      dropped++;
      continue;
    }
    kept++;
    signals.add(e.signal);
    if (urls.length < max && !urls.includes(n)) urls.push(n);
  }
  return {urls, signals, kept, dropped};
}

/**
 * The model's technology confidence, capped at `cap` when any flag it set has no grounded evidence.
 * Absence (no flag set) keeps the model's confidence.
 */
export function adjustTechConfidence(confidence: number, positives: readonly Signal[], groundedSignals: ReadonlySet<Signal>, cap: number): number {
  const c = Math.min(1, Math.max(0, confidence));
  const ungrounded = positives.some((s) => !groundedSignals.has(s));
  return ungrounded ? Math.min(c, cap) : c;
}
