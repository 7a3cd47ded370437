/** One format for numbers, money and plurals, and text wrapped to the terminal's width. */
import {formatUsd, plural, valueColumn, wrapText} from '../src/core/format.js';
import {closestMatch} from '../src/core/strings.js';

describe('formatUsd', () => {
  it('writes every amount in one style', () => {
    expect([0, 0.0042, 4.1, 4.123, 42, 99.999, 950, 1234, 42_500, 465_400, 2_082_400, 1_666_582_200, -1500].map(formatUsd)).toEqual([
      '$0',
      '$0.0042',
      '$4.10',
      '$4.12',
      '$42',
      '$100',
      '$950',
      '$1.23K',
      '$42.5K',
      '$465K',
      '$2.08M',
      '$1.67B',
      '-$1.5K',
    ]);
  });
});

describe('plural', () => {
  it('groups the thousands and picks the noun', () => {
    expect([
      plural(1, 'row'),
      plural(0, 'row'),
      plural(3, 'row'),
      plural(1, 'company', 'companies'),
      plural(197_839, 'company', 'companies'),
    ]).toEqual(['1 row', '0 rows', '3 rows', '1 company', '197,839 companies']);
  });
});

describe('wrapText', () => {
  const line = '  loss reasons      no_decision 51.6%, competitor 22.6%, budget 6.5%, timing 12.9%, security_compliance 3.2%, build_in_house 3.2%';

  it('wraps at spaces, never inside a word, continuing under the value column', () => {
    const out = wrapText(`${line}\n  targets           8 within range`, 60, valueColumn).split('\n');
    expect(out).toEqual([
      '  loss reasons      no_decision 51.6%, competitor 22.6%,',
      '                    budget 6.5%, timing 12.9%,',
      '                    security_compliance 3.2%, build_in_house',
      '                    3.2%',
      '  targets           8 within range',
    ]);
    for (const l of out) expect(l.length).toBeLessThanOrEqual(60);
    expect(out.join(' ').replace(/\s+/g, ' ')).toBe(`${line} targets 8 within range`.replace(/\s+/g, ' '));
  });

  it('leaves text alone without a width, and a word longer than the room whole', () => {
    expect(wrapText(line, undefined)).toBe(line);
    expect(wrapText('Wrote /a/very/long/path/that/does/not/fit/anywhere/at/all.csv now', 24)).toBe(
      'Wrote\n/a/very/long/path/that/does/not/fit/anywhere/at/all.csv\nnow',
    );
  });
});

describe('closestMatch', () => {
  it('suggests the nearest candidate, and none when nothing is near', () => {
    expect(closestMatch('enrch', ['billing', 'deals', 'enrich', 'report'])).toBe('enrich');
    expect(closestMatch('--sed', ['--seed', '--shard', '--json'])).toBe('--seed');
    expect(closestMatch('zzz', ['billing', 'deals', 'enrich'])).toBeUndefined();
  });
});
