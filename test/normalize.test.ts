import fc from 'fast-check';
import {normalizeDomain, parseSize, linkedinSlug, nameKey, SIZE_BANDS} from '../src/core/normalize.js';
import {countryCode, parseLocation} from '../src/core/geo.js';

describe('normalizeDomain', () => {
  it.each([
    ['https://www.Example.com/about', 'example.com'],
    ['WWW.example.com', 'example.com'],
    ['example.com.', 'example.com'],
    ['http://example.com/about-us?x=1', 'example.com'],
    ['  shop.example.co.uk ', 'example.co.uk'],
    ['coveredhealth.ai', 'coveredhealth.ai'],
    ['lknstrategies.us', 'lknstrategies.us'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeDomain(raw)).toEqual({domain: expected, status: 'ok'});
  });

  it.each([
    ['a.github.io', 'a.github.io'],
    ['https://www.b.github.io/about', 'b.github.io'],
    ['docs.myapp.herokuapp.com', 'myapp.herokuapp.com'],
    ['clinic.netlify.app', 'clinic.netlify.app'],
    ['homecare.wixsite.com/home', 'homecare.wixsite.com'],
    ['http://caregivers.blogspot.com/', 'caregivers.blogspot.com'],
    // A private suffix itself is its operator's domain; ordinary domains read as before.
    ['github.io', 'github.io'],
    ['www.foo.co.uk', 'foo.co.uk'],
    ['shop.example.com.au', 'example.com.au'],
  ])('%s -> %s (under a private suffix, the site is a registrable domain of its own)', (raw, expected) => {
    expect(normalizeDomain(raw)).toEqual({domain: expected, status: 'ok'});
  });

  it('keeps two sites under one private suffix apart (property)', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
    fc.assert(
      fc.property(
        label,
        label,
        fc.constantFrom('github.io', 'herokuapp.com', 'netlify.app', 'wixsite.com', 'blogspot.com', 'vercel.app'),
        (a, b, suffix) => {
          fc.pre(a !== b && a !== 'www' && b !== 'www');
          expect(normalizeDomain(`https://www.${a}.${suffix}/`).domain).toBe(`${a}.${suffix}`);
          expect(normalizeDomain(`${a}.${suffix}`).domain).not.toBe(normalizeDomain(`${b}.${suffix}`).domain);
        },
      ),
    );
  });

  it.each(['', '   ', 'n/a', 'N/A', 'none'])('"%s" is missing', (raw) => {
    expect(normalizeDomain(raw)).toEqual({domain: '', status: 'missing'});
  });

  it.each(['localhost', 'not a domain', '192.168.0.1', 'http://', 'foo'])('"%s" is invalid', (raw) => {
    expect(normalizeDomain(raw)).toEqual({domain: '', status: 'invalid'});
  });
});

describe('parseSize', () => {
  it.each([
    ['11-50 employees', '11-50', 11, 50],
    ['501-1,000 employees', '501-1000', 501, 1000],
    ['1,001-5,000 employees', '1001-5000', 1001, 5000],
    ['5,001-10,000 employees', '5001-10000', 5001, 10000],
    ['10,001+ employees', '10001+', 10001, null],
    ['Self-employed', '1', 1, 1],
    ['self employed', '1', 1, 1],
    ['2-10 employees', '2-10', 2, 10],
    ['201-500', '201-500', 201, 500],
    ['1 employee', '1', 1, 1],
  ])('%s -> %s', (raw, band, min, max) => {
    expect(parseSize(raw)).toEqual({size_band: band, employees_min: min, employees_max: max});
  });

  it.each(['', 'unknown', 'lots'])('"%s" is unknown', (raw) => {
    expect(parseSize(raw)).toEqual({size_band: 'unknown', employees_min: null, employees_max: null});
  });

  it('puts every count in the band that contains it', () => {
    for (const band of SIZE_BANDS) {
      const lo = Number(band.split(/[-+]/)[0]);
      expect(parseSize(String(lo)).size_band).toBe(band);
    }
    expect(parseSize('10').size_band).toBe('2-10');
    expect(parseSize('1000000').size_band).toBe('10001+');
  });
});

describe('countryCode', () => {
  it.each([
    ['United States', 'US'],
    ['united states', 'US'],
    ['US', 'US'],
    ['USA', 'US'],
    ['United Kingdom', 'GB'],
    ['Canada', 'CA'],
    ['India', 'IN'],
    ['Germany', 'DE'],
    ['Australia', 'AU'],
    ['', ''],
    ['Atlantis', ''],
  ])('%s -> %s', (raw, code) => expect(countryCode(raw)).toBe(code));
});

describe('parseLocation', () => {
  it.each([
    ['Boulder, Colorado', 'US', 'Boulder', 'CO'],
    ['Malvern, PA', 'US', 'Malvern', 'PA'],
    ['Naples', 'US', 'Naples', ''],
    ['', 'US', '', ''],
    ['New Orleans, Louisiana, United States', 'US', 'New Orleans', 'LA'],
    ['Suite 200, Boston, MA', 'US', 'Boston', 'MA'],
    ['Toronto, Ontario', 'CA', 'Toronto', 'ON'],
    ['London', 'GB', 'London', ''],
    ['Texas', 'US', '', 'TX'],
  ])('%s (%s) -> %s, %s', (raw, country, city, state) => {
    expect(parseLocation(raw, country)).toEqual({city, state});
  });
});

describe('linkedinSlug and nameKey', () => {
  it('reads the company slug from any form of a LinkedIn company URL', () => {
    expect(linkedinSlug('https://www.linkedin.com/company/Acme-Health/')).toBe('acme-health');
    expect(linkedinSlug('linkedin.com/company/acme?trk=x')).toBe('acme');
    expect(linkedinSlug('https://example.com/acme')).toBe('');
  });
  it('folds case, accents and punctuation', () => {
    expect(nameKey('  Clínica  Médica, Inc. ')).toBe('clinica medica inc');
    expect(nameKey('Zoë’s Home-Care')).toBe(nameKey('zoe s home care'));
  });
});

describe('linkedinSlug with a broken %-escape', () => {
  it('keeps the slug as written instead of failing', () => {
    expect(linkedinSlug('https://www.linkedin.com/company/acme%E0%A4%A')).toBe('acme%e0%a4%a');
    expect(linkedinSlug('https://www.linkedin.com/company/caf%C3%A9')).toBe('café');
  });
});
