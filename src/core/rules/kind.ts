import type {IcpRules} from '../../schemas/icp-rules.js';
import type {CompanyKind} from '../vocabulary.js';
import {phrasesOf, type Hits, type PhraseList} from './phrases.js';

/** What the kind classifier reads of a company. */
export interface KindInput {
  name: string;
  domain: string;
  industry: string;
  description: string;
  /** A previous customer (config/previous_customers.yml) is never a competitor. */
  is_previous_customer: boolean;
}

export interface KindResult {
  kind: CompanyKind;
  reason: string;
  is_competitor: boolean;
  /** The phrases the kind rests on (name and strong first), for evidence. */
  words: string[];
  /** How many signals (industry label, phrases) the kind rests on. */
  signals: number;
}

/** Tags of the phrase lists the classifier reads (see kindPhraseLists). */
export const kindTag = (kind: string, list: 'strong' | 'weak' | 'negative') => `kind:${kind}:${list}`;
export const kindNameTag = (kind: string) => `kindname:${kind}`;
export const HEALTHCARE_TAG = 'healthcare';

/** The healthcare words, for a scanner of their own (read only up to the first few: see classify). */
export function healthcarePhraseLists(rules: IcpRules): PhraseList[] {
  return [{tag: HEALTHCARE_TAG, phrases: rules.company_kinds.healthcare_words}];
}

/** The phrase lists of company_kinds, tagged, for the description scanner (name lists go to the name scanner). */
export function kindPhraseLists(rules: IcpRules): PhraseList[] {
  const lists: PhraseList[] = [];
  for (const k of rules.company_kinds.kinds) {
    lists.push({tag: kindTag(k.kind, 'strong'), phrases: k.strong});
    lists.push({tag: kindTag(k.kind, 'weak'), phrases: k.weak});
    lists.push({tag: kindTag(k.kind, 'negative'), phrases: k.negative});
  }
  return lists;
}

export function kindNameLists(rules: IcpRules): PhraseList[] {
  return rules.company_kinds.kinds.map((k) => ({tag: kindNameTag(k.kind), phrases: k.name}));
}

/** Folds a company name for the competitor name list: lower case, letters and digits only. */
export const foldName = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

/**
 * The competitors listed in icp_rules.yml (competitors.domains and .names): a function that says why a company is
 * a listed competitor (its domain, else its whole name, case and punctuation ignored), or null. Shared by the
 * rules classifier and the OpenAI answer, so a listed competitor is edi_vendor whichever provider answers.
 */
export function listedCompetitors(rules: IcpRules): (c: {domain: string; name: string}) => string | null {
  const domains = new Set(rules.competitors.domains.map((d) => d.trim().toLowerCase()));
  const names = new Set(rules.competitors.names.map(foldName));
  return (c) => {
    const why = c.domain !== '' && domains.has(c.domain) ? `domain ${c.domain}` : names.has(foldName(c.name)) ? `name "${c.name}"` : null;
    return why === null ? null : `listed competitor (${why} in competitors of icp_rules.yml)`;
  };
}

export interface KindClassifier {
  /**
   * `hits`: the description scanner's hits on name + description; `nameHits`: the name scanner's on the name;
   * `healthcare`: the first few healthcare words of name + description (none: not a healthcare text).
   */
  classify(company: KindInput, hits: Hits, nameHits: Hits, healthcare: readonly string[]): KindResult;
}

/**
 * Classifies company_kind from the industry label, name and description by the phrase lists and points of
 * icp_rules.yml (company_kinds), and flags competitors (a listed domain or name, or the edi_vendor kind).
 */
export function compileKinds(rules: IcpRules): KindClassifier {
  const ck = rules.company_kinds;
  const industries = ck.kinds.map((k) => new Map(Object.entries(k.industries).map(([label, pts]) => [label.trim().toLowerCase(), pts])));
  const listed = listedCompetitors(rules);
  const pts = ck.points;
  const healthcareIndustries = new Set(ck.healthcare_industries.map((l) => l.trim().toLowerCase()));
  const tags = ck.kinds.map((k) => ({
    strong: kindTag(k.kind, 'strong'),
    weak: kindTag(k.kind, 'weak'),
    negative: kindTag(k.kind, 'negative'),
    name: kindNameTag(k.kind),
  }));

  return {
    classify(c: KindInput, hits: Hits, nameHits: Hits, healthcare: readonly string[]): KindResult {
      const competitor = c.is_previous_customer ? null : listed(c);
      if (competitor !== null) return {kind: 'edi_vendor', reason: competitor, is_competitor: true, words: ['listed competitor'], signals: 3};
      const label = c.industry.trim().toLowerCase();
      if (healthcare.length === 0 && !healthcareIndustries.has(label) && (c.description.trim() !== '' || c.industry !== '')) {
        return {
          kind: 'non_healthcare',
          reason: `no healthcare words and no healthcare industry${c.industry ? ` ("${c.industry}")` : ''}`,
          is_competitor: false,
          words: [],
          signals: 1,
        };
      }
      // Scores first (counts only); the reason and words are spelled out for the winner alone.
      const evidence = (i: number) => {
        const t = tags[i];
        const strong = phrasesOf(hits, t.strong);
        const weak = phrasesOf(hits, t.weak).filter((p) => !strong.includes(p));
        const named = phrasesOf(nameHits, t.name);
        const industry = industries[i].get(label) ?? 0;
        const weakPoints = Math.min(pts.weak_cap, weak.length * pts.weak);
        // Weak phrases alone (a vendor's text is full of its customers' words) do not make a kind: it needs a
        // name or strong phrase, or an industry label worth at least points.strong.
        const grounded = named.length > 0 || strong.length > 0 || industry >= pts.strong;
        const score = grounded ? industry + named.length * pts.name + strong.length * pts.strong + weakPoints : 0;
        return {strong, weak, named, industry, weakPoints, score};
      };
      const explain = (i: number, e: ReturnType<typeof evidence>, head: string): KindResult => {
        const why: string[] = [];
        if (e.industry > 0) why.push(`industry "${c.industry}" (+${e.industry})`);
        if (e.named.length) why.push(`name: ${e.named.join(', ')} (+${e.named.length * pts.name})`);
        if (e.strong.length) why.push(`${e.strong.join(', ')} (+${e.strong.length * pts.strong})`);
        // Only the weak phrases that count (weak_cap): a vendor's text can hold dozens.
        const counted = pts.weak > 0 ? e.weak.slice(0, Math.ceil(pts.weak_cap / pts.weak)) : [];
        if (e.weak.length) why.push(`weak: ${counted.join(', ')}${e.weak.length > counted.length ? ', ...' : ''} (+${e.weakPoints})`);
        const words = [...new Set([...e.named, ...e.strong, ...counted])];
        const kind = ck.kinds[i].kind;
        return {
          kind,
          reason: `${kind} (${head}): ${why.join('; ')}`,
          is_competitor: kind === 'edi_vendor',
          words,
          signals: (e.industry > 0 ? 1 : 0) + words.length,
        };
      };
      let best = -1;
      let bestEvidence: ReturnType<typeof evidence> | undefined;
      for (let i = 0; i < ck.kinds.length; i++) {
        const k = ck.kinds[i];
        const t = tags[i];
        if (hits.of(t.strong).length === 0 && hits.of(t.weak).length === 0 && nameHits.of(t.name).length === 0 && !industries[i].has(label)) continue;
        if ((k.kind === 'edi_vendor' && c.is_previous_customer) || hits.of(t.negative).length > 0) continue;
        const e = evidence(i);
        if (k.decisive && (e.strong.length > 0 || e.named.length > 0)) return explain(i, e, 'decisive');
        if (e.score > (bestEvidence?.score ?? 0)) {
          best = i;
          bestEvidence = e;
        }
      }
      if (bestEvidence !== undefined && bestEvidence.score >= ck.min_score) return explain(best, bestEvidence, `score ${bestEvidence.score}`);
      if (healthcare.length > 0 || healthcareIndustries.has(label)) {
        return {
          kind: 'other_healthcare',
          reason: `no kind reached ${ck.min_score} points; healthcare ${healthcare.length ? `words: ${healthcare.join(', ')}` : `industry "${c.industry}"`}`,
          is_competitor: false,
          words: [...healthcare],
          signals: 1,
        };
      }
      if (c.description.trim() !== '' || c.industry !== '') {
        return {
          kind: 'non_healthcare',
          reason: `no kind reached ${ck.min_score} points and no healthcare words`,
          is_competitor: false,
          words: [],
          signals: 1,
        };
      }
      return {kind: 'unknown', reason: 'nothing to go on (no industry, no description)', is_competitor: false, words: [], signals: 0};
    },
  };
}
