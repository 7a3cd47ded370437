import {join} from 'node:path';
import {previousCustomerDomains} from '../../core/accounts.js';
import {ingestRules, type IngestRules} from '../../core/ingest.js';
import {loadYamlConfig} from '../../io/config.js';
import type {Reporter} from '../../io/reporter.js';
import {CONFIG_SCHEMAS} from '../../schemas/config-files.js';
import type {IcpRules} from '../../schemas/icp-rules.js';

export function loadIcpRules(configDir: string): Promise<IcpRules> {
  return loadYamlConfig(join(configDir, 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);
}

/** config/ingest.yml, compiled: how the export's rows are cleaned before they become companies. */
export async function loadIngestRules(configDir: string): Promise<IngestRules> {
  return ingestRules(await loadYamlConfig(join(configDir, 'ingest.yml'), CONFIG_SCHEMAS['ingest.yml']));
}

export async function loadPreviousCustomers(configDir: string, reporter?: Reporter): Promise<Set<string>> {
  const file = join(configDir, 'previous_customers.yml');
  const cfg = await loadYamlConfig(file, CONFIG_SCHEMAS['previous_customers.yml']);
  const {set, invalid} = previousCustomerDomains(cfg.customers.map((c) => c.domain));
  if (invalid.length) reporter?.warn(`${file}: ignoring entries that are not domains: ${invalid.join(', ')}`);
  return set;
}
