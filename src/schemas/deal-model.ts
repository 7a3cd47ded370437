import {z} from './zod.js';
import {parseIsoDay} from '../core/calendar.js';
import {ALL_SIZE_BANDS} from '../core/size-bands.js';
import {SEGMENT_TARGETS} from '../core/targets.js';
import {COMPANY_KINDS, DEAL_STAGES, ICP_TIERS, LOSS_REASONS, OPEN_FORECAST_CATEGORIES, VOCABULARY_NAME, WEEKDAYS} from '../core/vocabulary.js';

/** Builds a strict object with one entry per value of a vocabulary, all of the same type. */
function keyed<const K extends readonly string[], T extends z.ZodType>(keys: K, value: T) {
  return z.strictObject(Object.fromEntries(keys.map((k) => [k, value])) as {[P in K[number]]: T});
}

/** Whether day `a` is not after day `b` (YYYY-MM-DD); true when either is not a date (reported on its own). */
const inOrder = (a: string, b: string): boolean => {
  const [x, y] = [parseIsoDay(a), parseIsoDay(b)];
  return x === null || y === null || x <= y;
};
const isoDate = z.string().refine((s) => parseIsoDay(s) !== null, 'expected a real calendar date YYYY-MM-DD');
const probability = z.number().gt(0).lt(1);
const weight = z.number().min(0);
const logOdds = z.number().min(-10).max(10);
const multiplier = z.number().gt(0).max(20);
const positiveDays = z.number().gt(0).max(3650);
const sigma = z.number().min(0).max(3);
/**
 * A map keyed by segment: its keys are checked against the declared segments (segments.names) once the whole
 * file is read (SEGMENT_MAPS lists where such maps are).
 */
const bySegment = <T extends z.ZodType>(v: T) => z.record(z.string(), v);
/** A partial map keyed by segment (targets of some segments): its keys must be declared segments. */
const someSegments = <T extends z.ZodType>(v: T) => z.record(z.string(), v).optional();
const bySizeBand = <T extends z.ZodType>(v: T) => keyed(ALL_SIZE_BANDS, v);
const byTier = <T extends z.ZodType>(v: T) => keyed(ICP_TIERS, v);
const byReason = <T extends z.ZodType>(v: T) => keyed(LOSS_REASONS, v);
const byKind = <T extends z.ZodType>(v: T) => keyed(COMPANY_KINDS, v);
/** A tech-stack term with separate weights for stated evidence and for evidence inferred from the company kind. */
const byBasis = <T extends z.ZodType>(v: T) =>
  z.strictObject({
    stated: v.describe("When the company's own text states it (techstack_basis stated)."),
    inferred: v.describe(
      'When it is only inferred from the company kind (techstack_basis inferred): most providers and billing firms, so it weighs less.',
    ),
  });
const weights = <K extends readonly string[]>(keys: K) =>
  keyed(keys, weight).refine((w) => Object.values(w).some((x) => (x as number) > 0), 'at least one weight must be > 0');
const namedWeights = z.record(z.string().min(1), weight).refine((w) => Object.values(w).some((x) => x > 0), 'at least one weight must be > 0');

const lognormalDays = z.strictObject({
  median_days: positiveDays.describe('Median of the lognormal, in calendar days.'),
  sigma: sigma.describe('Spread: sigma of the underlying normal (0.5 = most values within 0.4x-2.7x of the median).'),
});

const range = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo <= hi, 'expected [low, high] with low <= high')
  .describe('[low, high]: the summary warns when the figure falls outside.');

const fractionRange = z
  .tuple([z.number().min(0).max(0.95), z.number().min(0).max(0.95)])
  .refine(([lo, hi]) => lo <= hi, 'expected [low, high] with low <= high');

const termWeights = z
  .record(z.string().regex(/^([1-9]|[1-9]\d|1[01]\d|120)$/, 'expected a number of months from 1 to 120'), weight)
  .refine((w) => Object.values(w).some((x) => x > 0), 'at least one weight must be > 0');

const leadSource = z.strictObject({
  weight: bySegment(weight).describe('Share of companies of each segment that first arrive from this source (relative weights).'),
  opportunity_logit: logOdds.describe('Added to the log-odds that the company opens a first deal.'),
  win_logit: logOdds.describe('Added to the log-odds of advancing at every deal stage.'),
  campaigns: z.array(z.string().min(1)).min(1).describe('Campaign names of this source; each company draws one.'),
});

const stage = z.strictObject({
  advance_probability: probability.describe('Base probability that a deal in this stage moves on (the rest are lost here).'),
  forecast_category: z.enum(OPEN_FORECAST_CATEGORIES).describe('Forecast category the CRM shows for every open deal in this stage.'),
  forecast_probability: probability.describe(
    'Probability the CRM shows for every open deal in this stage (deals.csv probability): the same for every deal of the stage, not its true odds.',
  ),
  median_days: bySegment(positiveDays).describe('Median calendar days spent in the stage, per segment.'),
  sigma: sigma.describe('Spread of the lognormal stage duration.'),
  loss_reasons: weights(LOSS_REASONS).describe('Relative weights of the loss reasons of deals lost in this stage.'),
});

export const DealModelSchema = z
  .strictObject({
    version: z.literal(1).describe('Schema version of this file.'),
    simulation: z
      .strictObject({
        window_start: isoDate.describe('First day companies can be touched.'),
        window_end: isoDate.describe('Last day companies can be touched and deals created.'),
        as_of: isoDate.describe('Snapshot date: deals not closed by then are open. --as-of overrides it.'),
        touch_growth_per_year: z
          .number()
          .min(0.2)
          .max(5)
          .describe('First touches arrive at a rate growing by this factor per year over the window (1 = flat).'),
        quota_sized_for_companies: z
          .number()
          .int()
          .positive()
          .describe("The size of export (companies) the reps' quotas are sized for; the deals summary names it when attainment misses its range."),
        snapshot_weekday: z.enum(WEEKDAYS).describe('Weekday of the weekly pipeline snapshots (pipeline_snapshots.csv).'),
        holidays: z.array(isoDate).default([]).describe('Days without deal activity besides weekends.'),
        max_deals_per_company: z.number().int().min(1).max(20).describe('Most deals one company can have.'),
      })
      // (A date that is not one is reported as such alone: the order of two dates is checked when both are dates.)
      .refine((s) => inOrder(s.window_start, s.window_end), {
        message: 'window_start must not be after window_end',
        path: ['window_end'],
      })
      .refine((s) => inOrder(s.window_start, s.as_of), {message: 'as_of must not be before window_start', path: ['as_of']}),
    segments: z.strictObject({
      names: z
        .array(z.string())
        .min(1)
        .superRefine((names, ctx) => {
          names.forEach((name, i) => {
            if (!VOCABULARY_NAME.test(name))
              ctx.addIssue({
                code: 'custom',
                path: [i],
                message: `${JSON.stringify(name)}: a segment name is lower-case letters, digits and _, starting with a letter (it is a segment value of deals.csv, leads.csv and reps.csv)`,
              });
            else if (names.indexOf(name) !== i) ctx.addIssue({code: 'custom', path: [i], message: `segment ${JSON.stringify(name)} is listed twice`});
            else if (name === 'overall')
              ctx.addIssue({
                code: 'custom',
                path: [i],
                message: '"overall" is not a segment name: the deals summary\'s median_cycle_days.overall is all segments',
              });
          });
        })
        .describe(
          'The sales segments, in the order the summaries list them (each is a segment value of deals.csv, leads.csv, reps.csv and unified.csv). Every per-segment map of this file names exactly these. Adding a segment is an edit of this file.',
        ),
      size_bands: bySizeBand(z.string()).describe('Segment of each size band (one of names).'),
    }),
    reps: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe("The rep's name (the owner columns)."),
          segment: z.string().describe('The segment the rep sells to (one of segments.names).'),
          hire_date: isoDate.describe('First day the rep owns new companies.'),
          quarterly_quota_arr: z.number().int().positive().describe('Quarterly quota: closed ARR (USD) of won deals per calendar quarter.'),
        }),
      )
      .min(1)
      .superRefine((reps, ctx) => {
        const seen = new Set<string>();
        reps.forEach((r, i) => {
          if (seen.has(r.name)) ctx.addIssue({code: 'custom', path: [i, 'name'], message: `rep ${JSON.stringify(r.name)} is listed twice`});
          seen.add(r.name);
        });
      })
      .describe('The sales team: name, segment, hire date and quarterly quota of each rep (reps.csv).'),
    lead_sources: z
      .record(z.string(), leadSource)
      .superRefine((sources, ctx) => {
        const names = Object.keys(sources);
        if (names.length === 0) {
          ctx.addIssue({code: 'custom', path: [], message: 'at least one lead source is needed'});
          return;
        }
        for (const name of names.filter((n) => !VOCABULARY_NAME.test(n))) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${JSON.stringify(name)}: a lead source name is lower-case letters, digits and _, starting with a letter (it is a lead_source value of leads.csv and deals.csv)`,
          });
        }
        // A campaign belongs to one source (leads.csv campaign names the source it came from).
        const sourceOf = new Map<string, string>();
        for (const name of names) {
          sources[name].campaigns.forEach((campaign, i) => {
            const other = sourceOf.get(campaign);
            if (other !== undefined)
              ctx.addIssue({
                code: 'custom',
                path: [name, 'campaigns', i],
                message: `campaign ${JSON.stringify(campaign)} is also listed under lead_sources.${other}: a campaign belongs to one lead source`,
              });
            else sourceOf.set(campaign, name);
          });
        }
      })
      .describe(
        'Where companies first come from: one entry per lead source (its name is a lead_source value of leads.csv and deals.csv), with its weights, effects and campaigns. Adding a source is an edit of this file.',
      ),
    opportunity: z.strictObject({
      intercept: logOdds.describe('Base log-odds of a first deal.'),
      icp_tier: byTier(logOdds).describe('Log-odds added per ICP tier.'),
      icp_confidence_weight: z.number().min(0).max(1).describe('How far icp_confidence scales the tier effect: effect x (1 - w + w x confidence).'),
      company_kind: byKind(logOdds).describe('Log-odds added per company kind (competitors never get a new-business deal whatever this says).'),
      x12_or_clearinghouse: byBasis(logOdds).describe('Added when the company uses X12 EDI or a clearinghouse.'),
      fhir_or_hl7: byBasis(logOdds).describe('Added when the company uses FHIR or HL7.'),
      techstack_confidence_weight: z.number().min(0).max(1).describe('How far techstack_confidence scales the tech-stack effects.'),
      size_band: bySizeBand(logOdds).describe('Log-odds added per size band.'),
      previous_customer: logOdds.describe('Added for previous customers.'),
      days_to_opportunity: lognormalDays.describe('Days from first touch to the first deal.'),
    }),
    stages: keyed(DEAL_STAGES, stage),
    win_factors: z.strictObject({
      icp_tier: byTier(logOdds).describe('Log-odds added at every stage per ICP tier.'),
      company_kind: byKind(logOdds).describe('Added at every stage per company kind.'),
      x12_or_clearinghouse: byBasis(logOdds).describe('Added at every stage for X12 / clearinghouse users.'),
      fhir_or_hl7: byBasis(logOdds).describe('Added at every stage for FHIR / HL7 users.'),
      previous_customer: logOdds.describe('Added at every stage for previous customers.'),
      expansion: logOdds.describe('Added at every stage of an expansion deal.'),
      segment: bySegment(logOdds).describe('Added at every stage per segment.'),
    }),
    durations: z.strictObject({
      existing_customer_multiplier: multiplier.describe('Stage durations of previous customers and expansion deals are multiplied by this.'),
      x12_technical_evaluation_multiplier: multiplier.describe(
        'technical_evaluation lasts this much longer for companies whose text states X12 / clearinghouse use (an integration to replace).',
      ),
      amount_elasticity: z.number().min(0).max(2).describe('Durations grow as (amount / typical amount of the size band) ^ elasticity.'),
      loss_multiplier: byReason(multiplier).describe('How long a lost deal lingers in its last stage, relative to a normal stage duration.'),
    }),
    quarter_end: z.strictObject({
      pull_in_window_days: z
        .number()
        .int()
        .min(0)
        .max(60)
        .describe('A close due this many days or fewer after a quarter end may be pulled into that quarter.'),
      pull_in_probability: z
        .strictObject({won: z.number().min(0).max(1), lost: z.number().min(0).max(1)})
        .describe('Largest chance of a pull-in (falling linearly to 0 at the end of the window), for won and lost deals.'),
      hold_window_days: z
        .number()
        .int()
        .min(0)
        .max(90)
        .describe('A close due this many days or fewer before a quarter end may be held toward the quarter end.'),
      hold_probability: z
        .strictObject({won: z.number().min(0).max(1), lost: z.number().min(0).max(1)})
        .describe('Largest chance of a hold (falling linearly to 0 at the start of the window), for won and lost deals.'),
      landing_days: z.number().int().min(0).max(60).describe('A pulled-in deal closes within this many days before the quarter end.'),
    }),
    forecasting: z
      .strictObject({
        optimism: z
          .strictObject({
            reference_arr: z.number().positive(),
            at_reference: z.number().gt(0).max(2),
            per_doubling: z.number().min(-1).max(1),
          })
          .describe(
            'Fraction of the typical remaining stage durations the rep expects a deal to take (below 1: optimistic): at_reference for a deal of reference_arr, plus per_doubling per doubling of the amount (within 0.2-2).',
          ),
        estimate_sigma: sigma.describe(
          "Spread of the rep's estimate of the remaining days around optimism x the typical remaining durations (lognormal sigma).",
        ),
        min_push_days: z.number().int().min(1).max(365).describe('A pushed expected close date moves at least this many days past the push.'),
        quarter_end_date: z
          .strictObject({
            reference_arr: z.number().positive(),
            at_reference: z.number().min(0).max(1),
            per_doubling: z.number().min(-1).max(1),
          })
          .describe(
            'Share of expected close dates set to a quarter end: at_reference for a deal of reference_arr, plus per_doubling per doubling of the amount.',
          ),
        month_end_date: z.number().min(0).max(1).describe('Otherwise, share of expected close dates set to the last business day of the month.'),
        rescope: z
          .partialRecord(
            z.enum(DEAL_STAGES),
            z.strictObject({
              probability: z.number().min(0).max(1),
              median_factor: multiplier,
              sigma,
            }),
          )
          .describe('Per stage: chance the amount is re-scoped when a deal enters the stage, and the lognormal factor.'),
      })
      .describe('How reps set and push expected close dates and re-scope amounts (opportunity_history.csv).'),
    repeat_deals: z.strictObject({
      expansion_probability: bySegment(z.number().min(0).max(1)).describe('Chance a won deal is followed by an expansion deal.'),
      expansion_days: lognormalDays.describe('Days from a win to the expansion deal.'),
      recycle_probability: byReason(z.number().min(0).max(1)).describe('Chance a lost deal comes back as a new deal, per loss reason.'),
      recycle_days: lognormalDays.describe('Days from a loss to the new deal.'),
      expansion_campaign: z.string().min(1).describe('campaign of expansion deals.'),
      recycle_campaign: z.string().min(1).describe('campaign of deals that reopen a lost one.'),
    }),
    amount: z.strictObject({
      median_arr: bySizeBand(z.number().positive()).describe('Median ARR (USD) of a new-business deal at creation, per size band.'),
      sigma: sigma.describe('Spread of the lognormal ARR.'),
      icp_tier_multiplier: byTier(multiplier).describe('ARR multiplier per ICP tier.'),
      x12_or_clearinghouse_multiplier: byBasis(multiplier).describe('ARR multiplier for X12 / clearinghouse users (more transactions).'),
      expansion_multiplier: multiplier.describe('ARR of an expansion deal relative to a new-business deal.'),
      min_arr: z.number().positive().describe('Smallest ARR of a deal (USD).'),
      round_to: z.number().int().positive().describe('ARR is rounded to a multiple of this (USD).'),
    }),
    discount: z.strictObject({
      reference_arr: z.number().positive().describe('ARR at which the mean discount is at_reference.'),
      at_reference: z.number().min(0).max(0.9).describe('Mean discount of a won deal of reference_arr.'),
      per_doubling: z.number().min(0).max(0.5).describe('Mean discount added per doubling of the ARR.'),
      sd: z.number().min(0).max(0.5).describe('Standard deviation of the discount.'),
      max: z.number().min(0).max(0.9).describe('Largest discount.'),
    }),
    billing: z
      .strictObject({
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
          .describe('Currency of contracts and invoices.'),
        plans: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              min_arr: z.number().min(0).describe('Smallest ARR on this plan.'),
            }),
          )
          .min(1)
          .refine((p) => p[0].min_arr === 0, 'the first plan must have min_arr 0')
          .refine((p) => p.every((x, i) => i === 0 || x.min_arr > p[i - 1].min_arr), 'plans must be in increasing min_arr')
          .describe('Plans by ARR: a contract gets the last plan whose min_arr it reaches.'),
        annual: z.strictObject({
          reference_arr: z.number().positive().describe('ARR at which the log-odds of annual billing are logit_at_reference.'),
          logit_at_reference: logOdds.describe('Log-odds of annual billing at reference_arr.'),
          per_log_arr: z.number().min(0).max(10).describe('Log-odds added per unit of ln(ARR / reference_arr).'),
          segment: bySegment(logOdds).describe('Log-odds added per segment.'),
        }),
        term_months: z.strictObject({
          monthly: termWeights.describe('Contract terms (months) of monthly-billed contracts, with weights.'),
          annual: bySegment(termWeights).describe('Contract terms (months) of annual-billed contracts per segment, with weights.'),
        }),
        contract_start: z
          .enum(['next_business_day', 'first_of_month'])
          .describe('When a contract starts once onboarding is done: that day or the next business day, or the first of the month on or after it.'),
        onboarding_days: z.strictObject({
          median_days: bySegment(positiveDays).describe('Median days from close to contract start, per segment.'),
          sigma,
        }),
        payment_terms: z.strictObject({
          monthly: namedWeights.describe('Payment terms of monthly-billed contracts, with weights.'),
          annual: bySegment(namedWeights).describe('Payment terms of annual-billed contracts per segment, with weights.'),
        }),
        payment_term_days: z.record(z.string().min(1), z.number().int().min(0).max(180)).describe('Days from invoice to due date per payment term.'),
        renewal: z
          .strictObject({
            churn_probability: bySegment(z.number().min(0).max(1)).describe(
              'Chance, per segment, that a contract is not renewed at the end of a term (the customer churns).',
            ),
            downsell_probability: bySegment(z.number().min(0).max(1)).describe(
              'Chance, per segment, that a renewal is a downsell (given it renews).',
            ),
            downsell_size: fractionRange.describe('A downsell shrinks the ARR by a fraction drawn uniformly from [low, high].'),
            uplift_probability: bySegment(z.number().min(0).max(1)).describe(
              'Chance, per segment, that a renewal is an uplift (given it renews; downsell_probability + uplift_probability <= 1).',
            ),
            uplift_size: bySegment(fractionRange).describe('An uplift grows the ARR by a fraction drawn uniformly from [low, high], per segment.'),
          })
          .refine((r) => Object.keys(r.uplift_probability).every((s) => (r.downsell_probability[s] ?? 0) + r.uplift_probability[s] <= 1), {
            message: 'downsell_probability + uplift_probability must not exceed 1',
            path: ['uplift_probability'],
          })
          .describe('Renewals: at the end of each term a contract churns or renews for the same term, possibly re-priced (downsell or uplift).'),
      })
      .refine(
        (b) =>
          [...Object.keys(b.payment_terms.monthly), ...Object.values(b.payment_terms.annual).flatMap((w) => Object.keys(w))].every(
            (t) => t in b.payment_term_days,
          ),
        {message: 'every payment term needs an entry in payment_term_days', path: ['payment_term_days']},
      ),
    targets: z
      .strictObject({
        min_sample: z.number().int().min(0).describe('Figures resting on fewer observations are reported but not checked.'),
        small_buyer_arr: z.number().positive().describe('ARR up to which a buyer counts as small for monthly_share_small_buyers.'),
        opportunity_rate: range.optional(),
        icp_opportunity_lift: range.optional(),
        win_rate: range.optional(),
        open_share: range.optional(),
        median_cycle_days: range.optional(),
        median_cycle_days_by_segment: someSegments(range).describe(
          'Median sales cycle of won deals of a segment (figure median_cycle_days_<segment>), for the segments named.',
        ),
        median_won_arr: range.optional(),
        won_arr_below_5k_share: range.optional(),
        won_arr_above_100k_share: range.optional(),
        no_decision_share: range.optional(),
        quarter_end_close_share: range.optional(),
        quota_attainment_share: range.optional(),
        pipeline_coverage: range.optional(),
        slip_rate: range.optional(),
        monthly_share_small_buyers: range.optional(),
        annual_share_by_segment: someSegments(range).describe(
          'Share of the contracts of a segment billed annually (figure annual_share_<segment>, with <segment>_contracts in the billing summary), for the segments named.',
        ),
        mean_contract_term_months: range.optional(),
        large_contract_arr: z
          .number()
          .positive()
          .describe('ARR a year before the as-of date above which a customer counts as a bigger contract for nrr_large.'),
        grr: range.optional(),
        grr_by_segment: someSegments(range).describe(
          'Trailing-12-month GRR of the customers of a segment (figure grr_<segment>), for the segments named.',
        ),
        nrr: range.optional(),
        nrr_large: range.optional(),
      })
      .describe('Calibration ranges (from the GTM benchmarks) the summaries check.'),
  })
  .superRefine((c, ctx) => {
    // The campaigns of later deals mark them apart from the first-touch campaigns of the lead sources.
    for (const key of ['expansion_campaign', 'recycle_campaign'] as const) {
      const source = Object.keys(c.lead_sources).find((s) => c.lead_sources[s].campaigns.includes(c.repeat_deals[key]));
      if (source !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['repeat_deals', key],
          message: `${JSON.stringify(c.repeat_deals[key])} is a campaign of lead_sources.${source}: the campaign of later deals must be a name of its own`,
        });
    }
    const segments = c.segments.names;
    const declared = new Set(segments);
    const unknown = (name: string) => `${JSON.stringify(name)} is not a segment of segments.names (${segments.join(', ')})`;
    // Every per-segment map names exactly the declared segments (targets: some of them).
    for (const {path, map, partial} of segmentMaps(c)) {
      for (const key of Object.keys(map).filter((k) => !declared.has(k))) ctx.addIssue({code: 'custom', path: [...path, key], message: unknown(key)});
      if (partial) continue;
      const missing = segments.filter((g) => !(g in map));
      if (missing.length > 0)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `no entry for segment${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: a per-segment map names every segment of segments.names`,
        });
    }
    for (const [band, segment] of Object.entries(c.segments.size_bands)) {
      if (!declared.has(segment)) ctx.addIssue({code: 'custom', path: ['segments', 'size_bands', band], message: unknown(segment)});
    }
    c.reps.forEach((r, i) => {
      if (!declared.has(r.segment)) ctx.addIssue({code: 'custom', path: ['reps', i, 'segment'], message: unknown(r.segment)});
    });
    // Each segment draws its companies' lead source by these weights: one of them must be > 0.
    const sources = Object.keys(c.lead_sources);
    for (const segment of sources.length > 0 ? segments : []) {
      if (!sources.some((s) => (c.lead_sources[s].weight[segment] ?? 0) > 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['lead_sources', sources[0], 'weight', segment],
          message: `every lead source has weight 0 for ${segment} (lead_sources.*.weight.${segment}): at least one must be > 0`,
        });
      }
    }
    const start = parseIsoDay(c.simulation.window_start);
    for (const segment of start === null ? [] : segments) {
      if (!c.reps.some((r) => r.segment === segment && inOrder(r.hire_date, c.simulation.window_start))) {
        ctx.addIssue({
          code: 'custom',
          path: ['reps'],
          message: `no ${segment} rep is hired by simulation.window_start (${c.simulation.window_start}): every segment needs one to own its first companies`,
        });
      }
    }
  })
  .describe('config/deal_model.yml: parameters of the deals, billing and unify stages.');

export type DealModelConfig = z.infer<typeof DealModelSchema>;

/**
 * The maps of deal_model.yml keyed by segment (made with bySegment / someSegments above), with their key paths:
 * each names exactly the segments of segments.names (partial: the targets, some of them).
 */
function segmentMaps(c: DealModelConfig): Array<{path: Array<string | number>; map: Record<string, unknown>; partial?: true}> {
  const b = c.billing;
  return [
    ...Object.entries(c.lead_sources).map(([name, s]) => ({path: ['lead_sources', name, 'weight'], map: s.weight})),
    ...DEAL_STAGES.map((st) => ({path: ['stages', st, 'median_days'], map: c.stages[st].median_days})),
    {path: ['win_factors', 'segment'], map: c.win_factors.segment},
    {path: ['repeat_deals', 'expansion_probability'], map: c.repeat_deals.expansion_probability},
    {path: ['billing', 'annual', 'segment'], map: b.annual.segment},
    {path: ['billing', 'term_months', 'annual'], map: b.term_months.annual},
    {path: ['billing', 'onboarding_days', 'median_days'], map: b.onboarding_days.median_days},
    {path: ['billing', 'payment_terms', 'annual'], map: b.payment_terms.annual},
    ...(['churn_probability', 'downsell_probability', 'uplift_probability', 'uplift_size'] as const).map((k) => ({
      path: ['billing', 'renewal', k],
      map: b.renewal[k],
    })),
    ...SEGMENT_TARGETS.map((t) => ({path: ['targets', `${t}_by_segment`], map: c.targets[`${t}_by_segment`] ?? {}, partial: true as const})),
  ];
}
