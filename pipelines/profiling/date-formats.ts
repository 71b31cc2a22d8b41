import { isValid, parse } from 'date-fns';

/**
 * The date and datetime formats the typing phase recognises, each a name (as
 * reported) and the date-fns `parse` patterns that read it. A value becomes
 * UTC epoch milliseconds: one with a UTC offset (`Z`, `+02:00`) is that
 * instant; one without is read as UTC wall-clock time, so results do not
 * depend on the machine's time zone.
 *
 * Choosing between formats is the typing phase's job (infer-type.ts): per
 * column, the format that parses the largest share of the values wins, ties
 * going to the earlier format in {@link DATE_FORMATS}. That decides
 * ambiguous slashes: a column is US `MM/DD/YYYY` unless some of its values
 * only parse day-first (`31/12/2020`), then it is `DD/MM/YYYY`; a column whose
 * every day is 12 or less reads as US.
 *
 * date-fns reads a numeric field of 1 up to the token's width (`MM` reads
 * `1` or `01`), so years are required to have four digits' worth of value
 * (1000 to 9999): `1-2-3` is a code, not a date. Caveat: date-fns builds
 * local times; a datetime without offset that falls in the machine's own
 * daylight-saving gap is shifted by the gap (dates are not affected).
 */

/** A recognised date or datetime format (`shape` is only a cheap pre-check: date-fns parses and validates). */
export interface DateFormat {
  /** Name reported by the typing phase, e.g. `YYYY-MM-DD` or `MMM D YYYY`. */
  readonly name: string;
  /** `date` when values carry no time of day. */
  readonly kind: 'date' | 'datetime';
  /** date-fns patterns, tried in order (a fraction of a second: narrowest first, as `SSS` also reads `5`). */
  readonly patterns: readonly string[];
  /** UTC epoch ms of a value, or undefined when it does not match or is not a real date. */
  parse(value: string): number | undefined;
}

const HAS_DIGIT = /\d/;
const MEMO_LIMIT = 100_000;

// Fields a pattern leaves out (day, time) come from here: midnight of the first of the month.
const REFERENCE = new Date(2000, 0, 1);

function toUtc(d: Date, kind: 'date' | 'datetime', hasOffset: boolean): number | undefined {
  if (!isValid(d)) return undefined;
  const y = d.getFullYear();
  if (y < 1000 || y > 9999) return undefined;
  if (hasOffset) return d.getTime();
  return kind === 'date'
    ? Date.UTC(y, d.getMonth(), d.getDate())
    : Date.UTC(y, d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
}

function formatOf(name: string, kind: 'date' | 'datetime', shape: RegExp, patterns: readonly string[]): DateFormat {
  // A column's values share one pattern: try the one that matched last first.
  let preferred = 0;
  const tryPattern = (value: string, i: number): number | undefined => toUtc(parse(value, patterns[i], REFERENCE), kind, patterns[i].endsWith('X'));
  const parseUncached = (value: string): number | undefined => {
    const first = tryPattern(value, preferred);
    if (first !== undefined) return first;
    for (let i = 0; i < patterns.length; i++) {
      if (i === preferred) continue;
      const t = tryPattern(value, i);
      if (t !== undefined) {
        preferred = i;
        return t;
      }
    }
    return undefined;
  };
  // date-fns takes 5-35 us a call, and the typing phase and the table loader read each cell up to three times.
  const memo = new Map<string, number | null>();
  return {
    name,
    kind,
    patterns,
    parse(raw) {
      const value = raw.trim();
      // Fast paths: every format has a numeric year, so text without a digit is no date; and a value
      // without the format's shape (digits and separators where the format has them) is not worth a
      // date-fns call (5-35 us each): numbers and codes, most cells of a table, stop here.
      if (!HAS_DIGIT.test(value) || !shape.test(value)) return undefined;
      let t = memo.get(value);
      if (t === undefined) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        t = parseUncached(value) ?? null;
        memo.set(value, t);
      }
      return t ?? undefined;
    },
  };
}

const ISO_TIMES = ['HH:mm', 'HH:mm:ss', 'HH:mm:ss.S', 'HH:mm:ss.SS', 'HH:mm:ss.SSS'];
const ISO_DATETIMES = ["'T'", ' '].flatMap((sep) => ISO_TIMES.flatMap((time) => [`yyyy-MM-dd${sep}${time}`, `yyyy-MM-dd${sep}${time}XXX`]));

/** Every format; on a tie in a column the earlier one wins. */
export const DATE_FORMATS: readonly DateFormat[] = [
  formatOf('YYYY-MM-DD', 'date', /^\d{4}-\d{1,2}-\d{1,2}$/, ['yyyy-MM-dd']),
  formatOf('YYYY/MM/DD', 'date', /^\d{4}\/\d{1,2}\/\d{1,2}$/, ['yyyy/MM/dd']),
  formatOf('DD.MM.YYYY', 'date', /^\d{1,2}\.\d{1,2}\.\d{4}$/, ['dd.MM.yyyy']),
  formatOf('YYYY-MM-DDTHH:mm:ss', 'datetime', /^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}/, ISO_DATETIMES),
  formatOf('YYYY/MM/DD HH:mm', 'datetime', /^\d{4}\/\d{1,2}\/\d{1,2} \d{1,2}:\d{2}/, ['yyyy/MM/dd HH:mm', 'yyyy/MM/dd HH:mm:ss']),
  formatOf('MMM D YYYY', 'date', /^[A-Za-z]{3} \d{1,2},? \d{4}$/, ['MMM d yyyy', 'MMM d, yyyy']),
  formatOf('MM/DD/YYYY', 'date', /^\d{1,2}\/\d{1,2}\/\d{4}$/, ['MM/dd/yyyy']),
  formatOf('DD/MM/YYYY', 'date', /^\d{1,2}\/\d{1,2}\/\d{4}$/, ['dd/MM/yyyy']),
];

const BY_NAME = new Map(DATE_FORMATS.map((f) => [f.name, f]));

/** The format with the given name. */
export function dateFormat(name: string): DateFormat | undefined {
  return BY_NAME.get(name);
}
