/**
 * Vega-Lite specifications of the report's charts, built from the figures (already aggregated, so a chart's
 * inline data has a few dozen rows whatever the size of the dataset). Pure: JSON in, JSON out.
 */
import type {TopLevelSpec} from 'vega-lite';
import type {ReportFigures} from './figures.js';
import {formatPct, formatUsd} from '../format.js';
import {
  barsHeight,
  base,
  COLORS,
  DEFAULT_MIN_GROUP,
  emptyPanel,
  FADE_SMALL,
  fadedNote,
  humanize,
  int,
  roomForLabels,
  USD_AXIS,
  WIDE,
  WIDTH,
  type ChartDef,
} from './chart-style.js';

export type {ChartDef} from './chart-style.js';

function funnelChart(f: ReportFigures): ChartDef {
  const fates = [
    {fate: 'Advanced', field: 'advanced' as const},
    {fate: 'Lost at this stage', field: 'lost' as const},
    {fate: 'Open at this stage', field: 'open' as const},
  ];
  const values: object[] = [];
  const labels: Array<{label: string} & Record<string, unknown>> = [];
  f.funnel.forEach((r, order) => {
    const stage = humanize(r.stage);
    if (r.stage === 'closed_won') values.push({stage, order, fate: 'Won', deals: r.reached});
    else for (const x of fates) values.push({stage, order, fate: x.fate, deals: r[x.field]});
    const conv = r.stage === 'closed_won' ? '' : ` · ${formatPct(r.conversion)} advance`;
    labels.push({stage, order, deals: r.reached, label: `${int(r.reached)}${conv}`});
  });
  const domain = ['Advanced', 'Won', 'Lost at this stage', 'Open at this stage'];
  const spec = {
    ...base(
      'Pipeline funnel by stage',
      'Deals reaching each stage; the bar splits them by what happened next (leakage in red).',
      WIDTH,
      barsHeight(f.funnel.length),
      values,
    ),
    ...roomForLabels(labels.map((l) => l.label)),
    encoding: {
      y: {field: 'stage', type: 'nominal', sort: {field: 'order', op: 'min'}, title: 'Stage', axis: {labelLimit: 160}},
    },
    layer: [
      {
        mark: {type: 'bar'},
        encoding: {
          x: {field: 'deals', type: 'quantitative', stack: 'zero', title: 'Deals (count)', axis: {tickMinStep: 1, format: ',d'}},
          color: {field: 'fate', type: 'nominal', title: null, scale: {domain, range: [COLORS.primary, COLORS.won, COLORS.lost, COLORS.open]}},
          order: {field: 'fate', sort: 'ascending'},
        },
      },
      {
        data: {values: labels},
        mark: {type: 'text', align: 'left', dx: 4},
        encoding: {x: {field: 'deals', type: 'quantitative'}, text: {field: 'label'}},
      },
    ],
  } as TopLevelSpec;
  return {
    id: 'funnel',
    title: 'Pipeline funnel by stage',
    wide: false,
    note: 'A deal reached every stage up to the one where it was lost or is open today; won deals reached them all.',
    rows: f.summary.opportunities,
    nothing: 'No deals',
    spec,
  };
}

function winRateChart(id: string, title: string, axis: string, rows: ReportFigures['winRateByIcpTier'], note: string, minGroup: number): ChartDef {
  const values = rows.map((r, order) => ({
    key: humanize(r.key),
    order,
    win_rate: r.win_rate ?? 0,
    small: r.won + r.lost < minGroup,
    label: r.win_rate === null ? 'no closed deals' : `${formatPct(r.win_rate)} · ${int(r.won)} of ${int(r.won + r.lost)}`,
  }));
  const spec = {
    ...base(title, 'Won / (won + lost); open deals are left out.', WIDTH, barsHeight(values.length), values),
    ...roomForLabels(values.map((v) => v.label)),
    encoding: {
      y: {field: 'key', type: 'nominal', sort: {field: 'order', op: 'min'}, title: axis, axis: {labelLimit: 160}},
      x: {
        field: 'win_rate',
        type: 'quantitative',
        title: 'Win rate (% of closed deals)',
        axis: {format: '.0%', tickCount: 5},
        scale: {domain: [0, 1]},
      },
    },
    layer: [
      {mark: {type: 'bar', color: COLORS.won}, encoding: FADE_SMALL},
      {mark: {type: 'text', align: 'left', dx: 4}, encoding: {text: {field: 'label'}}},
    ],
  } as TopLevelSpec;
  const closed = rows.reduce((n, r) => n + r.won + r.lost, 0);
  return {id, title, wide: false, note: `${note} ${fadedNote(minGroup, 'closed deals')}`, rows: closed, nothing: 'No closed deals', spec};
}

function arrDistributionChart(f: ReportFigures): ChartDef {
  const values = f.arrDistribution.map((b, order) => ({
    bucket: b.label,
    order,
    contracts: b.contracts,
    label: b.contracts ? formatPct(b.share) : '',
  }));
  const spec = {
    ...base('ARR distribution', 'Contracts by annual recurring revenue; labels are the share of all contracts.', WIDTH, 220, values),
    encoding: {
      x: {field: 'bucket', type: 'ordinal', sort: {field: 'order', op: 'min'}, title: 'Contract ARR (USD)', axis: {labelAngle: 0}},
      y: {field: 'contracts', type: 'quantitative', title: 'Contracts (count)', axis: {tickMinStep: 1, format: ',d'}},
    },
    layer: [{mark: {type: 'bar', color: COLORS.primary}}, {mark: {type: 'text', baseline: 'bottom', dy: -3}, encoding: {text: {field: 'label'}}}],
  } as TopLevelSpec;
  return {
    id: 'arr_distribution',
    title: 'ARR distribution',
    wide: false,
    note: 'Every contract counts once, whether it is active, not started yet or ended.',
    rows: f.summary.contracts,
    nothing: 'No contracts',
    spec,
  };
}

function arrBySizeChart(f: ReportFigures, minGroup: number): ChartDef {
  const values = f.arrBySizeBand.map((r, order) => ({
    band: r.size_band,
    order,
    median_arr: r.median_arr,
    small: r.contracts < minGroup,
    label: `n=${int(r.contracts)}`,
    total: formatUsd(r.total_arr),
  }));
  const spec = {
    ...base('ARR by company size band', 'Median contract ARR per size band (employees); labels give the number of contracts.', WIDTH, 220, values),
    encoding: {
      x: {field: 'band', type: 'ordinal', sort: {field: 'order', op: 'min'}, title: 'Company size (employees)', axis: {labelAngle: 0}},
      y: {field: 'median_arr', type: 'quantitative', title: 'Median ARR per contract (USD)', axis: USD_AXIS},
    },
    layer: [
      {mark: {type: 'bar', color: COLORS.primary}, encoding: FADE_SMALL},
      {mark: {type: 'text', baseline: 'bottom', dy: -3}, encoding: {text: {field: 'label'}}},
    ],
  } as TopLevelSpec;
  return {
    id: 'arr_by_size',
    title: 'ARR by company size band',
    wide: false,
    note: `Each contract sits in the size band of its company. ${fadedNote(minGroup, 'contracts')}`,
    rows: f.summary.contracts,
    nothing: 'No contracts',
    spec,
  };
}

function cycleChart(f: ReportFigures, minGroup: number): ChartDef {
  const values = f.cycleBySegment.map((r, order) => ({
    ...r,
    segment: `${humanize(r.segment)} (n=${int(r.deals)})`,
    order,
    small: r.deals < minGroup,
    label: `${Math.round(r.median)} d`,
  }));
  const x = (field: string) => ({field, type: 'quantitative', title: 'Sales cycle (days, created to close)'});
  const spec = {
    ...base(
      'Sales cycle by segment',
      'Won deals: range (line), middle half (box) and median (white tick, labelled in days).',
      WIDTH,
      Math.max(80, 44 * values.length),
      values,
    ),
    encoding: {y: {field: 'segment', type: 'nominal', sort: {field: 'order', op: 'min'}, title: 'Segment', axis: {labelLimit: 160}}},
    layer: [
      {mark: {type: 'rule', color: '#555'}, encoding: {x: x('min'), x2: {field: 'max'}}},
      {mark: {type: 'bar', size: 18, color: COLORS.primary}, encoding: {x: x('q1'), x2: {field: 'q3'}, ...FADE_SMALL}},
      {mark: {type: 'tick', color: 'white', size: 18, thickness: 2}, encoding: {x: x('median')}},
      {mark: {type: 'text', align: 'center', baseline: 'bottom', dy: -10}, encoding: {x: x('median'), text: {field: 'label'}}},
    ],
  } as TopLevelSpec;
  return {
    id: 'cycle_by_segment',
    title: 'Sales cycle by segment',
    wide: false,
    note: `Days from a won deal's creation to its close. ${fadedNote(minGroup, 'won deals')}`,
    rows: values.length,
    nothing: 'No won deals',
    spec,
  };
}

function pipelineChart(f: ReportFigures): ChartDef {
  const values: object[] = [];
  for (const r of f.pipelineByMonth) {
    values.push({month: r.month, series: 'Pipeline created', arr: r.pipeline_created_arr, deals: r.deals_created});
    values.push({month: r.month, series: 'Closed-won', arr: r.closed_won_arr, deals: r.deals_won});
  }
  const spec = {
    ...base(
      'Pipeline created and closed-won by month',
      'amount_arr of the deals created in each month, and signed ARR (closed_arr) of the deals won in each month.',
      WIDE,
      240,
      values,
    ),
    mark: {type: 'bar'},
    encoding: {
      x: {field: 'month', type: 'ordinal', title: 'Month', axis: {labelAngle: -40, labelOverlap: true}},
      xOffset: {field: 'series', type: 'nominal', sort: ['Pipeline created', 'Closed-won']},
      y: {field: 'arr', type: 'quantitative', title: 'ARR (USD)', axis: USD_AXIS},
      color: {field: 'series', type: 'nominal', title: null, sort: ['Pipeline created', 'Closed-won'], scale: {range: [COLORS.created, COLORS.won]}},
    },
  } as TopLevelSpec;
  return {
    id: 'pipeline_by_month',
    title: 'Pipeline created and closed-won by month',
    wide: true,
    note: 'Month by month, from the first deal created to the snapshot (as-of) month.',
    rows: f.summary.opportunities,
    nothing: 'No deals',
    spec,
  };
}

function mrrChart(f: ReportFigures): ChartDef {
  const values = f.mrrByMonth.map((r) => ({month: r.month, mrr: r.mrr}));
  const spec = {
    ...base('MRR over time', 'Invoiced amounts spread over the months they cover (an annual invoice counts a twelfth per month).', WIDE, 220, values),
    mark: {type: 'line', point: true, color: COLORS.won},
    encoding: {
      x: {field: 'month', type: 'ordinal', title: 'Month', axis: {labelAngle: -40, labelOverlap: true}},
      y: {field: 'mrr', type: 'quantitative', title: 'MRR (USD per month)', axis: USD_AXIS},
    },
  } as TopLevelSpec;
  return {
    id: 'mrr_over_time',
    title: 'MRR over time',
    wide: true,
    note: 'Recurring revenue invoiced per month, up to the snapshot (as-of) month.',
    rows: values.length,
    nothing: 'No invoices',
    spec,
  };
}

function lossChart(f: ReportFigures): ChartDef {
  const values = f.lossReasons.map((r, order) => ({key: humanize(r.key), order, count: r.count, label: `${int(r.count)} (${formatPct(r.share)})`}));
  const spec = {
    ...base('Loss reasons', 'Lost deals by the reason recorded; labels give the share of lost deals.', WIDTH, barsHeight(values.length), values),
    ...roomForLabels(values.map((v) => v.label)),
    encoding: {
      y: {field: 'key', type: 'nominal', sort: {field: 'order', op: 'min'}, title: 'Loss reason', axis: {labelLimit: 180}},
      x: {field: 'count', type: 'quantitative', title: 'Lost deals (count)', axis: {tickMinStep: 1, format: ',d'}},
    },
    layer: [{mark: {type: 'bar', color: COLORS.lost}}, {mark: {type: 'text', align: 'left', dx: 4}, encoding: {text: {field: 'label'}}}],
  } as TopLevelSpec;
  return {
    id: 'loss_reasons',
    title: 'Loss reasons',
    wide: false,
    note: 'Every lost deal has one recorded reason.',
    rows: f.summary.lost,
    nothing: 'No lost deals',
    spec,
  };
}

function icpChart(f: ReportFigures): ChartDef {
  const values = f.icpMix.map((r, order) => ({key: humanize(r.key), order, count: r.count, label: `${int(r.count)} (${formatPct(r.share)})`}));
  const spec = {
    ...base(
      'Companies by ICP tier',
      `${f.summary.icp_fit} of ${f.summary.companies} companies (${formatPct(f.summary.icp_share)}) are an ICP fit.`,
      WIDTH,
      barsHeight(values.length),
      values,
    ),
    ...roomForLabels(values.map((v) => v.label)),
    encoding: {
      y: {field: 'key', type: 'nominal', sort: {field: 'order', op: 'min'}, title: 'ICP tier', axis: {labelLimit: 160}},
      x: {field: 'count', type: 'quantitative', title: 'Companies (count)', axis: {tickMinStep: 1, format: ',d'}},
    },
    layer: [{mark: {type: 'bar', color: COLORS.primary}}, {mark: {type: 'text', align: 'left', dx: 4}, encoding: {text: {field: 'label'}}}],
  } as TopLevelSpec;
  return {
    id: 'icp_mix',
    title: 'Companies by ICP tier',
    wide: false,
    note: 'Every company, by how well it fits the ideal customer profile (ICP).',
    rows: f.summary.companies,
    nothing: 'No companies',
    spec,
  };
}

function techChart(f: ReportFigures): ChartDef {
  const values: object[] = [];
  const labels: Array<{label: string} & Record<string, unknown>> = [];
  f.techstackMix.forEach((r, order) => {
    values.push({technology: r.technology, order, group: 'ICP fit', companies: r.icp_fit});
    values.push({technology: r.technology, order, group: 'Not ICP fit', companies: r.not_icp_fit});
    labels.push({technology: r.technology, order, companies: r.total, label: `${int(r.total)} (${formatPct(r.share)})`});
  });
  const spec = {
    ...base(
      'Tech stack of the companies',
      'Companies with evidence of each technology; labels give the share of all companies.',
      WIDTH,
      barsHeight(f.techstackMix.length),
      values,
    ),
    ...roomForLabels(labels.map((l) => l.label)),
    encoding: {y: {field: 'technology', type: 'nominal', sort: {field: 'order', op: 'min'}, title: 'Technology', axis: {labelLimit: 160}}},
    layer: [
      {
        mark: {type: 'bar'},
        encoding: {
          x: {field: 'companies', type: 'quantitative', stack: 'zero', title: 'Companies (count)', axis: {tickMinStep: 1, format: ',d'}},
          color: {field: 'group', type: 'nominal', title: null, sort: ['ICP fit', 'Not ICP fit'], scale: {range: [COLORS.primary, COLORS.open]}},
          order: {field: 'group', sort: 'ascending'},
        },
      },
      {
        data: {values: labels},
        mark: {type: 'text', align: 'left', dx: 4},
        encoding: {x: {field: 'companies', type: 'quantitative'}, text: {field: 'label'}},
      },
    ],
  } as TopLevelSpec;
  return {
    id: 'techstack_mix',
    title: 'Tech stack of the companies',
    wide: false,
    note: 'A company can use several of these technologies.',
    rows: f.summary.companies,
    nothing: 'No companies',
    spec,
  };
}

/** Pipeline coverage by quarter (core/pipeline-stats.ts): ramp-up and unfinished quarters faded. */
function coverageChart(f: ReportFigures): ChartDef {
  const quarters = f.pipeline?.pipeline_quarters ?? [];
  const values = quarters.map((q, order) => ({
    quarter: q.quarter,
    order,
    coverage: q.coverage ?? 0,
    small: !q.measured,
    label: q.coverage === null ? '' : `${q.coverage.toFixed(1)}x${q.slip_rate === null ? '' : ` · ${formatPct(q.slip_rate)} slip`}`,
  }));
  const spec = {
    ...base(
      'Pipeline coverage by quarter',
      "Open pipeline expected to close in the quarter, at its first weekly snapshot, over the quarter's bookings.",
      WIDE,
      220,
      values,
    ),
    encoding: {
      x: {field: 'quarter', type: 'ordinal', sort: {field: 'order', op: 'min'}, title: 'Quarter', axis: {labelAngle: 0}},
      y: {field: 'coverage', type: 'quantitative', title: 'Coverage (pipeline / bookings)', axis: {format: '.1f'}},
    },
    layer: [
      {mark: {type: 'bar', color: COLORS.primary}, encoding: FADE_SMALL},
      {mark: {type: 'text', baseline: 'bottom', dy: -3}, encoding: {text: {field: 'label'}}},
    ],
  } as TopLevelSpec;
  const rows = quarters.filter((q) => q.coverage !== null).length;
  return {
    id: 'pipeline_coverage',
    title: 'Pipeline coverage by quarter',
    wide: true,
    note: "Labels: coverage and slip rate (the share of those deals not closed by the quarter's end). Faded bars: the window's first two quarters (ramp-up) and a quarter not ended by the as-of date, left out of the medians.",
    rows,
    nothing: 'No pipeline snapshots',
    spec,
  };
}

/**
 * Every chart of the report, in page order. `minGroup`: groups of fewer observations are faded (the deal
 * model's targets.min_sample, below which its checks do not judge either).
 */
export function chartDefs(f: ReportFigures, minGroup = DEFAULT_MIN_GROUP): ChartDef[] {
  return [
    funnelChart(f),
    lossChart(f),
    winRateChart(
      'win_rate_icp_tier',
      'Win rate by ICP tier',
      'ICP tier',
      f.winRateByIcpTier,
      'Deals grouped by the ICP tier of their company.',
      minGroup,
    ),
    winRateChart(
      'win_rate_lead_source',
      'Win rate by lead source',
      'Lead source',
      f.winRateByLeadSource,
      'Lead sources from the best win rate down.',
      minGroup,
    ),
    winRateChart(
      'win_rate_segment',
      'Win rate by segment',
      'Segment',
      f.winRateBySegment,
      'Segments by company size: SMB, mid-market, enterprise.',
      minGroup,
    ),
    cycleChart(f, minGroup),
    pipelineChart(f),
    // (Not for a dataset made before reps.csv and pipeline_snapshots.csv existed.)
    ...(f.pipeline ? [coverageChart(f)] : []),
    arrDistributionChart(f),
    arrBySizeChart(f, minGroup),
    mrrChart(f),
    icpChart(f),
    techChart(f),
  ].map((d) => (d.rows === 0 ? emptyPanel(d) : d));
}
