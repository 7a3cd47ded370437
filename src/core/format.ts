/**
 * How numbers, money and plurals are written for people, in the terminal and on the report page alike: one
 * format everywhere. Pure.
 */
import {groupThousands} from './strings.js';

/** A count with its thousands grouped: 197,839. */
export function count(n: number): string {
  return groupThousands(Math.round(n));
}

/** A count and its noun, singular or plural: "1 row", "3 rows", "1 company", "197,839 companies". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/**
 * Dollars in one style: to 3 significant digits with K/M/B from $1,000 on ($9.99K, $250K, $1.67M, $1.25B),
 * whole dollars from $100 ($950), cents below ($4.12, $42), and 4 decimals under a cent (running API costs).
 */
/** A segment's name in a sentence: smb -> SMB (a name of up to 3 letters is an acronym), mid_market -> mid-market. */
export function segmentLabel(segment: string): string {
  return /^[a-z]{1,3}$/.test(segment) ? segment.toUpperCase() : segment.replace(/_/g, '-');
}

export function formatUsd(value: number): string {
  const a = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (a === 0) return '$0';
  if (a < 0.01) return `${sign}$${a.toFixed(4)}`;
  if (a < 99.995) return `${sign}$${a.toFixed(2).replace(/\.00$/, '')}`;
  if (a < 999.5) return `${sign}$${Math.round(a)}`;
  const [v, unit] = a < 999_500 ? [a / 1e3, 'K'] : a < 999_500_000 ? [a / 1e6, 'M'] : [a / 1e9, 'B'];
  return `${sign}$${trimZeros(v.toFixed(v < 9.995 ? 2 : v < 99.95 ? 1 : 0))}${unit}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A share as a percentage: 0.173 -> 17.3% (digits 1); null -> n/a. */
export function formatPct(value: number | null, digits = 0): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(digits)}%`;
}

/**
 * Wraps each line of `text` to `width` columns at spaces; a line's continuations start at its column `hang`
 * (default: its own indentation; valueColumn for "  label    value" lines), and what comes before that column
 * is kept as it is. A word longer than the room is left whole. `width` undefined or under 20: as is.
 */
export function wrapText(text: string, width: number | undefined, hang: (line: string) => number = indentation): string {
  if (!width || width < 20) return text;
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width) return line;
      const at = Math.min(hang(line), Math.floor(width / 2));
      const lines: string[] = [];
      let current = line.slice(0, at);
      let fresh = true;
      for (const word of line.slice(at).split(' ')) {
        if (fresh || current.length + 1 + word.length <= width) current += fresh ? word : ` ${word}`;
        else {
          lines.push(current.trimEnd());
          current = ' '.repeat(at) + word;
        }
        fresh = word === '' ? fresh : false;
      }
      lines.push(current.trimEnd());
      return lines.join('\n');
    })
    .join('\n');
}

const indentation = (line: string): number => line.match(/^ */)![0].length;

/** The column where the value starts in a "  label      value" line (two or more spaces after the label). */
export function valueColumn(line: string): number {
  const m = /^(\s*\S.*?\s{2,})\S/.exec(line);
  return m ? m[1].length : indentation(line);
}
