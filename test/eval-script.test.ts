import {mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {CLAY_HEADER, clayCsv, runBuilt, tempDir} from './helpers/cli.js';

// `npm run eval` (dist/scripts/eval-enrichment.js, built): fictional companies, labels written here.
const SCRIPT = join(process.cwd(), 'dist', 'scripts', 'eval-enrichment.js');

const EXPORT = clayCsv(CLAY_HEADER, [
  [
    '',
    'Northwind Billing Partners',
    'Medical billing and revenue cycle management: electronic claims submission, ERA/835 posting and eligibility verification through Availity.',
    'Hospitals and Health Care',
    '11-50 employees',
    'Privately Held',
    'Denver, Colorado',
    'United States',
    'https://www.northwindbilling.com/',
    'https://www.linkedin.com/company/northwind-billing',
  ],
  [
    '',
    'Harbor Pediatrics',
    'Pediatric primary care clinic accepting most insurance plans.',
    'Medical Practices',
    '51-200 employees',
    'Privately Held',
    'Tampa, Florida',
    'United States',
    'harborpeds.com',
    'https://www.linkedin.com/company/harbor-peds',
  ],
  [
    '',
    'Quill Ledger Co',
    'Bookkeeping for restaurants.',
    'Accounting',
    '2-10 employees',
    'Privately Held',
    'Austin, Texas',
    'United States',
    'quill-ledger.com',
    'https://www.linkedin.com/company/quill-ledger',
  ],
  [
    '',
    'Maple Dental Studio',
    'Family dentistry.',
    'Medical Practices',
    '11-50 employees',
    'Privately Held',
    'Salem, Oregon',
    'United States',
    '',
    'https://www.linkedin.com/company/maple-dental-studio',
  ],
  [
    '',
    'Solo Claims Consulting',
    'Independent claims consultant.',
    'Hospitals and Health Care',
    'Self-employed',
    'Self-Employed',
    'Boise, Idaho',
    'United States',
    'soloclaims.com',
    'https://www.linkedin.com/company/solo-claims',
  ],
]);

const LABEL_HEADER = 'name,domain,kind,icp_fit,is_competitor,uses_x12,uses_clearinghouse,uses_fhir,uses_hl7,note';
const LABELS =
  [
    LABEL_HEADER,
    'Northwind Billing Partners,northwindbilling.com,rcm_billing,yes,no,yes,yes,unknown,unknown,',
    'Harbor Pediatrics,harborpeds.com,provider,yes,no,likely,likely,unknown,unknown,',
    'Quill Ledger Co,quill-ledger.com,non_healthcare,no,no,no,no,no,no,',
    'Maple Dental Studio,,provider,unsure,no,likely,unknown,unknown,unknown,',
    'Solo Claims Consulting,soloclaims.com,rcm_billing,yes,no,likely,likely,unknown,unknown,',
    'Ghost Health,ghost.com,payer,yes,no,likely,likely,unknown,unknown,',
  ].join('\n') + '\n';

/** companies.csv columns of today's enrichment that the measure reads, without company_kind and is_competitor. */
const COMPANIES_HEADER = 'company_id,name,domain,country,size_band,icp_fit,icp_reason,uses_x12,uses_clearinghouse,uses_fhir,uses_hl7';

function files(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const all: Record<string, string> = {'clay.csv': EXPORT, 'labels.csv': LABELS, ...extra};
  for (const [name, text] of Object.entries(all)) writeFileSync(join(dir, name), text);
  return Object.fromEntries(Object.keys(all).map((n) => [n, join(dir, n)]));
}

describe('npm run eval (built script)', () => {
  it('enriches the export with the rules in a temporary data dir it removes, joins the labels and scores them (--json)', () => {
    const t = tempDir('stedi-eval-');
    try {
      const f = files(t.dir);
      const tmp = join(t.dir, 'tmp');
      mkdirSync(tmp);
      const run = runBuilt([SCRIPT, '--input', f['clay.csv'], '--labels', f['labels.csv'], '--json'], {TMPDIR: tmp});
      expect([run.status, run.stderr]).toEqual([0, '']);
      const r = JSON.parse(run.stdout);
      expect(readdirSync(tmp)).toEqual([]);
      expect(r).toMatchObject({outputs: 5, labels: 6, joined: 5, joinedByDomain: 4, joinedByName: 1});
      expect(r.unjoined).toEqual([{row: 7, name: 'Ghost Health', domain: 'ghost.com', reason: 'no company has domain ghost.com or this name'}]);
      // Whatever the rules say: Maple's unsure is left out, Solo (self-employed) is out of icp_fit's scope.
      const icp = r.binary.icp_fit;
      expect([icp.scored, icp.positives, icp.negatives, icp.ignored, icp.outOfScope]).toEqual([3, 2, 1, 1, 1]);
      expect(icp.tp + icp.fp + icp.fn + icp.tn).toBe(3);
      expect(r.binary.uses_x12).toMatchObject({scored: 5, positives: 4});
      expect(r.stated.uses_x12.positives).toBe(1);
      expect(r.targets.map((x: {target: string}) => x.target)).toContain('icp_fit F1 >= 0.85');
    } finally {
      t.cleanup();
    }
  });

  it('scores an enriched companies.csv as it is (--companies), a missing column printed as such', () => {
    const t = tempDir('stedi-eval-');
    try {
      const rows = [
        'co_1,Northwind Billing Partners,northwindbilling.com,US,11-50,true,tier_2 because,true,true,false,false',
        'co_2,Harbor Pediatrics,harborpeds.com,US,51-200,false,not_icp because of reasons,false,false,false,false',
        'co_3,Quill Ledger Co,quill-ledger.com,US,2-10,false,,false,false,false,false',
      ];
      const today = files(t.dir, {'today.csv': [COMPANIES_HEADER, ...rows].join('\n') + '\n'});
      const run = runBuilt([SCRIPT, '--companies', today['today.csv'], '--labels', today['labels.csv']]);
      expect([run.status, run.stderr]).toEqual([0, '']);
      expect(run.stdout).toMatch(/labels: +\S+labels\.csv: 6 rows, 3 joined \(3 by domain, 0 by name\), 3 unjoined/);
      expect(run.stdout).toMatch(/\n {2}is_competitor +column missing\n/);
      expect(run.stdout).toMatch(/Company kind \(kind against company_kind\)\n {2}column missing/);
      // icp_fit: Northwind tp, Harbor fn (listed with its reason), Quill tn.
      expect(run.stdout).toMatch(/icp_fit +3 +2 +1 +0 +1 +0 +1 +1 +n\/a \(2 positives\)\n/);
      expect(run.stdout).toContain('Harbor Pediatrics (harborpeds.com): label yes, output false; not_icp because of reasons');

      const after = files(t.dir, {
        'after.csv':
          [
            `${COMPANIES_HEADER},company_kind,company_kind_reason,is_competitor`,
            ...rows.map((r, i) => `${r},${['rcm_billing', 'health_it', 'non_healthcare'][i]},reason ${i},false`),
          ].join('\n') + '\n',
      });
      const run2 = runBuilt([SCRIPT, '--companies', after['after.csv'], '--labels', after['labels.csv']]);
      expect(run2.status).toBe(0);
      expect(run2.stdout).toMatch(/\n {2}is_competitor +3 +0 +3 /);
      expect(run2.stdout).toContain('accuracy n/a (3 labels) (2 of 3 right; 0 left out)');
      expect(run2.stdout).toContain('provider -> health_it  1');
      expect(run2.stdout).toContain('Harbor Pediatrics (harborpeds.com): label provider, output health_it; reason 1');
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 with a clear message on bad input or usage', () => {
    const t = tempDir('stedi-eval-');
    try {
      const f = files(t.dir, {
        'bad-labels.csv': `${LABEL_HEADER}\nA,a.com,provider,yes,no,maybe,no,no,no,\n`,
        'no-columns.csv': 'name,domain\nA,a.com\n',
        'bad-export.csv': '"Name","Domain"\r\n"A","a.com"\r\n',
      });
      const cases: Array<[string[], RegExp]> = [
        [['--input', f['clay.csv'], '--labels', join(t.dir, 'nope.csv')], /nope\.csv: no such file \(the labels\)/],
        [['--input', join(t.dir, 'missing-export.csv'), '--labels', f['labels.csv']], /missing-export\.csv: no such file \(the Clay export\)/],
        [['--companies', join(t.dir, 'gone.csv'), '--labels', f['labels.csv']], /gone\.csv: no such file/],
        [['--input', f['clay.csv'], '--labels', f['bad-labels.csv']], /bad-labels\.csv: 1 label value\(s\) not allowed[^]*row 2, uses_x12: "maybe"/],
        [['--input', f['clay.csv'], '--labels', f['no-columns.csv']], /no-columns\.csv: missing column\(s\) kind, icp_fit/],
        [['--companies', f['labels.csv'], '--labels', f['labels.csv']], /labels\.csv: missing column\(s\) country, size_band/],
        [['--input', f['bad-export.csv'], '--labels', f['labels.csv']], /bad-export\.csv: the enrichment refused it: .*missing/i],
        [['--input', f['clay.csv'], '--companies', f['clay.csv']], /--input and --companies exclude each other/],
        [['--bogus'], /Unknown option '--bogus'/],
      ];
      for (const [args, message] of cases) {
        const run = runBuilt([SCRIPT, ...args]);
        expect([args, run.status, run.stdout]).toEqual([args, 2, '']);
        expect(run.stderr).toMatch(message);
      }
    } finally {
      t.cleanup();
    }
  });
});
