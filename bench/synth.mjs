#!/usr/bin/env node
// Synthesises a deterministic N-row Clay "Find companies" export for benchmarks:
//   node bench/synth.mjs --rows 100000 --out bench/out/clay-100000.csv [--seed 1]
// Realistic shape: every field quoted, CRLF, descriptions of ~600 characters (half with line breaks,
// some with EDI / clearinghouse / FHIR language), every Clay size label, ~4% missing domains, ~5% rows
// sharing a domain with another row (franchise pages), a few junk rows with nothing usable.
import {createWriteStream, mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {parseArgs} from 'node:util';
import {xoroshiro128plus} from 'pure-rand/generator/xoroshiro128plus';
import {uniformInt} from 'pure-rand/distribution/uniformInt';

const {values} = parseArgs({options: {rows: {type: 'string', default: '10000'}, out: {type: 'string'}, seed: {type: 'string', default: '1'}}});
const rows = Number(values.rows);
const out = values.out ?? `bench/out/clay-${rows}.csv`;
const rng = xoroshiro128plus(Number(values.seed));
const int = (lo, hi) => uniformInt(rng, lo, hi);
const pick = (arr) => arr[int(0, arr.length - 1)];
const chance = (p) => int(0, 9999) < p * 10000;

const SIZES = [
  ['11-50 employees', 856],
  ['51-200 employees', 632],
  ['2-10 employees', 508],
  ['201-500 employees', 206],
  ['501-1,000 employees', 87],
  ['1,001-5,000 employees', 87],
  ['10,001+ employees', 32],
  ['Self-employed', 32],
  ['5,001-10,000 employees', 21],
  ['', 2],
];
const SIZE_TOTAL = SIZES.reduce((s, [, w]) => s + w, 0);
const size = () => {
  let r = int(0, SIZE_TOTAL - 1);
  for (const [label, w] of SIZES) if ((r -= w) < 0) return label;
  return '';
};
const INDUSTRIES = [
  'Home Health Care Services',
  'Home Health Care Services',
  'Home Health Care Services',
  'Hospitals and Health Care',
  'Hospitals and Health Care',
  'Software Development',
  'Insurance',
  'IT Services and IT Consulting',
  'Technology, Information and Internet',
  'Medical Equipment Manufacturing',
  'Medical Practices',
  'Financial Services',
  'Business Consulting and Services',
  'Staffing and Recruiting',
  'Restaurants',
  'Construction',
];
const TYPES = [
  'Privately Held',
  'Privately Held',
  'Privately Held',
  'Public Company',
  'Self Owned',
  'Partnership',
  'Non Profit',
  'Self Employed',
  'Educational',
  'Government Agency',
  '',
];
const PLACES = [
  'Boulder, Colorado',
  'Malvern, PA',
  'Naples',
  'Austin, Texas',
  'Nashville, TN',
  'Boston, Massachusetts',
  'Phoenix, AZ',
  'Columbus, Ohio',
  '',
  'Suite 200, Tampa, FL',
];
const WORDS = [
  'Summit',
  'Harbor',
  'Cedar',
  'Beacon',
  'Northstar',
  'Evergreen',
  'Blue Ridge',
  'Silver',
  'Pioneer',
  'Keystone',
  'Meridian',
  'Golden',
  'Bright',
  'Oak',
  'River',
  'Liberty',
  'Apex',
  'Crest',
  'Unity',
  'Vista',
];
const KINDS = [
  'Home Health',
  'Home Care',
  'Medical Billing',
  'RCM Partners',
  'Health Systems',
  'Family Medicine',
  'Dental Group',
  'Health IT',
  'Benefits',
  'Diagnostics',
  'Pharmacy',
  'Therapy Group',
  'Builders',
  'Kitchen',
];
const PLAIN = [
  'We provide compassionate, personalized care to seniors and adults with disabilities in the comfort of their own homes.',
  'Our team of registered nurses, therapists and aides is available around the clock, seven days a week.',
  'Founded by clinicians, we believe every patient deserves dignity, independence and a care plan built around their goals.',
  'We serve families across the region and accept Medicare, Medicaid and most commercial insurance plans.',
  'Our mission is to improve outcomes while lowering the total cost of care for the communities we serve.',
  'We partner with hospitals, physician groups and skilled nursing facilities to make every transition of care safe.',
  'Join our growing team: we are hiring caregivers, schedulers and clinical leaders who share our values.',
];
const TECH = [
  'We submit 837 claims and post 835 remittance over X12 EDI through Availity and Change Healthcare.',
  'Our platform automates 270/271 eligibility checks and 276/277 claim status for payers and providers.',
  'We integrate with Epic and Cerner through FHIR APIs and HL7 v2 interfaces.',
  'Our revenue cycle services cover coding, prior authorization, denial management and clearinghouse enrollment.',
  'HIPAA-compliant workflows connect practices to Waystar, Office Ally and TriZetto.',
];

function description() {
  if (chance(0.01)) return '';
  const parts = [];
  let len = 0;
  const target = 350 + int(0, 500);
  const tech = chance(0.2);
  while (len < target) {
    const s = tech && chance(0.35) ? pick(TECH) : pick(PLAIN);
    parts.push(s);
    len += s.length + 1;
  }
  return chance(0.5) ? parts.join(chance(0.3) ? '\r\n\r\n' : '\n\n') : parts.join(' ');
}

const q = (s) => `"${s.replaceAll('"', '""')}"`;
mkdirSync(dirname(out), {recursive: true});
const file = createWriteStream(out);
const write = (line) => (file.write(line) ? Promise.resolve() : new Promise((r) => file.once('drain', r)));
await write(
  ['Find companies', 'Name', 'Description', 'Primary Industry', 'Size', 'Type', 'Location', 'Country', 'Domain', 'LinkedIn URL'].map(q).join(',') +
    '\r\n',
);
let batch = [];
for (let i = 0; i < rows; i++) {
  const junk = chance(0.001);
  const brand = `${pick(WORDS)} ${pick(KINDS)}`;
  const shared = chance(0.05);
  // Shared domains: a small pool of franchise brands, so groups of several rows form across the file.
  const domain =
    junk || chance(0.04)
      ? ''
      : shared
        ? `${pick(WORDS).toLowerCase().replace(' ', '')}franchise${int(0, Math.max(1, Math.floor(rows / 200)))}.com`
        : `${brand.toLowerCase().replace(/[^a-z]/g, '')}${i}.com`;
  const name = junk ? '' : shared ? `${brand} of ${pick(PLACES).split(',')[0] || 'Springfield'}` : `${brand} ${i}`;
  const linkedin = junk ? '' : `https://www.linkedin.com/company/${brand.toLowerCase().replace(/[^a-z]+/g, '-')}-${i}`;
  const country = chance(0.97) ? 'United States' : pick(['Canada', 'United Kingdom', 'India', '']);
  batch.push(['', name, description(), pick(INDUSTRIES), size(), pick(TYPES), pick(PLACES), country, domain, linkedin].map(q).join(',') + '\r\n');
  if (batch.length === 2000) {
    await write(batch.join(''));
    batch = [];
  }
}
await write(batch.join(''));
await new Promise((r) => file.end(r));
process.stdout.write(`${out}\n`);
