import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The installed package's root (where its own config/ and data/input/ live). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_INPUT = 'data/input/companies_clay.csv';
export const DEFAULT_CONFIG_DIR = 'config';

export interface Resolved {
  path: string;
  /** Set when the packaged default was used because the working directory has none. */
  fallback?: string;
  /**
   * How summaries and the report name the file: for the packaged default `<package>/<default>`, the same
   * wherever the package is installed (npx unpacks it in a folder of its own); otherwise undefined (its path).
   */
  name?: string;
}

/** How summaries and the report name a file shipped in the package. */
export const packageName = (relativePath: string) => `<package>/${relativePath}`;

/**
 * A path the user left at its default falls back to the copy shipped in the package when the working
 * directory has none (so `npx stedi-gtm run` works in an empty directory). Explicit paths never fall back.
 */
export function resolveWithFallback(given: string, defaultValue: string, explicit: boolean, what: string): Resolved {
  const local = resolve(given);
  if (explicit || given !== defaultValue || existsSync(local)) return {path: local};
  const packaged = join(PACKAGE_ROOT, defaultValue);
  if (packaged !== local && existsSync(packaged)) {
    return {path: packaged, fallback: `no ${defaultValue} here: using the ${what} shipped with stedi-gtm (${packaged})`, name: packageName(defaultValue)};
  }
  return {path: local};
}

/** Where each stage reads and writes, under --data-dir. */
export function dataPaths(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    raw: join(root, 'raw'),
    interim: join(root, 'interim'),
    final: join(root, 'final'),
    companies: join(root, 'raw', 'companies.csv'),
    leads: join(root, 'raw', 'leads.csv'),
    deals: join(root, 'raw', 'deals.csv'),
    history: join(root, 'raw', 'opportunity_history.csv'),
    snapshots: join(root, 'raw', 'pipeline_snapshots.csv'),
    reps: join(root, 'raw', 'reps.csv'),
    billing: join(root, 'raw', 'billing.csv'),
    invoices: join(root, 'raw', 'invoices.csv'),
    unified: join(root, 'final', 'unified.csv'),
    arrMovements: join(root, 'final', 'arr_movements.csv'),
    rejects: join(root, 'interim', 'rejects.csv'),
    enrichSummary: join(root, 'interim', 'enrich_summary.json'),
    dealsSummary: join(root, 'interim', 'deals_summary.json'),
    billingSummary: join(root, 'interim', 'billing_summary.json'),
    defaultCache: join(root, 'interim', 'enrich_cache'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;
