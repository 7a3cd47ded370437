/** The deals stage's summary: counts and figures of leads and deals, additive across threads (DealStats). */
import {addInto} from './merge.js';
import {checkTargets, median, medianFigure, ratio, round, shareFigure, shares, targetWarnings, type TargetCheck} from './targets.js';
import {COMPANY_KINDS, DEAL_STAGES, DEAL_TYPES, type CompanyKind, LOSS_REASONS, type DealStage, type LossReason} from './vocabulary.js';
import type {Company} from '../schemas/companies.js';
import {basisOf, type Basis, type DealModel} from './deal-model.js';
import type {CompanySimulation} from './deals.js';

type Counts<K extends string> = Record<K, number>;
const zeros = <K extends string>(keys: readonly K[]): Counts<K> => Object.fromEntries(keys.map((k) => [k, 0])) as Counts<K>;

export interface SourceFigures {
  companies: number;
  with_deals: number;
  opportunity_rate: number | null;
  won: number;
  lost: number;
  win_rate: number | null;
}

export interface DealsFigures {
  companies: number;
  companies_touched: number;
  companies_with_deals: number;
  /** Companies with a deal over the companies touched by the as-of date (likewise for ICP and the others). */
  opportunity_rate: number | null;
  opportunity_rate_icp: number | null;
  opportunity_rate_non_icp: number | null;
  icp_opportunity_lift: number | null;
  deals: number;
  deal_types: Counts<(typeof DEAL_TYPES)[number]>;
  won: number;
  lost: number;
  open: number;
  win_rate: number | null;
  /** Open deals over the deals created in the 365 days up to the as-of date (the last year's pipeline). */
  open_share: number | null;
  /** Deals created in the 365 days up to the as-of date. */
  deals_last_year: number;
  open_pipeline_arr: number;
  weighted_pipeline_arr: number;
  open_by_stage: Counts<DealStage>;
  /** overall, then by segment (in the config's order). */
  median_cycle_days: {overall: number | null} & Record<string, number | null>;
  median_cycle_days_lost: number | null;
  won_by_segment: Counts<string>;
  median_won_arr: number | null;
  median_amount_arr: number | null;
  won_arr_below_5k_share: number | null;
  won_arr_above_100k_share: number | null;
  total_won_arr: number;
  loss_reasons: Counts<LossReason>;
  lost_at_stage: Counts<DealStage>;
  /** Of the closed deals that reached each stage, the share that moved on (negotiation: won). */
  stage_conversion: Record<DealStage, number | null>;
  /** Of the closed deals that reached proposal, the share won. */
  proposal_to_won: number | null;
  quarter_end_close_share: number | null;
  lead_sources: Record<string, SourceFigures>;
  /** By the X12 / clearinghouse evidence of the company: stated in its text, inferred from its kind, or none. */
  by_x12_evidence: Record<Basis, SourceFigures>;
  /** By company_kind. */
  by_company_kind: Record<CompanyKind, SourceFigures>;
}

interface SourceCounts {
  companies: number;
  with_deals: number;
  won: number;
  lost: number;
}

/**
 * Everything the deals summary needs, as plain numbers, number lists and records (see Additive in merge.ts):
 * structured-clone-safe, and additive, so the states of contiguous parts merge into exactly the state of one
 * accumulator that saw every company in order.
 */
export type DealState = {
  companies: number;
  touched: number;
  withDeals: number;
  icp: number;
  icpWithDeals: number;
  deals: number;
  /** Deals created in the 365 days up to the as-of date. */
  recentDeals: number;
  types: Counts<(typeof DEAL_TYPES)[number]>;
  outcomes: {won: number; lost: number; open: number};
  /** Sum of amount_arr of open deals (integer dollars). */
  openArr: number;
  /**
   * Sum of amount_arr x probability x 100 over open deals: an exact integer (amount_arr is whole dollars and
   * probability has 2 decimals), divided by 100 only in the figures, so no float sum depends on the split.
   */
  weightedArrX100: number;
  openByStage: Counts<DealStage>;
  /** Sales cycles (days) of won deals, by segment. */
  cycles: Record<string, number[]>;
  lostCycles: number[];
  wonArr: number[];
  amounts: number[];
  lossReasons: Counts<LossReason>;
  lostAt: Counts<DealStage>;
  closes: number;
  quarterEndCloses: number;
  sources: Record<string, SourceCounts>;
  evidence: Record<Basis, SourceCounts>;
  kinds: Record<CompanyKind, SourceCounts>;
};

const BASES = ['stated', 'inferred', 'none'] as const satisfies readonly Basis[];
const groupCounts = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, {companies: 0, with_deals: 0, won: 0, lost: 0}])) as Record<K, SourceCounts>;
const groupFigures = <K extends string>(keys: readonly K[], counts: Record<K, SourceCounts>) =>
  Object.fromEntries(
    keys.map((k) => {
      const x = counts[k];
      return [k, {...x, opportunity_rate: ratio(x.with_deals, x.companies), win_rate: ratio(x.won, x.won + x.lost)}];
    }),
  ) as Record<K, SourceFigures>;

function emptyDealState(leadSources: readonly string[], segments: readonly string[]): DealState {
  return {
    companies: 0,
    touched: 0,
    withDeals: 0,
    icp: 0,
    icpWithDeals: 0,
    deals: 0,
    recentDeals: 0,
    types: zeros(DEAL_TYPES),
    outcomes: {won: 0, lost: 0, open: 0},
    openArr: 0,
    weightedArrX100: 0,
    openByStage: zeros(DEAL_STAGES),
    cycles: Object.fromEntries(segments.map((g) => [g, [] as number[]])),
    lostCycles: [],
    wonArr: [],
    amounts: [],
    lossReasons: zeros(LOSS_REASONS),
    lostAt: zeros(DEAL_STAGES),
    closes: 0,
    quarterEndCloses: 0,
    sources: groupCounts(leadSources),
    evidence: groupCounts(BASES),
    kinds: groupCounts(COMPANY_KINDS),
  };
}

/**
 * Accumulates the deals summary company by company (streaming-friendly: only numbers are kept). Parts of the
 * companies can be accumulated apart (worker threads) and merged: `merge(other.state())`, in part order.
 */
export class DealStats {
  private readonly s: DealState;

  constructor(private readonly model: DealModel) {
    this.s = emptyDealState(model.leadSources, model.segments);
  }

  add(company: Pick<Company, 'icp_fit' | 'company_kind' | 'uses_x12' | 'uses_clearinghouse' | 'techstack_basis'>, sim: CompanySimulation): void {
    const cal = this.model.calendar;
    const s = this.s;
    s.companies++;
    // Rates are of the companies touched by the as-of date (an earlier as-of has not met the later ones yet).
    const touched = sim.lead.lead_source !== '';
    if (company.icp_fit && touched) s.icp++;
    const groups = touched
      ? [s.evidence[basisOf(company.uses_x12 || company.uses_clearinghouse, company)], s.kinds[company.company_kind] ?? s.kinds.unknown]
      : [];
    for (const g of groups) {
      g.companies++;
      if (sim.deals.length > 0) g.with_deals++;
      for (const d of sim.deals) {
        if (d.outcome === 'won') g.won++;
        else if (d.outcome === 'lost') g.lost++;
      }
    }
    const src = sim.lead.lead_source === '' ? undefined : s.sources[sim.lead.lead_source];
    if (src) {
      s.touched++;
      src.companies++;
    }
    if (sim.deals.length > 0) {
      s.withDeals++;
      if (company.icp_fit) s.icpWithDeals++;
      if (src) src.with_deals++;
    }
    for (const d of sim.deals) {
      s.deals++;
      if (cal.day(d.as_of_date)! - cal.day(d.created_date)! < 365) s.recentDeals++;
      s.types[d.deal_type]++;
      s.outcomes[d.outcome]++;
      s.amounts.push(d.amount_arr);
      if (d.outcome === 'open') {
        s.openArr += d.amount_arr;
        s.weightedArrX100 += d.amount_arr * Math.round(d.probability * 100);
        s.openByStage[d.stage as DealStage]++;
        continue;
      }
      s.closes++;
      const close = cal.day(d.close_date)!;
      if (cal.quarterEnd(close) - close < 15) s.quarterEndCloses++;
      if (d.outcome === 'won') {
        s.cycles[d.segment].push(d.sales_cycle_days!);
        s.wonArr.push(d.closed_arr!);
        if (src) src.won++;
      } else {
        s.lostCycles.push(d.sales_cycle_days!);
        s.lossReasons[d.loss_reason as LossReason]++;
        s.lostAt[d.lost_at_stage as DealStage]++;
        if (src) src.lost++;
      }
    }
  }

  /**
   * The accumulated state: plain data (no model), safe to post to another thread. It is the live state, not a
   * copy: post it, or merge it, before adding more companies to this accumulator.
   */
  state(): DealState {
    return this.s;
  }

  /** Adds the state of the next part of the companies (parts merged in order: 0, then 1, ...). */
  merge(state: DealState): void {
    addInto(this.s, state);
  }

  figures(): DealsFigures {
    const s = this.s;
    const closed = s.outcomes.won + s.outcomes.lost;
    const nonIcp = s.touched - s.icp;
    const rateIcp = ratio(s.icpWithDeals, s.icp);
    const rateNon = ratio(s.withDeals - s.icpWithDeals, nonIcp);
    const allCycles = this.model.segments.flatMap((g) => s.cycles[g]);
    const won = s.wonArr.length;
    return {
      companies: s.companies,
      companies_touched: s.touched,
      companies_with_deals: s.withDeals,
      opportunity_rate: ratio(s.withDeals, s.touched),
      opportunity_rate_icp: rateIcp,
      opportunity_rate_non_icp: rateNon,
      icp_opportunity_lift: rateIcp !== null && rateNon ? round(rateIcp / rateNon, 2) : null,
      deals: s.deals,
      deal_types: {...s.types},
      won: s.outcomes.won,
      lost: s.outcomes.lost,
      open: s.outcomes.open,
      win_rate: ratio(s.outcomes.won, closed),
      open_share: ratio(s.outcomes.open, s.recentDeals),
      deals_last_year: s.recentDeals,
      open_pipeline_arr: s.openArr,
      weighted_pipeline_arr: Math.round(s.weightedArrX100 / 100),
      open_by_stage: {...s.openByStage},
      median_cycle_days: {
        overall: median(allCycles),
        ...Object.fromEntries(this.model.segments.map((g) => [g, median(s.cycles[g])])),
      },
      median_cycle_days_lost: median(s.lostCycles),
      won_by_segment: Object.fromEntries(this.model.segments.map((g) => [g, s.cycles[g].length])),
      median_won_arr: median(s.wonArr),
      median_amount_arr: median(s.amounts),
      won_arr_below_5k_share: ratio(s.wonArr.filter((x) => x < 5000).length, won),
      won_arr_above_100k_share: ratio(s.wonArr.filter((x) => x > 100_000).length, won),
      total_won_arr: s.wonArr.reduce((a, b) => a + b, 0),
      loss_reasons: shares(LOSS_REASONS, s.lossReasons),
      lost_at_stage: {...s.lostAt},
      ...this.conversion(),
      quarter_end_close_share: ratio(s.quarterEndCloses, s.closes),
      lead_sources: groupFigures(this.model.leadSources, s.sources),
      by_x12_evidence: groupFigures(BASES, s.evidence),
      by_company_kind: groupFigures(COMPANY_KINDS, s.kinds),
    };
  }

  private conversion(): {stage_conversion: Record<DealStage, number | null>; proposal_to_won: number | null} {
    const s = this.s;
    // Closed deals that reached stage s: the won ones plus those lost at s or later.
    const reached = (stage: number) => s.outcomes.won + DEAL_STAGES.slice(stage).reduce((n, st) => n + s.lostAt[st], 0);
    const stage_conversion = {} as Record<DealStage, number | null>;
    DEAL_STAGES.forEach((st, stage) => (stage_conversion[st] = ratio(reached(stage) - s.lostAt[st], reached(stage))));
    return {stage_conversion, proposal_to_won: ratio(s.outcomes.won, reached(DEAL_STAGES.indexOf('proposal')))};
  }

  /** The figures and their checks against deal_model.yml targets. */
  summary(): {figures: DealsFigures; checks: TargetCheck[]; warnings: string[]} {
    const s = this.s;
    const f = this.figures();
    const closed = f.won + f.lost;
    const allCycles = this.model.segments.flatMap((g) => s.cycles[g]);
    const checks = checkTargets(
      {
        opportunity_rate: shareFigure(f.companies_with_deals, f.companies_touched),
        icp_opportunity_lift: {value: f.icp_opportunity_lift, n: f.companies_with_deals},
        win_rate: shareFigure(f.won, closed),
        open_share: shareFigure(f.open, s.recentDeals),
        median_cycle_days: medianFigure(allCycles),
        ...Object.fromEntries(this.model.segments.map((g) => [`median_cycle_days_${g}`, medianFigure(s.cycles[g])])),
        median_won_arr: medianFigure(s.wonArr),
        won_arr_below_5k_share: shareFigure(s.wonArr.filter((x) => x < 5000).length, f.won),
        won_arr_above_100k_share: shareFigure(s.wonArr.filter((x) => x > 100_000).length, f.won),
        no_decision_share: shareFigure(s.lossReasons.no_decision, f.lost),
        quarter_end_close_share: shareFigure(s.quarterEndCloses, closed),
      },
      this.model.config.targets,
    );
    return {figures: f, checks, warnings: targetWarnings(checks)};
  }
}
