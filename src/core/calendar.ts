import {DateTime} from 'luxon';

/**
 * Calendar arithmetic on integer day numbers (days since 1970-01-01, UTC). luxon is used once, to build
 * the tables of a Calendar; per-row work (snapping to business days, quarter ends, adding months,
 * formatting) is array look-ups, so simulating a million companies creates no date objects.
 */
export type DayNumber = number;

const MS_PER_DAY = 86_400_000;
/**
 * UTC, and an explicit locale: nothing here depends on a locale (ISO dates, whole months), and without one
 * luxon asks ICU for the system's on first use, about 25 ms of every command's start.
 */
const UTC = {zone: 'utc', locale: 'en-US'} as const;
/**
 * The first day of the next month. (Not `plus({months: 1})`: luxon adds through a Duration made in the system's
 * locale, whatever the DateTime's.)
 */
const nextMonth = (m: DateTime): DateTime =>
  DateTime.fromObject(m.month === 12 ? {year: m.year + 1, month: 1, day: 1} : {year: m.year, month: m.month + 1, day: 1}, UTC) as DateTime;
const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** 0 for Monday ... 6 for Sunday (day 0, 1970-01-01, was a Thursday). */
export function weekdayIndex(day: DayNumber): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Parses a YYYY-MM-DD calendar date (a real one: 2025-02-30 is rejected). Returns null when invalid. */
export function parseIsoDay(text: string): DayNumber | null {
  if (!ISO_SHAPE.test(text)) return null;
  const dt = DateTime.fromISO(text, UTC);
  if (!dt.isValid) return null;
  return Math.round(dt.toMillis() / MS_PER_DAY);
}

/** Formats a day number as YYYY-MM-DD (luxon; for one-off use; a Calendar formats from its table). */
export function formatIsoDay(day: DayNumber): string {
  return DateTime.fromMillis(day * MS_PER_DAY, UTC).toISODate()!;
}

export interface CalendarOptions {
  /** First and last day the tables cover (inclusive). */
  from: DayNumber;
  to: DayNumber;
  /** Days that are not business days besides Saturdays and Sundays. */
  holidays?: readonly DayNumber[];
}

/** Precomputed day tables over a fixed range. Every method throws a RangeError outside the range. */
export class Calendar {
  readonly first: DayNumber;
  readonly last: DayNumber;
  private readonly isoText: string[];
  private readonly isoIndex = new Map<string, DayNumber>();
  private readonly business: Uint8Array;
  private readonly nextBiz: Int32Array;
  private readonly prevBiz: Int32Array;
  private readonly monthOf: Int32Array; // index into monthStart
  private readonly dayOfMonth: Uint8Array;
  private readonly monthStart: number[] = []; // day number of the 1st of each month
  private readonly monthLength: number[] = [];
  private readonly monthNumber: number[] = []; // 1-12
  private readonly monthYear: number[] = [];

  constructor(opts: CalendarOptions) {
    // Whole months, so that month arithmetic at the edges is well defined.
    const start = DateTime.fromMillis(opts.from * MS_PER_DAY, UTC).startOf('month');
    const after = nextMonth(DateTime.fromMillis(opts.to * MS_PER_DAY, UTC).startOf('month'));
    this.first = Math.round(start.toMillis() / MS_PER_DAY);
    this.last = Math.round(after.toMillis() / MS_PER_DAY) - 1;
    const n = this.last - this.first + 1;
    this.isoText = new Array<string>(n);
    this.business = new Uint8Array(n);
    this.monthOf = new Int32Array(n);
    this.dayOfMonth = new Uint8Array(n);
    const holidays = new Set(opts.holidays ?? []);
    let i = 0;
    for (let m: DateTime = start; m < after; m = nextMonth(m)) {
      const monthIndex = this.monthStart.length;
      const len = m.daysInMonth!;
      const prefix = `${String(m.year).padStart(4, '0')}-${String(m.month).padStart(2, '0')}-`;
      this.monthStart.push(this.first + i);
      this.monthLength.push(len);
      this.monthNumber.push(m.month);
      this.monthYear.push(m.year);
      const weekday0 = m.weekday; // 1 = Monday .. 7 = Sunday
      for (let d = 1; d <= len; d++, i++) {
        const iso = prefix + (d < 10 ? `0${d}` : String(d));
        this.isoText[i] = iso;
        this.isoIndex.set(iso, this.first + i);
        this.monthOf[i] = monthIndex;
        this.dayOfMonth[i] = d;
        const weekday = ((weekday0 - 1 + d - 1) % 7) + 1;
        this.business[i] = weekday <= 5 && !holidays.has(this.first + i) ? 1 : 0;
      }
    }
    this.nextBiz = new Int32Array(n);
    this.prevBiz = new Int32Array(n);
    let next = -1;
    for (let k = n - 1; k >= 0; k--) {
      if (this.business[k]) next = k;
      this.nextBiz[k] = next;
    }
    let prev = -1;
    for (let k = 0; k < n; k++) {
      if (this.business[k]) prev = k;
      this.prevBiz[k] = prev;
    }
  }

  private index(day: DayNumber): number {
    const k = day - this.first;
    if (!(k >= 0 && day <= this.last) || !Number.isInteger(day)) {
      throw new RangeError(`day ${day} is outside the calendar (${this.isoText[0]} to ${this.isoText[this.isoText.length - 1]})`);
    }
    return k;
  }

  contains(day: DayNumber): boolean {
    return Number.isInteger(day) && day >= this.first && day <= this.last;
  }

  /** YYYY-MM-DD of a day. */
  iso(day: DayNumber): string {
    return this.isoText[this.index(day)];
  }

  /** Day number of a YYYY-MM-DD string inside the range; undefined when not a date of the range. */
  day(iso: string): DayNumber | undefined {
    return this.isoIndex.get(iso);
  }

  isBusinessDay(day: DayNumber): boolean {
    return this.business[this.index(day)] === 1;
  }

  /** The day itself when it is a business day, else the next business day. */
  nextBusinessDay(day: DayNumber): DayNumber {
    const k = this.nextBiz[this.index(day)];
    if (k < 0) throw new RangeError(`no business day after ${this.iso(day)} in the calendar`);
    return this.first + k;
  }

  /** The day itself when it is a business day, else the previous business day. */
  prevBusinessDay(day: DayNumber): DayNumber {
    const k = this.prevBiz[this.index(day)];
    if (k < 0) throw new RangeError(`no business day before ${this.iso(day)} in the calendar`);
    return this.first + k;
  }

  /**
   * A business day for a day drawn on the calendar: the day itself when it is one; otherwise one of the business
   * days of its Monday-to-Friday week, picked by `u` in [0, 1) (a weekend or holiday draw spreads evenly over the
   * working week instead of piling on Monday); the next business day when its week has none.
   */
  spreadBusinessDay(day: DayNumber, u: number): DayNumber {
    const k = this.index(day);
    if (this.business[k]) return day;
    const monday = day - weekdayIndex(day);
    let n = 0;
    for (let d = monday; d < monday + 5; d++) if (this.contains(d) && this.business[d - this.first]) n++;
    if (n === 0) return this.nextBusinessDay(day);
    let pick = Math.min(n - 1, Math.floor(u * n));
    for (let d = monday; ; d++) if (this.contains(d) && this.business[d - this.first] && pick-- === 0) return d;
  }

  /** The first day of the day's month. */
  monthStartOf(day: DayNumber): DayNumber {
    return this.monthStartAt(this.monthOf[this.index(day)]);
  }

  /** The last business day of the day's month (the day's own month, or the previous business day if none is left). */
  monthEndBusinessDay(day: DayNumber): DayNumber {
    const m = this.monthOf[this.index(day)];
    return this.prevBusinessDay(this.monthStartAt(m) + this.monthLength[m] - 1);
  }

  /** First day of the calendar quarter (Jan, Apr, Jul, Oct) containing the day. */
  quarterStart(day: DayNumber): DayNumber {
    const m = this.monthOf[this.index(day)];
    const back = (this.monthNumber[m] - 1) % 3;
    return this.monthStartAt(m - back);
  }

  /** Last day of the calendar quarter containing the day. */
  quarterEnd(day: DayNumber): DayNumber {
    const m = this.monthOf[this.index(day)];
    const ahead = 2 - ((this.monthNumber[m] - 1) % 3);
    const mm = m + ahead;
    return this.monthStartAt(mm) + this.monthLength[mm] - 1;
  }

  /** A label such as 2025-Q1 for the calendar quarter of a day. */
  quarterLabel(day: DayNumber): string {
    const m = this.monthOf[this.index(day)];
    return `${this.monthYear[m]}-Q${Math.floor((this.monthNumber[m] - 1) / 3) + 1}`;
  }

  /**
   * The same day of the month n months later (n may be negative); clamped to the month's last day
   * (2025-01-31 + 1 month = 2025-02-28).
   */
  addMonths(day: DayNumber, n: number): DayNumber {
    const k = this.index(day);
    const m = this.monthOf[k] + n;
    const start = this.monthStartAt(m);
    return start + Math.min(this.dayOfMonth[k], this.monthLength[m]) - 1;
  }

  private monthStartAt(m: number): DayNumber {
    if (m < 0 || m >= this.monthStart.length)
      throw new RangeError(`month arithmetic leaves the calendar (${this.isoText[0]} to ${this.isoText[this.isoText.length - 1]})`);
    return this.monthStart[m];
  }
}
