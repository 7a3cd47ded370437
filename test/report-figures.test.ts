import fc from 'fast-check';
import {
  arrBySizeBand,
  arrDistribution,
  CompanyDigest,
  computeFigures,
  CurrentCompany,
  cycleBySegment,
  enrichmentSources,
  FigureBuilder,
  funnel,
  icpMix,
  lossReasons,
  mrrByMonth,
  pipelineByMonth,
  summarize,
  techstackMix,
  winRateByIcpTier,
  winRateByLeadSource,
  winRateBySegment,
  type CompanyDigestState,
  type FigureCompany,
  type FigureContract,
  type FigureDeal,
  type FigureInvoice,
  type FigureState,
  type FigureTables,
  type ReportFigures,
} from '../src/core/report/figures.js';
import {headline} from '../src/core/report/html.js';
import {quantile} from '../src/core/targets.js';
import {AS_OF, BANDS, SEGMENTS, STAGES, TIERS, companies, contracts, deals, digestOf, invoices, tables, unified} from './fixtures/report/tables.js';

const digest = tables.companies;
/** A company's columns the figures read (but its id), for the properties. */
const companyFields = {
  icp_tier: fc.constantFrom(...TIERS, 'zz_other', 'aa_other'),
  size_band: fc.constantFrom(...BANDS, 'odd'),
  icp_fit: fc.boolean(),
  uses_x12: fc.boolean(),
  uses_clearinghouse: fc.boolean(),
  uses_fhir: fc.boolean(),
  uses_hl7: fc.boolean(),
  enrichment_source: fc.constantFrom('rules', 'openai', 'rules_fallback'),
};
const options = {stages: STAGES, segments: SEGMENTS, icpTiers: TIERS, sizeBands: BANDS, asOf: AS_OF};

// Every expected number below was counted by hand from test/fixtures/report/tables.ts.

describe('funnel', () => {
  it('counts deals reaching each stage and where the others stopped', () => {
    // won d1 d2 d7 reach all stages; lost at discovery d3 d8, at security_review d4;
    // open at discovery d9, technical_evaluation d6, proposal d5.
    expect(funnel(deals, STAGES)).toEqual([
      {stage: 'discovery', reached: 9, advanced: 6, lost: 2, open: 1, conversion: 6 / 9},
      {stage: 'technical_evaluation', reached: 6, advanced: 5, lost: 0, open: 1, conversion: 5 / 6},
      {stage: 'security_review', reached: 5, advanced: 4, lost: 1, open: 0, conversion: 4 / 5},
      {stage: 'proposal', reached: 4, advanced: 3, lost: 0, open: 1, conversion: 3 / 4},
      {stage: 'negotiation', reached: 3, advanced: 3, lost: 0, open: 0, conversion: 1},
      {stage: 'closed_won', reached: 3, advanced: 3, lost: 0, open: 0, conversion: null},
    ]);
  });

  it('rejects a stage the model does not know', () => {
    expect(() => funnel([{...deals[8], stage: 'demo'}], STAGES)).toThrow(/deal d9: stage "demo"/);
  });

  it('accounts for every deal at every stage (property)', () => {
    const dealArb = fc
      .record({
        outcome: fc.constantFrom('won', 'lost', 'open'),
        at: fc.constantFrom(...STAGES),
      })
      .map(({outcome, at}): FigureDeal => ({
        ...deals[0],
        outcome,
        stage: outcome === 'open' ? at : outcome === 'won' ? 'closed_won' : 'closed_lost',
        lost_at_stage: outcome === 'lost' ? at : '',
      }));
    fc.assert(
      fc.property(fc.array(dealArb, {maxLength: 60}), (ds) => {
        const rows = funnel(ds, STAGES);
        expect(rows[0].reached).toBe(ds.length);
        for (let i = 0; i < STAGES.length; i++) {
          expect(rows[i].advanced + rows[i].lost + rows[i].open).toBe(rows[i].reached);
          expect(rows[i + 1].reached).toBe(rows[i].advanced);
        }
        const lost = rows.reduce((a, r) => a + r.lost, 0);
        const open = rows.reduce((a, r) => a + r.open, 0);
        expect(lost + open + rows[STAGES.length].reached).toBe(ds.length);
      }),
    );
  });
});

describe('win rates', () => {
  it('by ICP tier, in tier order, null when nothing closed', () => {
    expect(winRateByIcpTier(deals, digest, TIERS)).toEqual([
      {key: 'tier_1', won: 3, lost: 0, open: 0, win_rate: 1},
      {key: 'tier_2', won: 0, lost: 1, open: 1, win_rate: 0},
      {key: 'tier_3', won: 0, lost: 1, open: 1, win_rate: 0},
      {key: 'not_icp', won: 0, lost: 1, open: 0, win_rate: 0},
      {key: 'excluded', won: 0, lost: 0, open: 1, win_rate: null},
    ]);
  });

  it('by lead source, best first, ties by name, no closed deals last', () => {
    expect(winRateByLeadSource(deals)).toEqual([
      {key: 'partner', won: 1, lost: 0, open: 0, win_rate: 1},
      {key: 'referral', won: 2, lost: 0, open: 0, win_rate: 1},
      {key: 'content', won: 0, lost: 1, open: 0, win_rate: 0},
      {key: 'paid_search', won: 0, lost: 2, open: 1, win_rate: 0},
      {key: 'outbound', won: 0, lost: 0, open: 2, win_rate: null},
    ]);
  });

  it('by segment, in segment order', () => {
    expect(winRateBySegment(deals, SEGMENTS)).toEqual([
      {key: 'smb', won: 2, lost: 3, open: 2, win_rate: 0.4},
      {key: 'mid_market', won: 1, lost: 0, open: 0, win_rate: 1},
      {key: 'enterprise', won: 0, lost: 0, open: 1, win_rate: null},
    ]);
  });
});

describe('ARR', () => {
  it('buckets contracts by ARR', () => {
    const b = arrDistribution(contracts);
    expect(b.map((x) => [x.label, x.contracts])).toEqual([
      ['< $5K', 1],
      ['$5K-10K', 0],
      ['$10K-25K', 1],
      ['$25K-50K', 0],
      ['$50K-100K', 1],
      ['$100K-250K', 0],
      ['>= $250K', 0],
    ]);
    expect(b.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1);
  });

  it('puts a bound in the bucket it starts', () => {
    const at = (arr: number) => arrDistribution([{...contracts[0], arr}]).findIndex((x) => x.contracts === 1);
    expect([0, 4999.99, 5000, 9999, 10000, 250000, 5e6].map(at)).toEqual([0, 0, 1, 1, 2, 6, 6]);
  });

  it('has no shares when there are no contracts', () => {
    expect(arrDistribution([]).every((x) => x.contracts === 0 && x.share === 0)).toBe(true);
  });

  it('by size band: count, total and median, bands in order', () => {
    // c1 (51-200): 12,000 and 3,600; c2 (201-500): 60,000
    expect(arrBySizeBand(contracts, digest, BANDS)).toEqual([
      {size_band: '51-200', contracts: 2, total_arr: 15600, median_arr: 7800},
      {size_band: '201-500', contracts: 1, total_arr: 60000, median_arr: 60000},
    ]);
  });
});

describe('sales cycle', () => {
  it('five-number summary of won deals per segment', () => {
    // smb won: d1 60, d7 30; mid_market won: d2 90; enterprise: none won
    expect(cycleBySegment(deals, SEGMENTS)).toEqual([
      {segment: 'smb', deals: 2, min: 30, q1: 37.5, median: 45, q3: 52.5, max: 60},
      {segment: 'mid_market', deals: 1, min: 90, q1: 90, median: 90, q3: 90, max: 90},
    ]);
  });

  it('quantile interpolates between closest ranks', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10], 0.75)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('by month', () => {
  it('pipeline created and closed-won, every month to the as-of month', () => {
    expect(pipelineByMonth(deals, AS_OF)).toEqual([
      {month: '2025-01', deals_created: 1, pipeline_created_arr: 13000, deals_won: 0, closed_won_arr: 0},
      {month: '2025-02', deals_created: 1, pipeline_created_arr: 60000, deals_won: 0, closed_won_arr: 0},
      {month: '2025-03', deals_created: 2, pipeline_created_arr: 17000, deals_won: 1, closed_won_arr: 12000},
      {month: '2025-04', deals_created: 1, pipeline_created_arr: 200000, deals_won: 0, closed_won_arr: 0},
      {month: '2025-05', deals_created: 1, pipeline_created_arr: 3600, deals_won: 1, closed_won_arr: 60000},
      {month: '2025-06', deals_created: 1, pipeline_created_arr: 10000, deals_won: 1, closed_won_arr: 3600},
      {month: '2025-07', deals_created: 1, pipeline_created_arr: 3000, deals_won: 0, closed_won_arr: 0},
      {month: '2025-08', deals_created: 1, pipeline_created_arr: 7000, deals_won: 0, closed_won_arr: 0},
    ]);
  });

  it('crosses year ends and leaves no month out', () => {
    const rows = pipelineByMonth([{...deals[0], created_date: '2024-11-20', outcome: 'open'}], '2025-02-10');
    expect(rows.map((r) => r.month)).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
  });

  it('is the as-of month alone when there are no deals', () => {
    expect(pipelineByMonth([], AS_OF)).toEqual([{month: '2025-08', deals_created: 0, pipeline_created_arr: 0, deals_won: 0, closed_won_arr: 0}]);
  });

  it('MRR spreads each invoice over the months it covers', () => {
    // b1 1,000 a month from April; b2 60,000 / 12 = 5,000 a month from June; b3 300 in July and August
    expect(mrrByMonth(invoices, AS_OF)).toEqual([
      {month: '2025-04', mrr: 1000},
      {month: '2025-05', mrr: 1000},
      {month: '2025-06', mrr: 6000},
      {month: '2025-07', mrr: 6300},
      {month: '2025-08', mrr: 6300},
    ]);
    expect(mrrByMonth([], AS_OF)).toEqual([]);
  });
});

describe('mixes', () => {
  it('loss reasons, largest first', () => {
    expect(lossReasons(deals)).toEqual([
      {key: 'no_decision', count: 2, share: 2 / 3},
      {key: 'competitor', count: 1, share: 1 / 3},
    ]);
  });

  it('companies by ICP tier', () => {
    expect(icpMix(digest, TIERS).map((r) => [r.key, r.count])).toEqual([
      ['tier_1', 2],
      ['tier_2', 1],
      ['tier_3', 1],
      ['not_icp', 1],
      ['excluded', 1],
    ]);
  });

  it('tech stack split by ICP fit', () => {
    expect(techstackMix(digest)).toEqual([
      {technology: 'X12 EDI', icp_fit: 2, not_icp_fit: 1, total: 3, share: 0.5},
      {technology: 'Clearinghouse', icp_fit: 2, not_icp_fit: 0, total: 2, share: 2 / 6},
      {technology: 'FHIR', icp_fit: 1, not_icp_fit: 1, total: 2, share: 2 / 6},
      {technology: 'HL7 v2', icp_fit: 1, not_icp_fit: 1, total: 2, share: 2 / 6},
    ]);
  });

  it('enrichment sources', () => {
    expect(enrichmentSources(digest).map((r) => [r.key, r.count])).toEqual([
      ['rules', 5],
      ['rules_fallback', 1],
    ]);
  });
});

describe('summary', () => {
  it('headline figures', () => {
    expect(summarize(tables, AS_OF)).toEqual({
      companies: 6,
      icp_fit: 3,
      icp_share: 0.5,
      opportunities: 9,
      companies_with_opportunity: 6,
      won: 3,
      lost: 3,
      open: 3,
      win_rate: 0.5,
      open_pipeline_arr: 217000, // d5 10,000 + d6 200,000 + d9 7,000
      weighted_pipeline_arr: 44700, // 4,000 + 40,000 + 700
      median_cycle_days: 60, // won: 60, 90, 30
      customers: 3, // c1, c2, c5
      customers_with_contract: 2,
      customers_with_active_contract: 2, // c1 (b1; b3 is scheduled), c2
      contracts: 3,
      arr: 72000, // active: b1 + b2
      booked_arr: 75600,
      mrr_as_of: 6300,
      enrichment_fallbacks: 1,
      // No reps.csv or pipeline_snapshots.csv in the fixture: no pipeline figures.
      quota_attainment_share: null,
      median_pipeline_coverage: null,
      median_slip_rate: null,
    });
  });

  it('counts a churned customer as a customer with a contract, not an active one, and its ARR as booked only', () => {
    const churned = {...tables, contracts: tables.contracts.map((c) => (c.billing_id === 'b2' ? {...c, contract_status: 'ended'} : c))};
    expect(summarize(churned, AS_OF)).toMatchObject({
      customers: 3,
      customers_with_contract: 2,
      customers_with_active_contract: 1,
      arr: 12000,
      booked_arr: 75600,
    });
  });

  it('has no rates when nothing happened', () => {
    const s = summarize({companies: new CompanyDigest(), deals: [], contracts: [], invoices: []}, AS_OF);
    expect(s).toMatchObject({companies: 0, icp_share: null, win_rate: null, median_cycle_days: null, arr: 0, mrr_as_of: 0});
    // The page's tiles (and the terminal's table) say n/a for the shares of nothing.
    const tiles = Object.fromEntries(headline(s).map((h) => [h.label, h.value]));
    expect([tiles['ICP share'], tiles['Win rate']]).toEqual(['n/a', 'n/a']);
  });

  it('computeFigures gathers every chart', () => {
    const f = computeFigures(tables, options);
    expect(f.funnel).toEqual(funnel(deals, STAGES));
    expect(f.summary).toEqual(summarize(tables, AS_OF));
    expect(Object.keys(f).sort()).toEqual([
      'arrBySizeBand',
      'arrDistribution',
      'cycleBySegment',
      'enrichmentSources',
      'funnel',
      'icpMix',
      'lossReasons',
      'mrrByMonth',
      'pipeline',
      'pipelineByMonth',
      'summary',
      'techstackMix',
      'winRateByIcpTier',
      'winRateByLeadSource',
      'winRateBySegment',
    ]);
  });

  it('does not depend on the order of the rows', () => {
    const rev = {
      companies: digestOf([...companies].reverse(), [...unified].reverse()),
      deals: [...deals].reverse(),
      contracts: [...contracts].reverse(),
      invoices: [...invoices].reverse(),
    };
    expect(computeFigures(rev, options)).toEqual(computeFigures(tables, options));
  });
});

// ---------------------------------------------------------------------------------------------- company digest

/**
 * The company figures computed directly from the rows, as the report computed them before the digest
 * (every company in memory, looked up by id): the reference the digest must reproduce exactly.
 */
function rowFigures(rows: readonly FigureCompany[], customers: ReadonlySet<string>, ds: readonly FigureDeal[], cs: readonly FigureContract[]) {
  const byId = new Map(rows.map((c) => [c.company_id, c]));
  const n = rows.length;
  const inOrder = (keys: Iterable<string>, order: readonly string[]) => {
    const present = new Set(keys);
    return [...order.filter((k) => present.has(k)), ...[...present].filter((k) => !order.includes(k)).sort()];
  };
  const countBy = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const tiers = countBy(rows.map((c) => c.icp_tier));
  const sources = countBy(rows.map((c) => c.enrichment_source));
  const flags = [
    ['X12 EDI', 'uses_x12'],
    ['Clearinghouse', 'uses_clearinghouse'],
    ['FHIR', 'uses_fhir'],
    ['HL7 v2', 'uses_hl7'],
  ] as const;
  const dealTier = (d: FigureDeal) => byId.get(d.company_id)?.icp_tier ?? 'unknown';
  const band = (c: FigureContract) => byId.get(c.company_id)?.size_band ?? 'unknown';
  return {
    icpMix: inOrder(tiers.keys(), TIERS).map((key) => ({key, count: tiers.get(key)!, share: tiers.get(key)! / n})),
    techstackMix: flags.map(([technology, flag]) => {
      const fit = rows.filter((c) => c[flag] && c.icp_fit).length;
      const notFit = rows.filter((c) => c[flag] && !c.icp_fit).length;
      return {technology, icp_fit: fit, not_icp_fit: notFit, total: fit + notFit, share: n ? (fit + notFit) / n : 0};
    }),
    enrichmentSources: [...sources]
      .map(([key, count]) => ({key, count, share: count / n}))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)),
    winRateByIcpTier: inOrder(ds.map(dealTier), TIERS).map((key) => {
      const g = ds.filter((d) => dealTier(d) === key);
      const won = g.filter((d) => d.outcome === 'won').length;
      const lost = g.filter((d) => d.outcome === 'lost').length;
      return {key, won, lost, open: g.length - won - lost, win_rate: won + lost ? won / (won + lost) : null};
    }),
    arrBySizeBand: inOrder(cs.map(band), BANDS).map((size_band) => {
      const v = cs
        .filter((c) => band(c) === size_band)
        .map((c) => c.arr)
        .sort((a, b) => a - b);
      return {size_band, contracts: v.length, total_arr: v.reduce((a, x) => a + x, 0), median_arr: quantile(v, 0.5)};
    }),
    summary: {
      companies: n,
      icp_fit: rows.filter((c) => c.icp_fit).length,
      customers: rows.filter((c) => customers.has(c.company_id)).length,
      enrichment_fallbacks: rows.filter((c) => c.enrichment_source === 'rules_fallback').length,
    },
  };
}

function companyFigures(f: ReportFigures) {
  const {icpMix: i, techstackMix: t, enrichmentSources: e, winRateByIcpTier: w, arrBySizeBand: a, summary: s} = f;
  return {
    icpMix: i,
    techstackMix: t,
    enrichmentSources: e,
    winRateByIcpTier: w,
    arrBySizeBand: a,
    summary: {companies: s.companies, icp_fit: s.icp_fit, customers: s.customers, enrichment_fallbacks: s.enrichment_fallbacks},
  };
}

/** The companies with a deal or a contract: what the report stage keeps. */
const withDealOrContract = (ds: readonly FigureDeal[], cs: readonly FigureContract[]) =>
  new Set([...ds.map((d) => d.company_id), ...cs.map((c) => c.company_id)]);

describe('company digest', () => {
  // c7 has no deal: the digest need not keep it.
  const c7: FigureCompany = {...companies[2], company_id: 'c7', icp_tier: 'tier_3', size_band: '2-10', enrichment_source: 'openai'};
  const more = [...companies, c7];

  it('gives the figures of the rows', () => {
    const customers = new Set(unified.filter((u) => u.is_customer).map((u) => u.company_id));
    expect(companyFigures(computeFigures(tables, options))).toEqual(rowFigures(companies, customers, deals, contracts));
  });

  it('needs to keep only the companies with a deal: every contract is for a company with a deal', () => {
    const withDeal = new Set(deals.map((d) => d.company_id));
    expect(contracts.every((c) => withDeal.has(c.company_id))).toBe(true);
    const lean = digestOf(more, unified, withDeal);
    expect(lean.keptCount).toBe(6);
    expect([lean.tierOf('c7'), lean.sizeBandOf('c7'), lean.tierOf('c2'), lean.sizeBandOf('c2')]).toEqual([undefined, undefined, 'tier_1', '201-500']);
    const all = digestOf(more, unified);
    expect(all.keptCount).toBe(7);
    expect(computeFigures({...tables, companies: lean}, options)).toEqual(computeFigures({...tables, companies: all}, options));
    // c7 counts in the company figures all the same
    expect(icpMix(lean, TIERS).find((r) => r.key === 'tier_3')?.count).toBe(2);
    expect(enrichmentSources(lean).map((r) => [r.key, r.count])).toEqual([
      ['rules', 5],
      ['openai', 1],
      ['rules_fallback', 1],
    ]);
  });

  it('puts a deal or contract of a company it did not keep under unknown, as one missing from companies.csv', () => {
    const none = digestOf(companies, unified, new Set());
    expect(winRateByIcpTier(deals, none, TIERS)).toEqual([{key: 'unknown', won: 3, lost: 3, open: 3, win_rate: 0.5}]);
    expect(arrBySizeBand(contracts, none, BANDS)).toEqual([{size_band: 'unknown', contracts: 3, total_arr: 75600, median_arr: 12000}]);
    expect(companyFigures(computeFigures({...tables, companies: none}, options))).toEqual(
      rowFigures(
        companies,
        new Set(['c1', 'c2', 'c5']),
        deals.map((d) => ({...d, company_id: 'x'})),
        contracts.map((c) => ({...c, company_id: 'x'})),
      ),
    );
  });

  it('counts the customers it is told about (digestOf: each company with an is_customer row, once)', () => {
    const d = new CompanyDigest();
    d.add(companies[0], false, true);
    d.add(companies[1], true, false);
    d.add(companies[4], false, true);
    expect([d.companies, d.customers, d.icpFit, d.keptCount]).toEqual([3, 2, 2, 1]);
    // c1 has two is_customer rows in unified, c5 (a previous customer without a contract) one, c3 only false rows
    expect(tables.companies.customers).toBe(3);
  });

  it('has a state of plain data that survives structuredClone and JSON', () => {
    const s = tables.companies.state();
    expect(structuredClone(s)).toEqual(s);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(CompanyDigest.of(structuredClone(s)).state()).toEqual(s);
    // a copy: adding more does not change a state already taken
    const d = CompanyDigest.of(s);
    d.add(c7, true, true);
    expect(s.companies).toBe(6);
    expect(d.state().companies).toBe(7);
  });

  it('looks up a company kept twice by the labels given last, before or after the look-up is first made', () => {
    const [c1, c2] = companies;
    const moved = {...c1, icp_tier: 'tier_3', size_band: '2-10'};
    const other = new CompanyDigest();
    other.add(moved, true, false);
    for (const lookFirst of [false, true]) {
      const d = new CompanyDigest();
      d.add(c1, true, false);
      d.add(c2, true, false);
      if (lookFirst) expect(d.tierOf('c1')).toBe('tier_1');
      d.merge(structuredClone(other.state()));
      expect([d.tierOf('c1'), d.sizeBandOf('c1'), d.tierOf('c2'), d.keptCount]).toEqual(['tier_3', '2-10', 'tier_1', 2]);
      // and so does a digest of its state, in another thread
      const copy = CompanyDigest.of(structuredClone(d.state()));
      expect([copy.tierOf('c1'), copy.keptCount, copy.companies]).toEqual(['tier_3', 2, 3]);
      const seen = d.distinct();
      for (const id of ['c1', 'c2', 'c1', 'c9', 'c9', 'c2']) seen.add(id);
      expect(seen.size).toBe(3);
    }
  });

  it('rejects a state of another shape', () => {
    expect(() => new CompanyDigest().merge({...tables.companies.state(), tech_icp_fit: [1]})).toThrow(/not a CompanyDigestState/);
    const kept = tables.companies.state().kept;
    expect(() => new CompanyDigest().merge({...tables.companies.state(), kept: [{...kept[0], ids: kept[0].ids.slice(1)}]})).toThrow(
      /not a CompanyDigestState/,
    );
  });

  it('merged from parts in any order equals the digest of all the companies, and the rows (property)', () => {
    const companyArb = fc.record({...companyFields, customer: fc.boolean()});
    const dealArb = fc.record({
      company: fc.nat(),
      ghost: fc.boolean(),
      outcome: fc.constantFrom('won', 'lost', 'open'),
      arr: fc.integer({min: 0, max: 300_000}),
    });
    const arb = fc.record({
      rows: fc.array(companyArb, {maxLength: 40}),
      deals: fc.array(dealArb, {maxLength: 40}),
      cuts: fc.array(fc.nat(), {maxLength: 5}),
      order: fc.array(fc.nat(), {minLength: 6, maxLength: 6}),
    });
    fc.assert(
      fc.property(arb, ({rows, deals: ds, cuts, order}) => {
        const cs: FigureCompany[] = rows.map((r, i) => ({...r, company_id: `c${i}`}));
        const customers = new Set(cs.filter((_, i) => rows[i].customer).map((c) => c.company_id));
        const fd: FigureDeal[] = ds.map((d, i) => ({
          ...deals[0],
          deal_id: `d${i}`,
          company_id: d.ghost || cs.length === 0 ? 'ghost' : `c${d.company % cs.length}`,
          outcome: d.outcome,
          amount_arr: d.arr,
          stage: d.outcome === 'won' ? 'closed_won' : d.outcome === 'lost' ? 'closed_lost' : 'discovery',
          lost_at_stage: d.outcome === 'lost' ? 'discovery' : '',
        }));
        const fk: FigureContract[] = fd
          .filter((d) => d.outcome === 'won')
          .map((d, i) => ({billing_id: `b${i}`, deal_id: d.deal_id, company_id: d.company_id, arr: d.amount_arr, contract_status: 'active'}));
        const keep = withDealOrContract(fd, fk);
        const all = new CompanyDigest();
        for (const c of cs) all.add(c, keep.has(c.company_id), customers.has(c.company_id));
        // parts: contiguous slices at the cut points, digested apart, posted (cloned) and merged in a shuffled order
        const bounds = [0, ...cuts.map((x) => x % (cs.length + 1)).sort((a, b) => a - b), cs.length];
        const states: CompanyDigestState[] = [];
        for (let p = 0; p + 1 < bounds.length; p++) {
          const part = new CompanyDigest();
          for (const c of cs.slice(bounds[p], bounds[p + 1])) part.add(c, keep.has(c.company_id), customers.has(c.company_id));
          states.push(structuredClone(part.state()));
        }
        const shuffled = states
          .map((s, i) => ({s, k: order[i % order.length] * 31 + i}))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.s);
        const merged = CompanyDigest.of(...shuffled);
        const t: FigureTables = {companies: all, deals: fd, contracts: fk, invoices: []};
        const whole = computeFigures(t, options);
        expect(computeFigures({...t, companies: merged}, options)).toEqual(whole);
        expect(merged.keptCount).toBe(all.keptCount);
        expect(companyFigures(whole)).toEqual(rowFigures(cs, customers, fd, fk));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------- a company at a time

describe('figures fed a company at a time', () => {
  it('merged from parts in any order equal the figures of the tables fed row by row (property)', () => {
    const companyArb = fc.record(companyFields);
    // Amounts with cents, open deals weighted by stage probabilities, contracts of several terms, invoices over
    // 1, 3 or 12 months: sums that a double does not add up exactly in every order.
    const dealArb = fc.record({
      company: fc.nat(),
      outcome: fc.constantFrom('won', 'lost', 'open'),
      dollars: fc.integer({min: 0, max: 300_000}),
      cents: fc.integer({min: 0, max: 99}),
      probability: fc.constantFrom(0.1, 0.25, 0.6, 0.9),
      month: fc.integer({min: 0, max: 30}),
      days: fc.integer({min: 1, max: 300}),
      segment: fc.constantFrom(...SEGMENTS, 'other'),
      source: fc.constantFrom('referral', 'partner', 'outbound', ''),
      terms: fc.constantFrom('active', 'renewed,active', 'renewed,churned', 'scheduled'),
      period: fc.constantFrom(1, 3, 12),
      invoices: fc.integer({min: 0, max: 3}),
    });
    const arb = fc.record({
      rows: fc.array(companyArb, {minLength: 1, maxLength: 30}),
      deals: fc.array(dealArb, {maxLength: 50}),
      cuts: fc.array(fc.nat(), {maxLength: 5}),
      order: fc.array(fc.nat(), {minLength: 6, maxLength: 6}),
    });
    const date = (month: number, day = 1) =>
      `20${24 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    fc.assert(
      fc.property(arb, ({rows, deals: ds, cuts, order}) => {
        const cs: FigureCompany[] = rows.map((r, i) => ({...r, company_id: `c${i}`}));
        const made = cs.map(() => ({deals: [] as FigureDeal[], contracts: [] as FigureContract[], invoices: [] as FigureInvoice[]}));
        ds.forEach((d, i) => {
          const c = d.company % cs.length;
          const amount = d.dollars + d.cents / 100;
          const deal: FigureDeal = {
            ...deals[0],
            deal_id: `d${i}`,
            company_id: cs[c].company_id,
            outcome: d.outcome,
            segment: d.segment,
            lead_source: d.source,
            created_date: date(d.month),
            close_date: d.outcome === 'open' ? '' : date(d.month + 1, 15),
            amount_arr: amount,
            closed_arr: d.outcome === 'won' ? Math.round(amount * 90) / 100 : null,
            probability: d.probability,
            sales_cycle_days: d.days,
            stage: d.outcome === 'won' ? 'closed_won' : d.outcome === 'lost' ? 'closed_lost' : 'proposal',
            lost_at_stage: d.outcome === 'lost' ? 'discovery' : '',
            loss_reason: d.outcome === 'lost' ? 'budget' : '',
          };
          made[c].deals.push(deal);
          if (d.outcome !== 'won') return;
          d.terms.split(',').forEach((status, t) =>
            made[c].contracts.push({
              billing_id: `b${i}-${t}`,
              deal_id: deal.deal_id,
              company_id: deal.company_id,
              arr: amount + t * 100.5,
              contract_status: status,
              term_number: t + 1,
            }),
          );
          for (let k = 0; k < d.invoices; k++)
            made[c].invoices.push({period_start: date(d.month + 1 + k * d.period), period_months: d.period, amount: (amount / 12) * d.period});
        });
        const customers = new Set(cs.filter((_, i) => made[i].contracts.length > 0).map((c) => c.company_id));
        const digest = new CompanyDigest();
        for (const [i, c] of cs.entries()) digest.add(c, made[i].deals.length > 0, customers.has(c.company_id));
        // The tables read row by row, each in the order the rows were made (the companies interleaved).
        const whole = new FigureBuilder(digest, options);
        for (const d of made.flatMap((m) => m.deals).sort((a, b) => Number(a.deal_id.slice(1)) - Number(b.deal_id.slice(1)))) whole.addDeal(d);
        for (const c of [...made.flatMap((m) => m.contracts)].sort((a, b) => (a.billing_id < b.billing_id ? -1 : 1))) whole.addContract(c);
        for (const inv of made.flatMap((m) => m.invoices).reverse()) whole.addInvoice(inv);
        // Contiguous parts of the companies fed a company at a time, posted (cloned) and merged in a shuffled order.
        const bounds = [0, ...cuts.map((x) => x % (cs.length + 1)).sort((a, b) => a - b), cs.length];
        const states: FigureState[] = [];
        for (let p = 0; p + 1 < bounds.length; p++) {
          const part = new FigureBuilder(new CompanyDigest(), options, new CurrentCompany());
          for (let i = bounds[p]; i < bounds[p + 1]; i++) part.addCompany(cs[i], made[i].deals, made[i].contracts, made[i].invoices);
          states.push(structuredClone(part.state()));
        }
        const merged = new FigureBuilder(digest, options);
        for (const k of states.map((_, i) => i).sort((a, b) => order[a % order.length] - order[b % order.length] || a - b)) merged.merge(states[k]);
        expect(merged.figures(AS_OF)).toEqual(whole.figures(AS_OF));
        expect([merged.deals, merged.contracts, merged.invoices]).toEqual([ds.length, whole.contracts, whole.invoices]);
      }),
      {numRuns: 300},
    );
  });

  it('needs a CurrentCompany to be fed a company at a time', () => {
    expect(() => new FigureBuilder(digest, options).addCompany(companies[0], [], [], [])).toThrow(/CompanyDigest/);
  });
});
