import type {IcpRules} from '../../schemas/icp-rules.js';
import type {CompanyKind} from '../vocabulary.js';
import {phrasesOf, type PhraseHit} from './phrases.js';

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

/** The phrase lists of company_kinds, tagged, for the description scanner (name lists go to the name scanner). */
export function kindPhraseLists(rules: IcpRules): Array<{tag: string; phrases: readonly string[]}> {
  const lists: Array<{tag: string; phrases: readonly string[]}> = [{tag: HEALTHCARE_TAG, phrases: rules.company_kinds.healthcare_words}];
  for (const k of rules.company_kinds.kinds) {
    lists.push({tag: kindTag(k.kind, 'strong'), phrases: k.strong});
    lists.push({tag: kindTag(k.kind, 'weak'), phrases: k.weak});
    lists.push({tag: kindTag(k.kind, 'negative'), phrases: k.negative});
  }
  return lists;
}

export function kindNameLists(rules: IcpRules): Array<{tag: string; phrases: readonly string[]}> {
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
  /** `hits`: the description scanner's hits on name + description; `nameHits`: the name scanner's on the name. */
  classify(company: KindInput, hits: readonly PhraseHit[], nameHits: readonly PhraseHit[]): KindResult;
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

  return {
    classify(c: KindInput, hits: readonly PhraseHit[], nameHits: readonly PhraseHit[]): KindResult {
      const competitor = c.is_previous_customer ? null : listed(c);
      if (competitor !== null) return {kind: 'edi_vendor', reason: competitor, is_competitor: true, words: ['listed competitor'], signals: 3};
      const label = c.industry.trim().toLowerCase();
      const healthcare = phrasesOf(hits, HEALTHCARE_TAG);
      if (healthcare.length === 0 && !healthcareIndustries.has(label) && (c.description.trim() !== '' || c.industry !== '')) {
        return {kind: 'non_healthcare', reason: `no healthcare words and no healthcare industry${c.industry ? ` ("${c.industry}")` : ''}`, is_competitor: false, words: [], signals: 1};
      }
      let best = -1;
      let bestScore = 0;
      let bestWhy: string[] = [];
      let bestWords: string[] = [];
      let bestSignals = 0;
      for (let i = 0; i < ck.kinds.length; i++) {
        const k = ck.kinds[i];
        if (k.kind === 'edi_vendor' && c.is_previous_customer) continue;
        const negative = phrasesOf(hits, kindTag(k.kind, 'negative'));
        if (negative.length > 0) continue;
        const strong = phrasesOf(hits, kindTag(k.kind, 'strong'));
        const weak = phrasesOf(hits, kindTag(k.kind, 'weak')).filter((p) => !strong.includes(p));
        const named = phrasesOf(nameHits, kindNameTag(k.kind));
        const industry = industries[i].get(label) ?? 0;
        const why: string[] = [];
        if (industry > 0) why.push(`industry "${c.industry}" (+${industry})`);
        if (named.length) why.push(`name: ${named.join(', ')} (+${named.length * pts.name})`);
        if (strong.length) why.push(`${strong.join(', ')} (+${strong.length * pts.strong})`);
        const weakPoints = Math.min(pts.weak_cap, weak.length * pts.weak);
        if (weak.length) why.push(`weak: ${weak.join(', ')} (+${weakPoints})`);
        const words = [...new Set([...named, ...strong, ...weak])];
        const signals = (industry > 0 ? 1 : 0) + words.length;
        if (k.decisive && (strong.length > 0 || named.length > 0)) {
          return {kind: k.kind, reason: `${k.kind} (decisive): ${why.join('; ')}`, is_competitor: k.kind === 'edi_vendor', words, signals};
        }
        // Weak phrases alone (a vendor's text is full of its customers' words) do not make a kind: it needs a
        // name or strong phrase, or an industry label worth at least points.strong.
        const grounded = named.length > 0 || strong.length > 0 || industry >= pts.strong;
        const score = grounded ? industry + named.length * pts.name + strong.length * pts.strong + weakPoints : 0;
        if (score > bestScore) {
          best = i;
          bestScore = score;
          bestWhy = why;
          bestWords = words;
          bestSignals = signals;
        }
      }
      if (best !== -1 && bestScore >= ck.min_score) {
        const kind = ck.kinds[best].kind;
        return {kind, reason: `${kind} (score ${bestScore}): ${bestWhy.join('; ')}`, is_competitor: kind === 'edi_vendor', words: bestWords, signals: bestSignals};
      }
      if (healthcare.length > 0 || healthcareIndustries.has(label)) {
        return {kind: 'other_healthcare', reason: `no kind reached ${ck.min_score} points; healthcare ${healthcare.length ? `words: ${healthcare.slice(0, 4).join(', ')}` : `industry "${c.industry}"`}`, is_competitor: false, words: healthcare.slice(0, 4), signals: 1};
      }
      if (c.description.trim() !== '' || c.industry !== '') {
        return {kind: 'non_healthcare', reason: `no kind reached ${ck.min_score} points and no healthcare words`, is_competitor: false, words: [], signals: 1};
      }
      return {kind: 'unknown', reason: 'nothing to go on (no industry, no description)', is_competitor: false, words: [], signals: 0};
    },
  };
}
