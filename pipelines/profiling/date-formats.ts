/**
 * The date and datetime formats the typing phase recognises, each a pattern
 * and a parser to UTC epoch milliseconds. Plain TypeScript: `Date.parse` is
 * locale- and engine-dependent, and a format must be named to be reported.
 */

/** A recognised date or datetime format. */
export interface DateFormat {
  /** Name reported by the typing phase, e.g. `YYYY-MM-DD` or `MMM D YYYY`. */
  readonly name: string;
  /** `date` when values carry no time of day. */
  readonly kind: 'date' | 'datetime';
  /** UTC epoch ms of a value, or undefined when it does not match or is not a real date. */
  parse(value: string): number | undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function utc(y: number, m: number, d: number, hh = 0, mm = 0, ss = 0, ms = 0): number | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59) return undefined;
  const t = Date.UTC(y, m - 1, d, hh, mm, ss, ms);
  // Rejects 2015-02-30 and the like, which Date.UTC would roll over.
  return new Date(t).getUTCDate() === d ? t : undefined;
}

function regexFormat(name: string, kind: 'date' | 'datetime', re: RegExp, build: (m: RegExpExecArray) => number | undefined): DateFormat {
  return {
    name,
    kind,
    parse(value) {
      const m = re.exec(value.trim());
      return m ? build(m) : undefined;
    },
  };
}

const n = (s: string | undefined): number => (s === undefined || s === '' ? 0 : Number(s));

/** Every format, most specific first. */
export const DATE_FORMATS: readonly DateFormat[] = [
  regexFormat('YYYY-MM-DD', 'date', /^(\d{4})-(\d{2})-(\d{2})$/, (m) => utc(n(m[1]), n(m[2]), n(m[3]))),
  regexFormat('YYYY/MM/DD', 'date', /^(\d{4})\/(\d{2})\/(\d{2})$/, (m) => utc(n(m[1]), n(m[2]), n(m[3]))),
  regexFormat(
    'YYYY-MM-DDTHH:mm:ss',
    'datetime',
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$/,
    (m) => utc(n(m[1]), n(m[2]), n(m[3]), n(m[4]), n(m[5]), n(m[6]), n((m[7] ?? '').padEnd(3, '0'))),
  ),
  regexFormat('YYYY/MM/DD HH:mm', 'datetime', /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/, (m) =>
    utc(n(m[1]), n(m[2]), n(m[3]), n(m[4]), n(m[5]), n(m[6])),
  ),
  regexFormat('MMM D YYYY', 'date', /^([A-Za-z]{3}) (\d{1,2}),? (\d{4})$/, (m) => {
    const month = MONTHS.indexOf(m[1].toLowerCase());
    return month < 0 ? undefined : utc(n(m[3]), month + 1, n(m[2]));
  }),
  regexFormat('MM/DD/YYYY', 'date', /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, (m) => utc(n(m[3]), n(m[1]), n(m[2]))),
];

/** The format with the given name. */
export function dateFormat(name: string): DateFormat | undefined {
  return DATE_FORMATS.find((f) => f.name === name);
}
