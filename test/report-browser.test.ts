/**
 * Opens the report of the sample dataset in headless Chromium (Debian's package, installed by .ci/run):
 * it must load from disk with no console error and no network request, and every chart must show marks.
 * Saves a screenshot and a PDF print as <os tmpdir>/stedi-gtm-report.{png,pdf} (kept, to look at); with
 * UPDATE_SCREENSHOT=1 the screenshot, compressed by pngquant, also replaces docs/report-screenshot.png (the README's). CHROMIUM_PATH overrides
 * /usr/bin/chromium. Without Chromium the file is skipped with one line saying what to install, unless CI is set
 * (then it fails); SKIP_BROWSER_TESTS=1 skips it in any case.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import type {Browser} from 'playwright-core';
import {createReporter} from '../src/io/reporter.js';
import {dataPaths} from '../src/io/paths.js';
import {runBilling} from '../src/stages/billing.js';
import {runDeals} from '../src/stages/deals.js';
import {enrichStage} from '../src/stages/enrich.js';
import {reportStage, type ReportResult} from '../src/stages/report.js';
import {runUnify} from '../src/stages/unify.js';
import {tempDir} from './helpers/cli.js';
import {describeIfAvailable} from './helpers/requirements.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.SKIP_BROWSER_TESTS === '1';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');

/** Builds the whole dataset from the sample export (offline rules provider) and its report. */
async function sampleReport(dir: string): Promise<ReportResult> {
  const paths = dataPaths(dir);
  const reporter = await createReporter('quiet');
  await enrichStage({input: SAMPLE, paths, configDir: CONFIG, cacheDir: paths.defaultCache, reporter, provider: 'rules'});
  const sim = {paths, configDir: CONFIG, seed: 42, reporter};
  await runDeals(sim);
  await runBilling(sim);
  await runUnify(sim);
  return reportStage({paths, reporter});
}

const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`;

(SKIP ? describe.skip : describeIfAvailable(missing, 'the browser tests of the report'))('report in a browser', () => {
  let t: ReturnType<typeof tempDir>;
  let browser: Browser;
  let report: ReportResult;

  beforeAll(async () => {
    t = tempDir('stedi-gtm-report-');
    report = await sampleReport(join(t.dir, 'data'));
    const {chromium} = await import('playwright-core');
    browser = await chromium.launch({executablePath: CHROMIUM, args: LAUNCH_ARGS});
  });

  afterAll(async () => {
    await browser?.close();
    t?.cleanup();
  });

  it('loads from disk with no console error and no network request, and draws every chart', async () => {
    const page = await browser.newPage({viewport: {width: 1366, height: 900}});
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!/^(file|data):/.test(r.url())) requests.push(r.url());
    });
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    const response = await page.goto(pathToFileURL(report.report).href, {waitUntil: 'load'});
    expect(response?.ok() ?? true).toBe(true);
    await page.waitForLoadState('networkidle');

    const charts = await page.$$eval('figure[data-chart]', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          // Data marks are in Vega's role-mark groups (axes, legends and titles have their own roles).
          marks: f.querySelectorAll('svg g.role-mark > path, svg g.role-mark > line, svg g.role-mark > text, svg g.role-mark > rect').length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          title: svg?.querySelector('g.role-title text')?.textContent ?? '',
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual([
      'funnel',
      'loss_reasons',
      'win_rate_icp_tier',
      'win_rate_lead_source',
      'win_rate_segment',
      'cycle_by_segment',
      'pipeline_by_month',
      'pipeline_coverage',
      'arr_distribution',
      'arr_by_size',
      'mrr_over_time',
      'icp_mix',
      'techstack_mix',
    ]);
    for (const c of charts) {
      expect({id: c.id, hasMarks: c.marks > 0, visible: c.width > 300 && c.height > 100, titled: c.title.length > 0}).toEqual({
        id: c.id,
        hasMarks: true,
        visible: true,
        titled: true,
      });
    }
    // Readable at laptop width: nothing wider than the window.
    expect(await page.$eval('html', (html) => html.scrollWidth)).toBeLessThanOrEqual(1366);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const shot = join(tmpdir(), 'stedi-gtm-report.png');
    await page.screenshot({path: shot, fullPage: true});
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    if (process.env.UPDATE_SCREENSHOT === '1') {
      // The package ships the README's picture: quantized to a palette (pngquant), it is a third of the size.
      const readme = join(process.cwd(), 'docs', 'report-screenshot.png');
      const q = spawnSync('pngquant', ['--quality=60-85', '--speed', '1', '--strip', '--force', '--output', readme, shot], {encoding: 'utf8'});
      if (q.error || q.status !== 0)
        throw new Error(`UPDATE_SCREENSHOT=1 needs pngquant (Debian: apt-get install pngquant): ${q.error?.message ?? q.stderr}`);
    }
    await page.close();
  });

  it('prints to PDF with the charts kept whole', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report.report).href, {waitUntil: 'load'});
    await page.emulateMedia({media: 'print'});
    const avoid = await page.$$eval('figure.chart', (figs) =>
      figs.every((f) => f.ownerDocument.defaultView!.getComputedStyle(f).breakInside === 'avoid'),
    );
    expect(avoid).toBe(true);
    const pdf = await page.pdf({path: join(tmpdir(), 'stedi-gtm-report.pdf'), printBackground: true, preferCSSPageSize: true});
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(2);
    // Thirteen charts and the tables (checks, retention, the ARR bridge and the coverage by quarter, quota by rep).
    expect(pages).toBeLessThanOrEqual(12);
    await page.close();
  });
});
