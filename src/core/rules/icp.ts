import {countryCode} from '../geo.js';
import type {SizeBand} from '../normalize.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {compileTerms} from './terms.js';
import {round2} from './techstack.js';

export interface IcpInput {
  name: string;
  description: string;
  industry: string;
  size_band: SizeBand;
  country: string;
}

export interface IcpResult {
  icp_fit: boolean;
  icp_tier: 'tier_1' | 'tier_2' | 'tier_3' | 'not_icp' | 'excluded';
  icp_score: number;
  icp_confidence: number;
  icp_reason: string;
}

export interface IcpScorer {
  score(company: IcpInput): IcpResult;
  /** The same as score(company), given `text` = `${company.name}\n${company.description}` (built once by the caller). */
  scoreText(company: IcpInput, text: string): IcpResult;
}

const TIER_ORDER = ['tier_1', 'tier_2', 'tier_3'] as const;

/**
 * Compiles icp_rules.yml into a scorer: industry segment + size band + keywords, gated by country.
 * `prefilter: false` scans every text with each list (tests compare the two).
 */
export function compileIcp(rules: IcpRules, opts: {prefilter?: boolean} = {}): IcpScorer {
  const labelIndex = new Map<string, {name: string; points: number}>();
  for (const seg of rules.target_industries) {
    for (const label of seg.linkedin_labels) {
      const key = label.trim().toLowerCase();
      const prev = labelIndex.get(key);
      if (!prev || prev.points < seg.points) labelIndex.set(key, {name: seg.name, points: seg.points});
    }
  }
  const segmentKeywords = compileTerms(rules.target_industries.map((s) => ({name: s.name, patterns: s.description_keywords})), true);
  const keywordPoints = new Map(rules.target_industries.map((s) => [s.name, s.keyword_points]));
  const mustTerms = rules.keywords.must_have.map((k) => ({name: k, patterns: [k]}));
  const niceTerms = rules.keywords.nice_to_have.map((k) => ({name: k, patterns: [k]}));
  const mustHave = compileTerms(mustTerms, true);
  const niceToHave = compileTerms(niceTerms, true);
  // The three lists in one expression: a text it finds nothing in has no match in any of them (a match of one
  // list at some place is a match of this one there), so such a text (about half of them) is scanned once, not
  // three times. (The same prefilter as the tech-stack detector's.)
  let any: ReturnType<typeof compileTerms> | null = null;
  if (opts.prefilter !== false) try {
    any = compileTerms([...rules.target_industries.map((s) => ({name: s.name, patterns: s.description_keywords})), ...mustTerms, ...niceTerms], true);
  } catch {
    any = null;
  }
  const none: string[] = [];
  const allowed = new Set(rules.countries.allowed.map((c) => countryCode(c) || c.toUpperCase()));
  const excludedBands = new Set<string>(rules.size_bands.excluded);
  const fitRank = TIER_ORDER.indexOf(rules.tiers.fit_min_tier);
  const kw = rules.keywords;

  const scoreText = (c: IcpInput, text: string): IcpResult => {
    const reasons: string[] = [];

    const byLabel = labelIndex.get(c.industry.toLowerCase());
    let industryPoints = 0;
    if (byLabel) {
      industryPoints = byLabel.points;
      reasons.push(`industry "${c.industry}" is ${byLabel.name} (+${byLabel.points})`);
    }
    // No list matches before the first match of the three together (-1: none anywhere).
    const from = any === null ? 0 : any.first(text);
    const hit = from !== -1;
    const segs = hit ? segmentKeywords.distinct(text, from) : none;
    if (segs.length > 0) {
      const best = segs.reduce((a, b) => ((keywordPoints.get(b) ?? 0) > (keywordPoints.get(a) ?? 0) ? b : a));
      const pts = keywordPoints.get(best) ?? 0;
      if (pts > industryPoints) {
        industryPoints = pts;
        reasons.push(`description reads as ${best} (+${pts})`);
      }
    }
    if (industryPoints === 0) reasons.push(c.industry ? `industry "${c.industry}" is not a target` : 'no industry');

    const sizePoints = rules.size_bands.points[c.size_band] ?? 0;
    reasons.push(`size ${c.size_band} (+${sizePoints})`);

    const must = hit ? mustHave.distinct(text, from) : none;
    const nice = hit ? niceToHave.distinct(text, from) : none;
    const mustPoints = Math.min(kw.must_have_cap, must.length * kw.must_have_points);
    const nicePoints = Math.min(kw.nice_to_have_cap, nice.length * kw.nice_to_have_points);
    if (must.length) reasons.push(`must-have: ${must.join(', ')} (+${mustPoints})`);
    if (nice.length) reasons.push(`nice-to-have: ${nice.join(', ')} (+${nicePoints})`);

    const score = Math.min(100, Math.round(industryPoints + sizePoints + mustPoints + nicePoints));

    let tier: IcpResult['icp_tier'];
    const countryOk = c.country ? allowed.has(c.country) : rules.countries.unknown_allowed;
    if (!countryOk) {
      tier = 'excluded';
      reasons.push(c.country ? `country ${c.country} not allowed` : 'country unknown');
    } else if (excludedBands.has(c.size_band)) {
      tier = 'excluded';
      reasons.push(`size ${c.size_band} excluded`);
    } else if (score >= rules.tiers.tier_1 && must.length > 0) tier = 'tier_1';
    else if (score >= rules.tiers.tier_2) tier = 'tier_2';
    else if (score >= rules.tiers.tier_3) tier = 'tier_3';
    else tier = 'not_icp';

    const rank = (TIER_ORDER as readonly string[]).indexOf(tier);
    const fit = rank !== -1 && rank <= fitRank;
    return {
      icp_fit: fit,
      icp_tier: tier,
      icp_score: score,
      icp_confidence: icpConfidence(c, must.length + nice.length + (byLabel ? 1 : 0) + segs.length),
      icp_reason: `${tier} (score ${score}): ${reasons.join('; ')}`,
    };
  };
  return {
    score: (c: IcpInput): IcpResult => scoreText(c, `${c.name}\n${c.description}`),
    scoreText,
  };
}

/** More known fields and more matched signals mean a firmer judgement; the rules provider caps at 0.9. */
function icpConfidence(c: IcpInput, signals: number): number {
  let conf = 0.3;
  if (c.industry) conf += 0.15;
  if (c.size_band !== 'unknown') conf += 0.1;
  if (c.country) conf += 0.05;
  if (c.description.length >= 200) conf += 0.15;
  else if (c.description.length > 0) conf += 0.05;
  conf += Math.min(0.15, 0.05 * signals);
  return round2(Math.min(0.9, conf));
}
