// Shared by the lab agent (src/lab/agent/datetime-parser.ts) and the preflight/doctor checks (src/doctor/).
// Python's `time.strptime` directives, compiled the way CPython's `_strptime.TimeRE` does (C locale):
// the format becomes a case-insensitive regex with one named group per directive, and a match is turned
// into date fields with Python's rules (1900 when there is no year, %f right-padded to microseconds,
// %y 69-99 → 19xx, %I with %p, %j, %U/%W with a weekday). The awslogs agent extends it with `%z` as
// `[+-]HHMM`.

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const alternatives = (names: string[]): string => [...names].sort((a, b) => b.length - a.length).join('|');

const DIRECTIVES: Record<string, string> = {
  d: '3[01]|[12]\\d|0[1-9]|[1-9]| [1-9]',
  f: '[0-9]{1,6}',
  H: '2[0-3]|[0-1]\\d|\\d',
  I: '1[0-2]|0[1-9]|[1-9]',
  j: '36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9]',
  m: '1[0-2]|0[1-9]|[1-9]',
  M: '[0-5]\\d|\\d',
  S: '6[0-1]|[0-5]\\d|\\d',
  U: '5[0-3]|[0-4]\\d|\\d',
  W: '5[0-3]|[0-4]\\d|\\d',
  w: '[0-6]',
  y: '\\d\\d',
  Y: '\\d\\d\\d\\d',
  z: '[+-]\\d\\d[0-5]\\d',
  A: alternatives(DAYS),
  a: alternatives(DAYS.map((d) => d.slice(0, 3))),
  B: alternatives(MONTHS),
  b: alternatives(MONTHS.map((m) => m.slice(0, 3))),
  p: 'am|pm',
  Z: 'utc|gmt',
};
// Locale-composite directives, expanded in the C locale.
const COMPOSITE: Record<string, string> = { c: '%a %b %d %H:%M:%S %Y', x: '%m/%d/%y', X: '%H:%M:%S' };

/** Date fields as Python's strptime would produce them (month 1-12, microseconds). */
export interface StrptimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  /** Minutes east of UTC when %z matched. */
  offsetMinutes?: number;
  /** True when the format had %y or %Y. */
  hasYear: boolean;
}

export interface CompiledFormat {
  /** Regex source (named groups), case-insensitive; also the `{datetime_format}` line-start pattern. */
  source: string;
  regex: RegExp;
  /** Fields from a match of `regex`; throws on an impossible date (Python's ValueError). */
  fields(groups: Record<string, string | undefined>): StrptimeFields;
}

export function compileFormat(format: string): CompiledFormat {
  const expanded = format.replace(/%([cxX])/g, (_all, d: string) => COMPOSITE[d]!);
  let source = '';
  const seen = new Set<string>();
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded[i]!;
    if (ch !== '%') {
      if (/\s/.test(ch)) {
        while (i + 1 < expanded.length && /\s/.test(expanded[i + 1]!)) i++;
        source += '\\s+';
      } else source += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      continue;
    }
    const d = expanded[++i];
    if (d === undefined) throw new FormatError(`stray % in format '${format}'`);
    if (d === '%') {
      source += '%';
      continue;
    }
    const pattern = DIRECTIVES[d];
    if (pattern === undefined) throw new FormatError(`'${d}' is a bad directive in format '%${d}'`);
    if (seen.has(d)) throw new FormatError(`redefinition of group name '${d}'`);
    seen.add(d);
    source += `(?<${d}>${pattern})`;
  }
  const hasYear = seen.has('y') || seen.has('Y');
  return {
    source,
    regex: new RegExp(source, 'i'),
    fields: (g) => toFields(g, hasYear),
  };
}

function toFields(g: Record<string, string | undefined>, hasYear: boolean): StrptimeFields {
  const num = (k: string): number | undefined => (g[k] !== undefined ? Number(g[k]!.trim()) : undefined);
  let year = 1900;
  if (g['y'] !== undefined) {
    const y = num('y')!;
    year = y <= 68 ? 2000 + y : 1900 + y;
  }
  if (g['Y'] !== undefined) year = num('Y')!;
  let month = num('m') ?? 1;
  if (g['B'] !== undefined) month = MONTHS.indexOf(g['B'].toLowerCase()) + 1;
  if (g['b'] !== undefined) month = MONTHS.findIndex((m) => m.startsWith(g['b']!.toLowerCase())) + 1;
  let day = num('d') ?? 1;
  let hour = num('H') ?? 0;
  if (g['I'] !== undefined) {
    const h = num('I')!;
    const pm = (g['p'] ?? '').toLowerCase() === 'pm';
    hour = pm ? (h === 12 ? 12 : h + 12) : h === 12 ? 0 : h;
  }
  const minute = num('M') ?? 0;
  const second = num('S') ?? 0;
  const microsecond = g['f'] !== undefined ? Number(g['f'].padEnd(6, '0')) : 0;
  let offsetMinutes: number | undefined;
  if (g['z'] !== undefined) {
    const z = g['z'];
    offsetMinutes = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * (z[0] === '-' ? -1 : 1);
  }
  // Python's leap second: 61 is allowed by the regex, 60 and 61 fail in datetime().
  let weekday: number | undefined; // Monday = 0
  if (g['A'] !== undefined) weekday = DAYS.indexOf(g['A'].toLowerCase());
  if (g['a'] !== undefined) weekday = DAYS.findIndex((d) => d.startsWith(g['a']!.toLowerCase()));
  if (g['w'] !== undefined) weekday = (num('w')! + 6) % 7;
  let julian = num('j');
  const week =
    g['U'] !== undefined
      ? { n: num('U')!, sundayFirst: true }
      : g['W'] !== undefined
        ? { n: num('W')!, sundayFirst: false }
        : undefined;
  if (julian === undefined && week !== undefined && weekday !== undefined) {
    julian = weekNumberToJulian(year, week.n, weekday, week.sundayFirst);
    if (julian <= 0) {
      year -= 1;
      julian += isLeap(year) ? 366 : 365;
    }
  }
  if (julian === undefined) {
    if (day > daysInMonth(year, month)) throw new FormatError('day is out of range for month');
  } else {
    // Python trusts a day of the year (given or computed) over month and day.
    const date = new Date(Date.UTC(2000, 0, 1));
    date.setUTCFullYear(year, 0, julian);
    year = date.getUTCFullYear();
    month = date.getUTCMonth() + 1;
    day = date.getUTCDate();
  }
  if (second > 59) throw new FormatError('second must be in 0..59');
  return { year, month, day, hour, minute, second, microsecond, offsetMinutes, hasYear };
}

function weekNumberToJulian(year: number, week: number, weekday: number, sundayFirst: boolean): number {
  const jan1 = new Date(Date.UTC(2000, 0, 1));
  jan1.setUTCFullYear(year, 0, 1);
  const firstWeekday = (jan1.getUTCDay() + 6) % 7; // Monday = 0
  let wd = weekday;
  let first = firstWeekday;
  if (sundayFirst) {
    first = (first + 1) % 7;
    wd = (wd + 1) % 7;
  }
  const weekZeroLength = (7 - first) % 7;
  if (week === 0) return 1 + wd - first;
  return weekZeroLength + 7 * (week - 1) + 1 + wd;
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}
