/**
 * The report streams deals.csv, billing.csv and invoices.csv into FigureBuilder (no row kept): its figures must
 * be those computed from all the rows at once. The reference here is written plainly from the figures'
 * definitions (filters over the whole arrays, in row order), not with the accumulators.
 */
import fc from 'fast-check';
import {
  CompanyDigest,
  FigureBuilder,
  type FigureCompany,
  type FigureContract,
  type FigureDeal,
  type FigureInvoice,
  type ReportFigures,
} from '../src/core/report/figures.js';
import {monthIndex, monthLabel} from '../src/core/report/figure-helpers.js';
import {median, quantile, round} from '../src/core/targets.js';
import {BANDS, SEGMENTS, STAGES, TIERS} from './fixtures/report/tables.js';

const options = {stages: STAGES, segments: SEGMENTS, icpTiers: TIERS, sizeBands: BANDS};
const months = ['2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-06', '2025-08', '2025-09'];
const date = (m: number, d: number) => `${months[m % months.length]}-${String(1 + (d % 28)).padStart(2, '0')}`;

const companyArb = fc.record({
  icp_tier: fc.constantFrom(...TIERS, 'zz_other'),
  size_band: fc.constantFrom(...BANDS, 'odd'),
  icp_fit: fc.boolean(),
  keep: fc.boolean(),
});
const dealArb = fc.record({
  company: fc.nat(),
  outcome: fc.constantFrom('won', 'lost', 'open'),
  at: fc.constantFrom(...STAGES),
  segment: fc.constantFrom(...SEGMENTS, '', 'partner'),
  lead_source: fc.constantFrom('referral', 'events', 'outbound', ''),
  loss_reason: fc.constantFrom('budget', 'timing', 'competitor', ''),
  created: fc.nat(),
  day: fc.nat(),
  cycle: fc.integer({min: 0, max: 400}),
  // cents and fractions: sums in another order would differ in the last bits
  amount: fc.double({min: 0, max: 300_000, noNaN: true}),
  probability: fc.constantFrom(0.1, 0.2, 0.35, 0.6, 0.8),
});
const contractArb = fc.record({
  company: fc.nat(),
  arr: fc.double({min: 0, max: 400_000, noNaN: true}),
  term: fc.constantFrom(1, 1, 2, 3),
  status: fc.constantFrom('active', 'scheduled', 'renewed', 'churned'),
});
const invoiceArb = fc.record({
  month: fc.nat(),
  day: fc.nat(),
  period: fc.constantFrom(1, 1, 3, 12, 24),
  amount: fc.double({min: 0, max: 50_000, noNaN: true}),
});

/** The figures of the deals, contracts and invoices computed from the whole arrays (the rows in order). */
function fromAllRows(digest: CompanyDigest, deals: FigureDeal[], contracts: FigureContract[], invoices: FigureInvoice[], asOf: string) {
  const known = (keys: string[], order: readonly string[]) => [
    ...order.filter((k) => keys.includes(k)),
    ...[...new Set(keys)].filter((k) => !order.includes(k)).sort(),
  ];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // Money is added up in whole cents (exact in any order), then given in dollars.
  const money = (xs: number[]) => sum(xs.map((x) => Math.round(x * 100))) / 100;
  const winRate = (key: (d: FigureDeal) => string, order: readonly string[]) =>
    known(deals.map(key), order).map((k) => {
      const g = deals.filter((d) => key(d) === k);
      const won = g.filter((d) => d.outcome === 'won').length;
      const lost = g.filter((d) => d.outcome === 'lost').length;
      return {key: k, won, lost, open: g.length - won - lost, win_rate: won + lost ? won / (won + lost) : null};
    });
  // A deal stopped at its lost_at_stage (lost), its stage (open), after the last stage (won).
  const stop = (d: FigureDeal) =>
    d.outcome === 'won' ? STAGES.length : STAGES.indexOf((d.outcome === 'lost' ? d.lost_at_stage : d.stage) as (typeof STAGES)[number]);
  const won = deals.filter((d) => d.outcome === 'won');
  const firsts = contracts.filter((c) => (c.term_number ?? 1) === 1);
  const last = monthIndex(asOf);
  const firstDeal = Math.min(last, ...deals.map((d) => monthIndex(d.created_date)));
  const firstInvoice = Math.min(last, ...invoices.map((i) => monthIndex(i.period_start)));
  const range = (from: number) => Array.from({length: last - from + 1}, (_, k) => from + k);
  const mrr = invoices.length
    ? range(firstInvoice).map((m) => ({
        month: monthLabel(m),
        // Each invoice's amount shared over its months: per length of period (shortest first), the cents of the
        // invoices covering the month over the length.
        mrr:
          [...new Set(invoices.map((i) => i.period_months))]
            .sort((x, y) => x - y)
            .reduce(
              (acc, k) =>
                acc +
                sum(
                  invoices
                    .filter((i) => i.period_months === k && m >= monthIndex(i.period_start) && m < monthIndex(i.period_start) + k)
                    .map((i) => Math.round(i.amount * 100)),
                ) /
                  k,
              0,
            ) / 100,
      }))
    : [];
  const distinct = (xs: string[]) => new Set(xs).size;
  const open = deals.filter((d) => d.outcome !== 'won' && d.outcome !== 'lost');
  return {
    funnel: STAGES.map((stage: string, i) => {
      const reached = deals.filter((d) => stop(d) >= i).length;
      const advanced = deals.filter((d) => stop(d) > i).length;
      return {
        stage,
        reached,
        advanced,
        lost: deals.filter((d) => d.outcome === 'lost' && stop(d) === i).length,
        open: deals.filter((d) => d.outcome === 'open' && stop(d) === i).length,
        conversion: reached ? advanced / reached : null,
      };
    }).concat([{stage: 'closed_won', reached: won.length, advanced: won.length, lost: 0, open: 0, conversion: null}]),
    winRateByIcpTier: winRate((d) => digest.tierOf(d.company_id) ?? 'unknown', TIERS),
    winRateBySegment: winRate((d) => d.segment || 'unknown', SEGMENTS),
    cycleBySegment: known(
      won.map((d) => d.segment || 'unknown'),
      SEGMENTS,
    ).map((segment) => {
      const v = won.filter((d) => (d.segment || 'unknown') === segment).map((d) => d.sales_cycle_days ?? NaN);
      v.sort((a, b) => a - b);
      return {segment, deals: v.length, min: v[0], q1: quantile(v, 0.25), median: quantile(v, 0.5), q3: quantile(v, 0.75), max: v[v.length - 1]};
    }),
    pipelineByMonth: range(firstDeal).map((m) => {
      const created = deals.filter((d) => monthIndex(d.created_date) === m);
      const closed = won.filter((d) => monthIndex(d.close_date) === m);
      return {
        month: monthLabel(m),
        deals_created: created.length,
        pipeline_created_arr: money(created.map((d) => d.amount_arr)),
        deals_won: closed.length,
        closed_won_arr: money(closed.map((d) => d.closed_arr ?? d.amount_arr)),
      };
    }),
    mrrByMonth: mrr,
    arrBySizeBand: known(
      firsts.map((c) => digest.sizeBandOf(c.company_id) ?? 'unknown'),
      BANDS,
    ).map((band) => {
      const v = firsts.filter((c) => (digest.sizeBandOf(c.company_id) ?? 'unknown') === band).map((c) => c.arr);
      return {size_band: band, contracts: v.length, total_arr: money(v), median_arr: median(v)};
    }),
    summary: {
      opportunities: deals.length,
      companies_with_opportunity: distinct(deals.map((d) => d.company_id)),
      won: won.length,
      lost: deals.filter((d) => d.outcome === 'lost').length,
      open: open.length,
      open_pipeline_arr: round(money(open.map((d) => d.amount_arr)), 2),
      weighted_pipeline_arr: round(money(open.map((d) => d.amount_arr * d.probability)), 2),
      median_cycle_days: median(won.map((d) => d.sales_cycle_days ?? NaN)),
      customers_with_contract: distinct(contracts.map((c) => c.company_id)),
      customers_with_active_contract: distinct(contracts.filter((c) => c.contract_status === 'active').map((c) => c.company_id)),
      contracts: firsts.length,
      arr: round(money(contracts.filter((c) => c.contract_status === 'active').map((c) => c.arr)), 2),
      booked_arr: round(money(firsts.map((c) => c.arr)), 2),
      mrr_as_of: round(mrr.find((r) => r.month === asOf.slice(0, 7))?.mrr ?? 0, 2),
    },
  };
}

const picked = (f: ReportFigures) => ({
  funnel: f.funnel,
  winRateByIcpTier: f.winRateByIcpTier,
  winRateBySegment: f.winRateBySegment,
  cycleBySegment: f.cycleBySegment,
  pipelineByMonth: f.pipelineByMonth,
  mrrByMonth: f.mrrByMonth,
  arrBySizeBand: f.arrBySizeBand,
  summary: {
    opportunities: f.summary.opportunities,
    companies_with_opportunity: f.summary.companies_with_opportunity,
    won: f.summary.won,
    lost: f.summary.lost,
    open: f.summary.open,
    open_pipeline_arr: f.summary.open_pipeline_arr,
    weighted_pipeline_arr: f.summary.weighted_pipeline_arr,
    median_cycle_days: f.summary.median_cycle_days,
    customers_with_contract: f.summary.customers_with_contract,
    customers_with_active_contract: f.summary.customers_with_active_contract,
    contracts: f.summary.contracts,
    arr: f.summary.arr,
    booked_arr: f.summary.booked_arr,
    mrr_as_of: f.summary.mrr_as_of,
  },
});

describe('FigureBuilder (the report streaming its tables)', () => {
  it('gives the figures computed from all the rows, whatever the interleaving of the tables (property)', () => {
    const arb = fc.record({
      companies: fc.array(companyArb, {maxLength: 12}),
      deals: fc.array(dealArb, {maxLength: 60}),
      contracts: fc.array(contractArb, {maxLength: 30}),
      invoices: fc.array(invoiceArb, {maxLength: 40}),
      // which table the next row comes from (the report reads the three at once)
      turns: fc.array(fc.nat({max: 2}), {maxLength: 200}),
      asOf: fc.constantFrom('2025-03-31', '2025-08-31', '2025-09-30'),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const digest = new CompanyDigest();
        const rows: FigureCompany[] = a.companies.map((c, i) => ({
          company_id: `co_${i}`,
          icp_tier: c.icp_tier,
          size_band: c.size_band,
          icp_fit: c.icp_fit,
          uses_x12: false,
          uses_clearinghouse: false,
          uses_fhir: false,
          uses_hl7: false,
          enrichment_source: 'rules',
        }));
        rows.forEach((c, i) => digest.add(c, a.companies[i].keep, false));
        // one company id in seven is in no digest (a table of other companies)
        const companyOf = (n: number) => (n % 7 === 6 || rows.length === 0 ? `co_stray${n % 3}` : rows[n % rows.length].company_id);
        const deals: FigureDeal[] = a.deals.map((d, i) => ({
          deal_id: `deal_${i}`,
          company_id: companyOf(d.company),
          lead_source: d.lead_source,
          segment: d.segment,
          created_date: date(d.created, d.day),
          stage: d.outcome === 'won' ? 'closed_won' : d.outcome === 'lost' ? 'closed_lost' : d.at,
          close_date: d.outcome === 'open' ? '' : date(d.created + 1 + (d.day % 3), d.day + 5),
          outcome: d.outcome,
          loss_reason: d.outcome === 'lost' ? d.loss_reason : '',
          lost_at_stage: d.outcome === 'lost' ? d.at : '',
          amount_arr: d.amount,
          closed_arr: d.outcome === 'won' ? d.amount * 0.9 : null,
          probability: d.outcome === 'won' ? 1 : d.outcome === 'lost' ? 0 : d.probability,
          sales_cycle_days: d.cycle,
        }));
        const contracts: FigureContract[] = a.contracts.map((c, i) => ({
          billing_id: `bil_${i}`,
          deal_id: `deal_${i}`,
          company_id: companyOf(c.company),
          arr: c.arr,
          contract_status: c.status,
          term_number: c.term,
        }));
        const invoices: FigureInvoice[] = a.invoices.map((v) => ({period_start: date(v.month, v.day), period_months: v.period, amount: v.amount}));
        const b = new FigureBuilder(digest, options);
        const next = [0, 0, 0];
        const feedOne = (t: number) => {
          if (t === 0 && next[0] < deals.length) b.addDeal(deals[next[0]++]);
          else if (t === 1 && next[1] < contracts.length) b.addContract(contracts[next[1]++]);
          else if (t === 2 && next[2] < invoices.length) b.addInvoice(invoices[next[2]++]);
        };
        for (const t of a.turns) feedOne(t);
        for (let t = 0; t < 3; t++) while (next[t] < [deals, contracts, invoices][t].length) feedOne(t);
        expect([b.deals, b.contracts, b.invoices]).toEqual([deals.length, contracts.length, invoices.length]);
        expect(b.firstCreated).toBe(deals.length ? deals.map((d) => d.created_date).sort()[0] : undefined);
        expect(picked(b.figures(a.asOf))).toEqual(fromAllRows(digest, deals, contracts, invoices, a.asOf));
      }),
    );
  });
});
