import {countryCode} from '../geo.js';
import type {SizeBand} from '../normalize.js';
import type {CompanyKind} from '../vocabulary.js';
import type {IcpRules} from '../../schemas/icp-rules.js';
import {phrasesOf, type Hits, type PhraseList} from './phrases.js';
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
  /**
   * Scores a company of a known kind. `hits`: the rules' phrase scan of `${name}\n${description}` (it must
   * include icpPhraseLists); `kindSignals`: how many signals the kind rests on (for the confidence).
   */
  score(company: IcpInput, kind: CompanyKind, hits: Hits, kindSignals: number): IcpResult;
}

const TIER_ORDER = ['tier_1', 'tier_2', 'tier_3'] as const;
export const MUST_TAG = 'icp:must';
export const NICE_TAG = 'icp:nice';
export const exclusionTag = (i: number) => `icp:exclusion:${i}`;

/** The phrase lists the ICP scorer reads, tagged for the rules' scanner. */
export function icpPhraseLists(rules: IcpRules): PhraseList[] {
  return [
    {tag: MUST_TAG, phrases: rules.keywords.must_have},
    {tag: NICE_TAG, phrases: rules.keywords.nice_to_have},
    ...rules.icp.exclusions.map((x, i) => ({tag: exclusionTag(i), phrases: x.phrases})),
  ];
}

/**
 * Compiles icp_rules.yml into a scorer: company kind + size band + stated buying signals, gated by
 * competitors and excluded kinds, configured exclusions, country and size.
 */
export function compileIcp(rules: IcpRules): IcpScorer {
  const allowed = new Set(rules.countries.allowed.map((c) => countryCode(c) || c.toUpperCase()));
  const excludedBands = new Set<string>(rules.size_bands.excluded);
  const bandExclusionLifted = new Set<string>(rules.size_bands.excluded_unless_kinds);
  const excludedKinds = new Set<string>(rules.icp.excluded_kinds);
  const fitKinds = new Set<string>(rules.icp.fit_kinds);
  const signalKinds = new Set<string>(rules.icp.signal_required_kinds);
  const exclusionTags = rules.icp.exclusions.map((_, i) => exclusionTag(i));
  const fitRank = TIER_ORDER.indexOf(rules.tiers.fit_min_tier);
  const kw = rules.keywords;

  return {
    score(c: IcpInput, kind: CompanyKind, hits: Hits, kindSignals: number): IcpResult {
      const reasons: string[] = [];
      const kindPoints = rules.icp.kind_points[kind] ?? 0;
      reasons.push(`kind ${kind} (+${kindPoints})`);
      const sizePoints = rules.size_bands.points[c.size_band] ?? 0;
      reasons.push(`size ${c.size_band} (+${sizePoints})`);
      const must = phrasesOf(hits, MUST_TAG);
      const nice = phrasesOf(hits, NICE_TAG).filter((p) => !must.includes(p));
      const mustPoints = Math.min(kw.must_have_cap, must.length * kw.must_have_points);
      const nicePoints = Math.min(kw.nice_to_have_cap, nice.length * kw.nice_to_have_points);
      if (must.length) reasons.push(`buying signals: ${must.join(', ')} (+${mustPoints})`);
      if (nice.length) reasons.push(`other signals: ${nice.join(', ')} (+${nicePoints})`);
      const score = Math.min(100, Math.round(kindPoints + sizePoints + mustPoints + nicePoints));

      let tier: IcpResult['icp_tier'];
      const countryOk = c.country ? allowed.has(c.country) : rules.countries.unknown_allowed;
      const exclusion = excludedKinds.has(kind)
        ? -1
        : rules.icp.exclusions.findIndex((x, i) => !x.unless_kinds.includes(kind) && hits.of(exclusionTags[i]).length > 0);
      if (excludedKinds.has(kind)) {
        tier = 'excluded';
        reasons.push(kind === 'edi_vendor' ? 'excluded: competitor (edi_vendor)' : `excluded: kind ${kind}`);
      } else if (exclusion !== -1) {
        tier = 'excluded';
        reasons.push(`excluded: ${rules.icp.exclusions[exclusion].name} ("${hits.of(exclusionTags[exclusion])[0].phrase}")`);
      } else if (!countryOk) {
        tier = 'excluded';
        reasons.push(c.country ? `country ${c.country} not allowed` : 'country unknown');
      } else if (excludedBands.has(c.size_band) && !bandExclusionLifted.has(kind)) {
        tier = 'excluded';
        reasons.push(`size ${c.size_band} excluded`);
      } else {
        const canFit = fitKinds.has(kind) && (must.length > 0 || !signalKinds.has(kind));
        if (score >= rules.tiers.tier_1 && must.length > 0 && canFit) tier = 'tier_1';
        else if (score >= rules.tiers.tier_2 && canFit) tier = 'tier_2';
        else if (score >= rules.tiers.tier_3) {
          tier = 'tier_3';
          if (score >= rules.tiers.tier_2) {
            reasons.push(
              fitKinds.has(kind)
                ? `kind ${kind} needs a buying signal (icp.signal_required_kinds): at most tier_3`
                : `kind ${kind} is not a buyer kind (icp.fit_kinds): at most tier_3`,
            );
          }
        } else tier = 'not_icp';
      }

      const rank = (TIER_ORDER as readonly string[]).indexOf(tier);
      const fit = rank !== -1 && rank <= fitRank;
      return {
        icp_fit: fit,
        icp_tier: tier,
        icp_score: score,
        icp_confidence: icpConfidence(c, kind, must.length + nice.length + kindSignals),
        icp_reason: `${tier} (score ${score}): ${reasons.join('; ')}`,
      };
    },
  };
}

/** More known fields and more matched signals mean a firmer judgement; the rules provider caps at 0.9. */
function icpConfidence(c: IcpInput, kind: CompanyKind, signals: number): number {
  let conf = 0.3;
  if (c.industry) conf += 0.1;
  if (kind !== 'unknown') conf += 0.05;
  if (c.size_band !== 'unknown') conf += 0.1;
  if (c.country) conf += 0.05;
  if (c.description.length >= 200) conf += 0.15;
  else if (c.description.length > 0) conf += 0.05;
  conf += Math.min(0.15, 0.03 * signals);
  return round2(Math.min(0.9, conf));
}
