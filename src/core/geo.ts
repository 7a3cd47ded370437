/** Reference tables for reading Clay's Location and Country fields. Pure data and lookups. */

const US_STATES: Readonly<Record<string, string>> = {
  alabama: 'AL',
  alaska: 'AK',
  arizona: 'AZ',
  arkansas: 'AR',
  california: 'CA',
  colorado: 'CO',
  connecticut: 'CT',
  delaware: 'DE',
  'district of columbia': 'DC',
  florida: 'FL',
  georgia: 'GA',
  hawaii: 'HI',
  idaho: 'ID',
  illinois: 'IL',
  indiana: 'IN',
  iowa: 'IA',
  kansas: 'KS',
  kentucky: 'KY',
  louisiana: 'LA',
  maine: 'ME',
  maryland: 'MD',
  massachusetts: 'MA',
  michigan: 'MI',
  minnesota: 'MN',
  mississippi: 'MS',
  missouri: 'MO',
  montana: 'MT',
  nebraska: 'NE',
  nevada: 'NV',
  'new hampshire': 'NH',
  'new jersey': 'NJ',
  'new mexico': 'NM',
  'new york': 'NY',
  'north carolina': 'NC',
  'north dakota': 'ND',
  ohio: 'OH',
  oklahoma: 'OK',
  oregon: 'OR',
  pennsylvania: 'PA',
  'rhode island': 'RI',
  'south carolina': 'SC',
  'south dakota': 'SD',
  tennessee: 'TN',
  texas: 'TX',
  utah: 'UT',
  vermont: 'VT',
  virginia: 'VA',
  washington: 'WA',
  'west virginia': 'WV',
  wisconsin: 'WI',
  wyoming: 'WY',
  'puerto rico': 'PR',
  guam: 'GU',
  'u.s. virgin islands': 'VI',
  'washington dc': 'DC',
  'washington d.c.': 'DC',
};

const CA_PROVINCES: Readonly<Record<string, string>> = {
  alberta: 'AB',
  'british columbia': 'BC',
  manitoba: 'MB',
  'new brunswick': 'NB',
  'newfoundland and labrador': 'NL',
  'nova scotia': 'NS',
  ontario: 'ON',
  'prince edward island': 'PE',
  quebec: 'QC',
  québec: 'QC',
  saskatchewan: 'SK',
  'northwest territories': 'NT',
  nunavut: 'NU',
  yukon: 'YT',
};

const US_CODES = new Set(Object.values(US_STATES));
const CA_CODES = new Set(Object.values(CA_PROVINCES));

const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  usa: 'US',
  'u.s.': 'US',
  'u.s.a.': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'u.k.': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'great britain': 'GB',
  'south korea': 'KR',
  korea: 'KR',
  russia: 'RU',
  'czech republic': 'CZ',
  uae: 'AE',
  vietnam: 'VN',
  'the netherlands': 'NL',
  holland: 'NL',
  turkey: 'TR',
  'ivory coast': 'CI',
  'hong kong': 'HK',
  taiwan: 'TW',
};

let countryIndex: Map<string, string> | undefined;

/** English country name (lower-case) to ISO 3166-1 alpha-2, built once from Intl's region names. */
function countries(): Map<string, string> {
  if (countryIndex) return countryIndex;
  const names = new Intl.DisplayNames(['en'], {type: 'region', fallback: 'code'});
  const index = new Map<string, string>();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      // Deprecated codes (UK, BU, DD) canonicalise to another code; private-use and groupings (ZZ, EU) are not countries.
      const canonical = Intl.getCanonicalLocales(`und-${code}`)[0].slice(4);
      if (!name || name === code || /^(?:Q[M-Z]|X[A-Z]|ZZ|EU|EZ|UN)$/.test(code)) continue;
      index.set(code.toLowerCase(), canonical);
      if (canonical === code) index.set(name.toLowerCase(), code);
    }
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) index.set(alias, code);
  countryIndex = index;
  return index;
}

/** `United States` -> `US`; an ISO code passes through; unknown -> ''. */
export function countryCode(raw: string): string {
  const key = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!key) return '';
  return countries().get(key) ?? '';
}

/** Reads `City, State` (state spelled out or abbreviated), a lone city, or longer comma lists. */
export function parseLocation(raw: string, country: string): {city: string; state: string} {
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return {city: '', state: ''};
  // Drop a trailing country name ("Austin, Texas, United States").
  if (parts.length > 1 && countryCode(parts[parts.length - 1]) !== '' && !stateCode(parts[parts.length - 1], country)) {
    parts.pop();
  }
  for (let i = parts.length - 1; i >= 1; i--) {
    const code = stateCode(parts[i], country);
    if (code) return {city: parts[i - 1], state: code};
  }
  if (parts.length === 1) {
    const code = stateCode(parts[0], country);
    return code ? {city: '', state: code} : {city: parts[0], state: ''};
  }
  return {city: parts[parts.length - 2], state: ''};
}

function stateCode(part: string, country: string): string {
  const lower = part.toLowerCase().replace(/\s+/g, ' ');
  const upper = part.toUpperCase();
  if (country === 'US' || country === '') {
    if (US_STATES[lower]) return US_STATES[lower];
    if (upper.length === 2 && US_CODES.has(upper)) return upper;
  }
  if (country === 'CA' || country === '') {
    if (CA_PROVINCES[lower]) return CA_PROVINCES[lower];
    if (upper.length === 2 && CA_CODES.has(upper)) return upper;
  }
  return '';
}
