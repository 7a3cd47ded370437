import type {Reporter} from '../io/reporter.js';
import type {IcpRules} from '../schemas/icp-rules.js';
import type {EnrichmentProvider} from './types.js';

/**
 * The enrichment provider registry: every provider registers its name, a short description, the flags it
 * adds to `enrich` and `run`, and a factory. The --provider flag (its options and help), the provider flags
 * of `enrich` and `run`, the enrichment_source values of companies.csv and the provider the enrich stage
 * creates all come from here, so a new provider touches its own folder and the one line that registers it
 * (src/providers/index.ts). This module imports nothing at run time: providers load their code in create().
 */

/** A flag definition as oclif's Flags.* return it (kept structural, so this module needs no oclif import). */
export type ProviderFlag = {readonly description?: string; readonly helpGroup?: string} & object;

/** What a provider's factory gets from the enrich stage. */
export interface ProviderContext {
  rules: IcpRules;
  cacheDir: string;
  /** The command's parsed flags (the provider reads its own, e.g. --model, --concurrency). */
  flags: Record<string, unknown>;
  reporter: Reporter;
  /** The resolved config folder (e.g. the openai provider reads openai.yml there). */
  configDir?: string;
}

export interface ProviderDefinition {
  /** The --provider value and the enrichment_source of the rows it answers (lower case, [a-z0-9_-]). */
  name: string;
  /** A few words for --help, e.g. "offline" or "paid calls". */
  description: string;
  /** The flags it adds to `enrich` and `run` (oclif flag definitions; a name two providers share must be the same definition). */
  flags?: Readonly<Record<string, ProviderFlag>>;
  /** Other enrichment_source values its rows may carry, with what each means (e.g. rules_fallback). */
  sources?: Readonly<Record<string, string>>;
  /** --provider auto picks it when `when(env)` holds (checked in registration order; else the first registered provider). */
  auto?: {
    when(env: NodeJS.ProcessEnv): boolean;
    /** e.g. "OPENAI_API_KEY is set" */ because: string;
    /** e.g. "no OPENAI_API_KEY set" */ otherwise: string;
  };
  /** Whether it writes answers under --cache-dir (the folder is then checked writable before the run). */
  usesCache?: boolean;
  create(ctx: ProviderContext): Promise<EnrichmentProvider> | EnrichmentProvider;
}

const registry = new Map<string, ProviderDefinition>();
const NAME = /^[a-z][a-z0-9_-]*$/;

/** Registers a provider. Throws on a name taken (or reserved: auto), and on a flag defined differently by another provider. */
export function registerProvider(def: ProviderDefinition): void {
  if (!NAME.test(def.name) || def.name === 'auto')
    throw new Error(`provider name ${JSON.stringify(def.name)}: expected lower-case letters, digits, _ or -, and not auto`);
  if (registry.has(def.name) || enrichmentSourceNames().includes(def.name)) throw new Error(`provider ${def.name} is registered already`);
  const flags = providerFlags();
  for (const [name, flag] of Object.entries(def.flags ?? {})) {
    if (name in flags && flags[name] !== flag)
      throw new Error(`provider ${def.name}: flag --${name} is defined already by another provider (share its definition instead)`);
  }
  registry.set(def.name, def);
}

/** The registered providers, in registration order. */
export function providers(): ProviderDefinition[] {
  return [...registry.values()];
}

export function providerNames(): string[] {
  return [...registry.keys()];
}

/** The --provider options: auto, then every registered provider. */
export function providerChoices(): string[] {
  return ['auto', ...providerNames()];
}

export function getProvider(name: string): ProviderDefinition {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown enrichment provider ${JSON.stringify(name)} (known: ${providerNames().join(', ')})`);
  return def;
}

/** Every provider's flags, merged (a flag shared by two providers appears once). */
export function providerFlags(): Record<string, ProviderFlag> {
  return Object.assign({}, ...providers().map((p) => p.flags ?? {}));
}

/** The values of companies.csv's enrichment_source: the providers' names, then their other sources. */
export function enrichmentSourceNames(): string[] {
  return [...providerNames(), ...providers().flatMap((p) => Object.keys(p.sources ?? {}))];
}

/** The enrichment_source column's description, e.g. "rules, openai, or rules_fallback (OpenAI failed for this company)". */
export function enrichmentSourceDescription(): string {
  const items = [...providerNames(), ...providers().flatMap((p) => Object.entries(p.sources ?? {}).map(([s, why]) => `${s} (${why})`))];
  const list = items.length > 1 ? `${items.slice(0, -1).join(', ')}, or ${items.at(-1)}` : (items[0] ?? '');
  return `Which provider produced this row: ${list}.`;
}

/** The --provider flag's description: what auto picks. */
export function providerFlagDescription(): string {
  const all = providers();
  const fallback = all.find((p) => !p.auto) ?? all[0];
  const autos = all.filter((p) => p.auto).map((p) => `${p.name} when ${p.auto!.because} (${p.description})`);
  const rest = fallback ? `${fallback.name} (${fallback.description})` : 'none';
  return `Enrichment provider: auto = ${[...autos, rest].join(', else ')}.`;
}

/**
 * The provider --provider names: itself, or for auto the first provider whose auto condition holds, else the
 * first registered provider without one. `why` is what to print after the name (empty unless auto).
 */
export function chooseProvider(choice: string, env: NodeJS.ProcessEnv = process.env): {name: string; why: string} {
  if (choice !== 'auto') return {name: getProvider(choice).name, why: ''};
  const all = providers();
  const picked = all.find((p) => p.auto?.when(env));
  if (picked) return {name: picked.name, why: ` (auto: ${picked.auto!.because})`};
  const fallback = all.find((p) => !p.auto) ?? all[0];
  if (!fallback) throw new Error('no enrichment provider is registered');
  const not = all.filter((p) => p.auto).map((p) => p.auto!.otherwise);
  return {name: fallback.name, why: not.length ? ` (auto: ${not.join(', ')})` : ''};
}

/** Creates the named provider. */
export async function createProvider(name: string, ctx: ProviderContext): Promise<EnrichmentProvider> {
  return getProvider(name).create(ctx);
}
