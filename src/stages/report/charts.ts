import type {RenderedChart} from '../../core/report/html.js';
import type {ChartDef} from '../../core/report/specs.js';
import {textWidth} from '../../core/report/text-width.js';

let chartModules: Promise<{vega: typeof import('vega'); vl: typeof import('vega-lite')}> | undefined;

/**
 * Loads vega and vega-lite once, lazily, so that other commands do not pay for them (`run` starts this early:
 * the modules load while the pipeline runs).
 */
export function preloadCharts(): Promise<{vega: typeof import('vega'); vl: typeof import('vega-lite')}> {
  // One after the other: they share modules (vega-util), and jest's ESM loader fails on concurrent imports of them.
  chartModules ??= (async () => {
    const vega = await import('vega');
    const vl = await import('vega-lite');
    return {vega, vl};
  })();
  return chartModules;
}

/** Draws each chart's Vega-Lite spec to SVG in Node (no browser, no canvas). */
export async function renderCharts(defs: readonly ChartDef[]): Promise<RenderedChart[]> {
  const {vega, vl} = await preloadCharts();
  // Without a canvas Vega guesses text widths at 0.8 em per character; measure with font metrics instead.
  const metrics = (vega as unknown as {textMetrics: {width: (item: TextItem, text?: unknown) => number}}).textMetrics;
  metrics.width = measureText;
  const out: RenderedChart[] = [];
  for (const def of defs) {
    const view = new vega.View(vega.parse(vl.compile(def.spec).spec), {renderer: 'none'});
    try {
      out.push({def, svg: await view.toSVG()});
    } finally {
      view.finalize();
    }
  }
  return out;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

function measureText(item: TextItem, text?: unknown): number {
  const s = text == null ? '' : String(text).trim();
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
  const w = textWidth(s, size, bold);
  return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
}
