import {mkdirSync, readFileSync, writeFileSync, cpSync} from 'node:fs';
import {join} from 'node:path';
import {parseIsoDay} from '../src/core/calendar.js';
import {dealId, opportunityPropensity, simulateCompany, simulateDeals, type DealModel} from '../src/core/deals.js';
import {DEAL_STAGES, LOSS_REASONS} from '../src/core/vocabulary.js';
import Deals from '../src/commands/deals.js';
import type {Company} from '../src/schemas/companies.js';
import type {Deal} from '../src/schemas/deals.js';
import {checkTargets, medianFigure, shareFigure, targetWarnings} from '../src/core/targets.js';
import {DealModelSchema} from '../src/schemas/deal-model.js';
import {dealCodec, leadCodec} from '../src/stages/deals.js';
import {companyCodec} from '../src/stages/enrich.js';
import {runCli, tempDir} from './helpers/cli.js';
import {CONFIG_DIR, makeCompany, shippedConfig, shippedModel} from './helpers/simulation.js';

const cfg = shippedConfig();
const model = shippedModel('2030-12-31');
const AS_OF = parseIsoDay(cfg.simulation.as_of)!;
const FAR = parseIsoDay('2030-12-31')!; // every deal has closed by then
const day = (iso: string) => parseIsoDay(iso)!;

function population(n: number, over: Partial<Company> = {}, prefix = 'p'): Company[] {
  return Array.from({length: n}, (_, i) => makeCompany({company_key: `domain:${prefix}${i}.com`, ...over}));
}

function dealsOf(companies: readonly Company[], asOf = AS_OF, seed = 42, m: DealModel = model): Deal[] {
  return companies.flatMap((c) => simulateDeals(c, m, seed, asOf));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const wonCycles = (ds: Deal[]) => ds.filter((d) => d.outcome === 'won').map((d) => d.sales_cycle_days!);

describe('company kind, competitors and tech-stack evidence', () => {
  const rate = (cs: Company[]) => cs.filter((c) => simulateDeals(c, model, 42, FAR).length > 0).length / cs.length;
  const winRate = (cs: Company[]) => {
    const closed = dealsOf(cs, FAR).filter((d) => d.outcome !== 'open');
    return closed.filter((d) => d.outcome === 'won').length / closed.length;
  };
  const base = {size_band: '51-200', icp_tier: 'tier_2', icp_fit: true} as const;

  it('a competitor never gets a deal, whatever else it is', () => {
    const competitors = population(
      600,
      {...base, icp_tier: 'tier_1', company_kind: 'edi_vendor', is_competitor: true, uses_x12: true, techstack_basis: 'stated'},
      'c',
    );
    expect(dealsOf(competitors, FAR)).toEqual([]);
    expect(rate(population(600, {...base, company_kind: 'health_it'}, 'h'))).toBeGreaterThan(0.1);
  });

  it('stated X12 / clearinghouse evidence reaches an opportunity and wins clearly more often than inferred, and inferred a little more than none', () => {
    const stated = population(4000, {...base, uses_x12: true, uses_clearinghouse: true, techstack_basis: 'stated'}, 's');
    const inferred = population(4000, {...base, uses_x12: true, uses_clearinghouse: true, techstack_basis: 'inferred'}, 'i');
    const none = population(4000, {...base}, 'n');
    const [rs, ri, rn] = [rate(stated), rate(inferred), rate(none)];
    expect(rs).toBeGreaterThan(ri * 1.3);
    expect(ri).toBeGreaterThan(rn);
    expect(ri).toBeLessThan(rn * 1.25);
    expect(winRate(stated)).toBeGreaterThan(winRate(none) * 1.1);
  });

  it('weighs the company kind as configured: billing firms open deals more often than non-healthcare companies', () => {
    expect(rate(population(3000, {...base, company_kind: 'rcm_billing'}, 'r'))).toBeGreaterThan(
      rate(population(3000, {...base, company_kind: 'non_healthcare'}, 'x')) * 1.5,
    );
  });
});

describe('simulateCompany', () => {
  const c = makeCompany({company_key: 'domain:acme-rcm.com', icp_tier: 'tier_1', icp_fit: true, uses_x12: true, size_band: '51-200'});

  it('depends only on the company, the model, the seed and the as-of date', () => {
    expect(simulateCompany(c, model, 42, AS_OF)).toEqual(simulateCompany({...c}, shippedModel('2030-12-31'), 42, AS_OF));
    const bySeed = new Set(Array.from({length: 20}, (_, s) => JSON.stringify(simulateCompany(c, model, s, AS_OF))));
    expect(bySeed.size).toBeGreaterThan(5);
  });

  it('gives a lead to every company: a source, a campaign of that source, a first touch in the window', () => {
    for (const co of population(200)) {
      const {lead} = simulateCompany(co, model, 7, AS_OF);
      expect(lead.company_id).toBe(co.company_id);
      expect(lead.lead_source).not.toBe('');
      expect(cfg.lead_sources[lead.lead_source as keyof typeof cfg.lead_sources].campaigns).toContain(lead.campaign);
      expect(lead.first_touch_date >= cfg.simulation.window_start && lead.first_touch_date <= cfg.simulation.window_end).toBe(true);
      expect(model.calendar.isBusinessDay(day(lead.first_touch_date))).toBe(true);
      expect(cfg.reps.filter((r) => r.segment === lead.segment).map((r) => r.name)).toContain(lead.owner);
    }
  });

  it('hides the lead and every deal of a company first touched after the as-of date', () => {
    const early = parseIsoDay('2023-10-15')!;
    const hidden = population(300)
      .map((co) => simulateCompany(co, model, 3, early))
      .filter((s) => s.lead.first_touch_date === '');
    expect(hidden.length).toBeGreaterThan(200);
    for (const s of hidden) {
      expect(s.lead.lead_source).toBe('');
      expect(s.deals).toEqual([]);
    }
  });

  it('owner is a rep of the segment; a company first touched before the team grew keeps it whatever the seed', () => {
    const team = cfg.reps.filter((r) => r.segment === 'mid_market');
    const firstHires = team.filter((r) => r.hire_date <= cfg.simulation.window_start).map((r) => r.name);
    const leads = Array.from({length: 30}, (_, s) => simulateCompany(c, model, s, AS_OF).lead);
    for (const l of leads) expect(team.map((r) => r.name)).toContain(l.owner);
    const early = leads.filter((l) => team.every((r) => r.hire_date <= cfg.simulation.window_start || l.first_touch_date < r.hire_date));
    expect(early.length).toBeGreaterThan(3);
    expect(new Set(early.map((l) => l.owner)).size).toBe(1);
    expect(firstHires).toContain(early[0].owner);
  });
});

describe('who gets an opportunity', () => {
  // One lead source for all, so these compare the model terms one at a time.
  const propensity = (over: Partial<Company>) =>
    opportunityPropensity(makeCompany({company_key: 'domain:same.com', ...over}), model, model.leadSources.indexOf('content'));

  it('rises with ICP tier, X12 / clearinghouse, FHIR / HL7, size and previous-customer status', () => {
    const tiers = (['tier_1', 'tier_2', 'tier_3', 'not_icp', 'excluded'] as const).map((icp_tier) => propensity({icp_tier}));
    for (let i = 1; i < tiers.length; i++) expect(tiers[i]).toBeLessThan(tiers[i - 1]);
    expect(propensity({uses_x12: true})).toBeGreaterThan(propensity({uses_fhir: true}));
    expect(propensity({uses_clearinghouse: true})).toBeGreaterThan(propensity({}));
    expect(propensity({uses_hl7: true})).toBeGreaterThan(propensity({}));
    expect(propensity({is_previous_customer: true})).toBeGreaterThan(propensity({uses_x12: true}));
    expect(propensity({size_band: '1'})).toBeLessThan(propensity({size_band: '201-500'}));
  });

  it('ICP companies open deals clearly more often than the rest', () => {
    const rate = (cs: Company[]) => cs.filter((co) => simulateCompany(co, model, 42, AS_OF).deals.length > 0).length / cs.length;
    const icp = rate(population(1500, {icp_tier: 'tier_1', icp_fit: true, uses_x12: true}, 'icp'));
    const other = rate(population(1500, {icp_tier: 'not_icp'}, 'other'));
    expect(icp).toBeGreaterThan(2 * other);
  });

  it('previous customers get expansion deals; later deals link to the one before', () => {
    const ds = dealsOf(population(600, {is_previous_customer: true, icp_tier: 'tier_1'}, 'prev'), FAR);
    expect(ds.length).toBeGreaterThan(300);
    expect(ds.every((d) => d.deal_type === 'expansion')).toBe(true);
    const byId = new Map(ds.map((d) => [d.deal_id, d]));
    const followers = ds.filter((d) => d.deal_number > 1);
    expect(followers.length).toBeGreaterThan(10);
    for (const d of followers) {
      const prev = byId.get(d.previous_deal_id)!;
      expect(prev.company_id).toBe(d.company_id);
      expect(prev.deal_number).toBe(d.deal_number - 1);
      expect(d.created_date > prev.close_date).toBe(true);
    }
  });

  it('lost deals come back as new business, and a win leads to expansion deals', () => {
    const cs = population(3000, {icp_tier: 'tier_1', uses_x12: true, size_band: '201-500'}, 'repeat');
    const ds = dealsOf(cs, FAR);
    const byId = new Map(ds.map((d) => [d.deal_id, d]));
    const recycled = ds.filter((d) => d.previous_deal_id && byId.get(d.previous_deal_id)!.outcome === 'lost');
    const expanded = ds.filter((d) => d.previous_deal_id && byId.get(d.previous_deal_id)!.outcome === 'won');
    expect(recycled.length).toBeGreaterThan(20);
    expect(expanded.length).toBeGreaterThan(20);
    // A reopened deal is new business unless the company has won a deal before (then it is an expansion).
    const wonBefore = (d: Deal) => ds.some((x) => x.company_id === d.company_id && x.deal_number < d.deal_number && x.outcome === 'won');
    expect(recycled.filter((d) => d.campaign !== cfg.repeat_deals.recycle_campaign)).toEqual([]);
    expect(recycled.filter((d) => d.deal_type !== (wonBefore(d) ? 'expansion' : 'new_business'))).toEqual([]);
    expect(recycled.filter((d) => d.deal_type === 'new_business').length).toBeGreaterThan(20);
    expect(expanded.every((d) => d.deal_type === 'expansion')).toBe(true);
    // IDs are stable: from the company key and the deal's number.
    const keyOf = new Map(cs.map((co) => [co.company_id, co.company_key]));
    for (const d of ds) expect(d.deal_id).toBe(dealId(keyOf.get(d.company_id)!, d.deal_number));
  });
});

describe('how a deal moves', () => {
  it('small companies close in weeks, mid-market in months, enterprises in many months', () => {
    const cyc = (size_band: Company['size_band'], prefix: string) =>
      median(wonCycles(dealsOf(population(2500, {size_band, icp_tier: 'tier_1', icp_fit: true}, prefix), FAR)));
    const smb = cyc('11-50', 's');
    const mm = cyc('201-500', 'm');
    const ent = cyc('10001+', 'e');
    expect(smb).toBeLessThan(50);
    expect(mm).toBeGreaterThan(55);
    expect(mm).toBeLessThan(110);
    expect(ent).toBeGreaterThan(150);
  });

  it('previous customers move faster; stated X12 integrations spend longer in technical evaluation, inferred ones do not', () => {
    const base = {size_band: '51-200', icp_tier: 'tier_1'} as const;
    const fresh = median(wonCycles(dealsOf(population(2500, base, 'f'), FAR)));
    const known = median(wonCycles(dealsOf(population(2500, {...base, is_previous_customer: true}, 'k'), FAR)));
    expect(known).toBeLessThan(fresh * 0.8);
    const techDays = (ds: Deal[]) =>
      median(ds.filter((d) => d.security_review_date).map((d) => day(d.security_review_date) - day(d.technical_evaluation_date)));
    const plain = techDays(dealsOf(population(2500, base, 'n'), FAR));
    const x12 = techDays(dealsOf(population(2500, {...base, uses_x12: true, techstack_basis: 'stated'}, 'x'), FAR));
    expect(x12).toBeGreaterThan(plain * 1.25);
    const inferred = techDays(dealsOf(population(2500, {...base, uses_x12: true, techstack_basis: 'inferred'}, 'i'), FAR));
    expect(inferred).toBeLessThan(plain * 1.15);
  });

  it('records an entry date per stage reached, in order, on business days', () => {
    const ds = dealsOf(population(1500, {icp_tier: 'tier_2', size_band: '201-500'}, 'o'));
    expect(ds.length).toBeGreaterThan(200);
    for (const d of ds) {
      const dates = [d.discovery_date, d.technical_evaluation_date, d.security_review_date, d.proposal_date, d.negotiation_date];
      const reached = dates.filter(Boolean);
      expect(dates.slice(0, reached.length)).toEqual(reached); // no gaps
      for (const x of reached) expect(model.calendar.isBusinessDay(day(x))).toBe(true);
      expect([...reached].sort()).toEqual(reached);
      expect(d.created_date).toBe(d.discovery_date);
      if (d.outcome === 'won') {
        expect(reached.length).toBe(DEAL_STAGES.length);
        expect(d.stage).toBe('closed_won');
      }
      if (d.outcome === 'lost') expect(d.lost_at_stage).toBe(DEAL_STAGES[reached.length - 1]);
      if (d.outcome === 'open') expect(d.stage).toBe(DEAL_STAGES[reached.length - 1]);
    }
  });

  it("deals not closed by the as-of date are open, with an expected close date (mostly after it) and the stage's probability", () => {
    const ds = dealsOf(population(1500, {icp_tier: 'tier_1', size_band: '1001-5000'}, 'open'));
    const open = ds.filter((d) => d.outcome === 'open');
    expect(open.length).toBeGreaterThan(50);
    // A rep pushes an overdue date on the next business day: only a date over the weekend before can be past.
    expect(open.filter((d) => AS_OF - day(d.expected_close_date) > 4)).toEqual([]);
    expect(open.filter((d) => d.expected_close_date > cfg.simulation.as_of).length).toBeGreaterThan(open.length * 0.9);
    for (const d of open) {
      expect(d.close_date).toBe('');
      expect(model.calendar.isBusinessDay(day(d.expected_close_date))).toBe(true);
      expect(d.probability).toBe(cfg.stages[d.stage as (typeof DEAL_STAGES)[number]].forecast_probability);
      expect(d.sales_cycle_days).toBeNull();
      expect(d.age_days).toBe(AS_OF - day(d.created_date));
      expect(d.loss_reason).toBe('');
      expect(d.closed_arr).toBeNull();
    }
    for (const d of ds.filter((x) => x.outcome !== 'open')) {
      expect(d.probability).toBe(d.outcome === 'won' ? 1 : 0);
      expect(d.expected_close_date).toBe(d.close_date);
      expect(d.sales_cycle_days).toBe(day(d.close_date) - day(d.created_date));
      expect(d.age_days).toBeNull();
    }
  });

  it('an earlier as-of date shows an earlier snapshot of the same history', () => {
    const cs = population(800, {icp_tier: 'tier_1', size_band: '51-200'}, 'snap');
    const early = parseIsoDay('2025-03-31')!;
    const TRACKED = ['stage', 'amount_arr', 'expected_close_date', 'forecast_category', 'probability', 'age_days'] as const;
    for (const co of cs) {
      const then = simulateDeals(co, model, 9, early);
      const now = simulateDeals(co, model, 9, AS_OF);
      expect(now.length).toBeGreaterThanOrEqual(then.length);
      then.forEach((d, i) => {
        const later = now[i];
        expect(later.deal_id).toBe(d.deal_id);
        expect(later.created_date).toBe(d.created_date);
        if (d.outcome !== 'open') expect({...later, as_of_date: ''}).toEqual({...d, as_of_date: ''});
        // The fields a CRM tracks may have moved since; the rest is the same deal.
        else
          expect({
            ...later,
            ...Object.fromEntries(TRACKED.map((k) => [k, null])),
            outcome: 'open',
            close_date: '',
            loss_reason: '',
            lost_at_stage: '',
            discount_pct: null,
            closed_arr: null,
            sales_cycle_days: null,
            as_of_date: '',
            technical_evaluation_date: '',
            security_review_date: '',
            proposal_date: '',
            negotiation_date: '',
          }).toEqual({
            ...d,
            ...Object.fromEntries(TRACKED.map((k) => [k, null])),
            as_of_date: '',
            technical_evaluation_date: '',
            security_review_date: '',
            proposal_date: '',
            negotiation_date: '',
          });
        if (d.outcome === 'open')
          for (const k of ['technical_evaluation_date', 'security_review_date', 'proposal_date', 'negotiation_date'] as const) {
            if (d[k]) expect(later[k]).toBe(d[k]);
          }
      });
    }
  });

  it('lost deals carry a reason and a stage; no decision is the most common reason', () => {
    const ds = dealsOf(population(3000, {}, 'loss'), FAR);
    const lost = ds.filter((d) => d.outcome === 'lost');
    expect(lost.length).toBeGreaterThan(200);
    const counts = Object.fromEntries(LOSS_REASONS.map((r) => [r, 0])) as Record<string, number>;
    for (const d of lost) {
      expect(LOSS_REASONS).toContain(d.loss_reason);
      expect(DEAL_STAGES).toContain(d.lost_at_stage);
      counts[d.loss_reason]++;
    }
    for (const r of LOSS_REASONS.slice(1)) expect(counts.no_decision).toBeGreaterThan(counts[r]);
    for (const d of ds.filter((x) => x.outcome !== 'lost')) expect([d.loss_reason, d.lost_at_stage]).toEqual(['', '']);
  });

  it('closes bunch toward quarter ends', () => {
    const ds = dealsOf(population(3000, {icp_tier: 'tier_2', size_band: '51-200'}, 'q'), FAR).filter((d) => d.outcome !== 'open');
    const cal = model.calendar;
    const lastTwoWeeks = ds.filter((d) => cal.quarterEnd(day(d.close_date)) - day(d.close_date) < 15).length / ds.length;
    expect(lastTwoWeeks).toBeGreaterThan(0.22); // about 0.165 if closes were spread evenly over a quarter
  });
});

describe('amounts', () => {
  it('ARR grows with size and fit, is right-skewed, and bigger won deals get bigger discounts', () => {
    const arr = (over: Partial<Company>, prefix: string) => dealsOf(population(2000, over, prefix), FAR).map((d) => d.amount_arr);
    const small = arr({size_band: '2-10'}, 'a1');
    const mid = arr({size_band: '201-500'}, 'a2');
    const big = arr({size_band: '10001+'}, 'a3');
    expect(median(mid)).toBeGreaterThan(3 * median(small));
    expect(median(big)).toBeGreaterThan(2 * median(mid));
    expect(median(arr({size_band: '201-500', icp_tier: 'tier_1'}, 'a4'))).toBeGreaterThan(
      median(arr({size_band: '201-500', icp_tier: 'not_icp'}, 'a5')),
    );
    const mean = mid.reduce((a, b) => a + b, 0) / mid.length;
    expect(mean).toBeGreaterThan(median(mid) * 1.15);
    expect([...small, ...mid, ...big].filter((x) => x % cfg.amount.round_to !== 0)).toEqual([]);

    const won = dealsOf(population(4000, {icp_tier: 'tier_1'}, 'disc'), FAR).filter((d) => d.outcome === 'won');
    const sized = dealsOf(population(3000, {icp_tier: 'tier_1', size_band: '1001-5000'}, 'disc2'), FAR).filter((d) => d.outcome === 'won');
    expect([...won, ...sized].filter((d) => !(d.closed_arr! <= d.amount_arr && d.discount_pct! >= 0))).toEqual([]);
    const meanDiscount = (ds: Deal[]) => ds.reduce((a, d) => a + d.discount_pct!, 0) / ds.length;
    expect(meanDiscount(sized)).toBeGreaterThan(meanDiscount(won) + 0.03);
  });
});

describe('calibration checks', () => {
  it('judge a figure by its range, its sampling noise and its sample size', () => {
    const targets = {...cfg.targets, min_sample: 10, win_rate: [0.15, 0.3] as [number, number], median_won_arr: [15000, 45000] as [number, number]};
    const small = shareFigure(4, 12); // 33%, but 12 deals cannot tell
    expect(small.interval![0]).toBeLessThan(0.3);
    const big = shareFigure(400, 1200); // 33% on 1,200 deals: clearly too high
    expect(big.interval![0]).toBeGreaterThan(0.3);
    const status = (f: ReturnType<typeof shareFigure>) => checkTargets({win_rate: f}, targets)[0].status;
    expect(status(shareFigure(25, 100))).toBe('ok');
    expect(status(small)).toBe('within_noise');
    expect(status(big)).toBe('outside');
    expect(status(shareFigure(1, 5))).toBe('too_few');
    expect(status(shareFigure(0, 0))).toBe('no_data');
    const med = medianFigure([1000, 2000, 3000, 9000, 12000, 14000, 16000, 30000, 60000, 90000, 120000]);
    expect(med.value).toBe(14000);
    expect(med.interval![0]).toBeLessThanOrEqual(14000);
    expect(med.interval![1]).toBeGreaterThanOrEqual(14000);
    const checks = checkTargets({win_rate: big, median_won_arr: med}, targets);
    expect(checks.map((c) => c.status)).toEqual(['outside', 'within_noise']);
    expect(targetWarnings(checks)).toEqual([expect.stringContaining('win_rate = 0.333 is outside the target range [0.150, 0.300]')]);
  });
});

describe('deal_model.yml schema', () => {
  const issues = (mutate: (c: Record<string, any>) => void) => {
    const c = structuredClone(cfg) as Record<string, any>;
    mutate(c);
    const r = DealModelSchema.safeParse(c);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the shipped config and rejects inconsistent ones with the key path', () => {
    expect(issues(() => {})).toEqual([]);
    expect(issues((c) => (c.simulation.surprise = 1)).join()).toContain('simulation');
    expect(issues((c) => (c.simulation.as_of = '2023-01-01'))).toEqual(['simulation.as_of: as_of must not be before window_start']);
    expect(issues((c) => (c.simulation.window_end = '2024-02-30')).join()).toContain('simulation.window_end: expected a real calendar date');
    // A date that is not one is that problem alone: no second message about the order of the dates.
    expect(issues((c) => (c.simulation.as_of = '2026-13-45'))).toEqual(['simulation.as_of: expected a real calendar date YYYY-MM-DD']);
    expect(issues((c) => (c.simulation.window_start = '2024-02-30'))).toEqual(['simulation.window_start: expected a real calendar date YYYY-MM-DD']);
    expect(issues((c) => (c.reps = c.reps.filter((r: {segment: string}) => r.segment !== 'enterprise'))).join()).toContain(
      'no enterprise rep is hired by simulation.window_start',
    );
    expect(issues((c) => (c.reps[1].name = c.reps[0].name)).join()).toContain('is listed twice');
    expect(issues((c) => (c.billing.payment_terms.monthly = {net_90: 1})).join()).toContain('billing.payment_term_days');
    expect(issues((c) => (c.billing.plans[2].min_arr = 1)).join()).toContain('billing.plans: plans must be in increasing min_arr');
    expect(issues((c) => (c.billing.term_months.monthly = {'121': 1})).join()).toContain('billing.term_months.monthly');
    expect(issues((c) => (c.stages.proposal.loss_reasons = Object.fromEntries(LOSS_REASONS.map((r) => [r, 0])))).join()).toContain(
      'stages.proposal.loss_reasons',
    );
    // Lead sources are open: one may go or come, but a name is a lead_source value and a campaign has one source.
    expect(issues((c) => delete c.lead_sources.referral)).toEqual([]);
    expect(issues((c) => (c.lead_sources['Trade shows'] = c.lead_sources.events)).join()).toContain(
      'lead_sources.Trade shows: "Trade shows": a lead source name is lower-case letters, digits and _',
    );
    expect(issues((c) => (c.lead_sources = {}))).toEqual(['lead_sources: at least one lead source is needed']);
    expect(issues((c) => c.lead_sources.direct.campaigns.push('HLTH 2024'))).toEqual([
      'lead_sources.direct.campaigns.2: campaign "HLTH 2024" is also listed under lead_sources.events: a campaign belongs to one lead source',
    ]);
    expect(issues((c) => (c.repeat_deals.recycle_campaign = 'Customer referral'))).toEqual([
      'repeat_deals.recycle_campaign: "Customer referral" is a campaign of lead_sources.referral: the campaign of later deals must be a name of its own',
    ]);
    expect(issues((c) => delete c.lead_sources.direct.win_logit).join()).toContain('lead_sources.direct.win_logit');
    expect(issues((c) => (c.targets.win_rate = [0.3, 0.1])).join()).toContain('targets.win_rate');
  });
});

describe('stedi-gtm deals', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  function writeCompanies(cs: Company[]) {
    mkdirSync(join(t.dir, 'raw'), {recursive: true});
    const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    writeFileSync(
      join(t.dir, 'raw', 'companies.csv'),
      [companyCodec.columns, ...cs.map((c) => companyCodec.encode(c))].map((r) => r.map(q).join(',')).join('\n') + '\n',
    );
  }

  it('fails with exit 2 and says to run enrich when companies.csv is missing', async () => {
    const r = await runCli(Deals, ['--data-dir', t.dir, '--config-dir', CONFIG_DIR]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/companies\.csv not found: run `stedi-gtm enrich --data-dir \S+` first/);
  });

  it.each([
    ['2025-02-30', 'not a valid date'],
    ['2025/08/31', 'not a valid date'],
    ['tomorrow', 'not a valid date'],
    ['2023-01-01', 'before the simulation window'],
  ])('rejects --as-of %s with exit 2', async (value, message) => {
    writeCompanies(population(3));
    const r = await runCli(Deals, ['--data-dir', t.dir, '--config-dir', CONFIG_DIR, '--as-of', value]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("an invalid --as-of gets the config's own as-of date as its example (not a date written in the code)", async () => {
    writeCompanies(population(3));
    const cfgDir = join(t.dir, 'cfg-as-of');
    cpSync(CONFIG_DIR, cfgDir, {recursive: true});
    const file = join(cfgDir, 'deal_model.yml');
    const asOf = shippedConfig().simulation.as_of;
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`as_of: "${asOf}"`);
    writeFileSync(file, text.replace(`as_of: "${asOf}"`, 'as_of: "2027-03-31"'));
    const r = await runCli(Deals, ['--data-dir', t.dir, '--config-dir', cfgDir, '--as-of', 'tomorrow']);
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('expected a real calendar date as YYYY-MM-DD, e.g. 2027-03-31 (the default')]);
  });

  it('names the file, key and line of a bad deal_model.yml, exit 2', async () => {
    writeCompanies(population(3));
    const cfgDir = join(t.dir, 'cfg');
    cpSync(CONFIG_DIR, cfgDir, {recursive: true});
    const file = join(cfgDir, 'deal_model.yml');
    const text = readFileSync(file, 'utf8').replace(/advance_probability: [\d.]+/, 'advance_probability: 1.5');
    writeFileSync(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('advance_probability: 1.5')) + 1;
    const r = await runCli(Deals, ['--data-dir', t.dir, '--config-dir', cfgDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}: stages.discovery.advance_probability (line ${line})`);
  });

  it('writes deals.csv and leads.csv and returns the summary under --json', async () => {
    const cs = population(400, {icp_tier: 'tier_1', icp_fit: true, uses_x12: true}, 'cmd');
    writeCompanies(cs);
    const r = await runCli(Deals, ['--data-dir', t.dir, '--config-dir', CONFIG_DIR, '--json', '--as-of', '2025-06-30']);
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.as_of).toBe('2025-06-30');
    expect(s.companies).toBe(400);
    expect(s.won + s.lost + s.open).toBe(s.deals);
    expect(s.checks.length).toBeGreaterThan(5);
    const deals = readFileSync(join(t.dir, 'raw', 'deals.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(deals[0]).toBe(dealCodec.columns.join(','));
    expect(deals.length - 1).toBe(s.deals);
    const leads = readFileSync(join(t.dir, 'raw', 'leads.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(leads[0]).toBe(leadCodec.columns.join(','));
    expect(leads.length - 1).toBe(400);
    expect(deals.slice(1).every((l) => l.endsWith(',2025-06-30'))).toBe(true);
  });

  it('prints a readable summary, and warns when a figure is clearly outside its target range', async () => {
    // Only tiny sole traders that never buy: far below the opportunity-rate target.
    writeCompanies(population(400, {size_band: '1', icp_tier: 'excluded'}, 'tiny'));
    const r = await runCli(Deals, ['--data-dir', t.dir, '--config-dir', CONFIG_DIR]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('opportunity rate');
    expect(r.stdout).toContain('median cycle');
    expect(r.stdout).toContain('loss reasons');
    expect(r.stderr).toMatch(/warning: opportunity_rate = [\d.]+ is outside the target range/);
  });
});
