// How the agent reads a line's timestamp (plugins/inputs/logfile, timestampFromLogLine): the format's regex is
// searched anywhere in the line and the first match wins; the match is parsed with the Go layout of the format
// in the entry's zone (or the line's %z); %f keeps 1–9 digits as milliseconds; a format without a year gets the
// current year, or the previous one when that would put the time more than 30 days ahead. Pure: the zone and the
// clock come in as arguments. Used by preflight (the tool) and by the lab's stand-in agent.
import { RE2JS } from 're2js';
import { agentPieces, checkTimestampFormat, timestampRegexSource, type FormatPiece } from './timestamp-format.js';

const SHORT_MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const LONG_MONTHS = [
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
const SHORT_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const LONG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_MS = 86_400_000;

export interface TimestampOptions {
  /** `UTC`, or the host's local zone (`Local`/`LOCAL`/unset). */
  timezone?: string;
  /** The host's clock, epoch ms. */
  nowMs: number;
  /** Minutes east of UTC of the host's local zone at a wall time given as if it were UTC (default: this process's zone). */
  localOffsetMinutes?: (wallMs: number) => number;
  /** The local zone's abbreviation (as `date +%Z` prints it): a %Z equal to it takes the local offset. */
  localZoneName?: string;
}

export type TimestampResult =
  /** No match: the agent takes the last valid timestamp of the file, else the current time. */
  | { kind: 'none' }
  /** A match Go's layout refuses: same fall-back, with the agent's "Error parsing" line. */
  | { kind: 'invalid'; text: string; reason: string }
  | { kind: 'ok'; ms: number; text: string; index: number };

/** A compiled `timestamp_format`; construct once per entry. Throws on a format checkTimestampFormat refuses. */
export class TimestampParser {
  private readonly pieces: FormatPiece[];
  private readonly directives: string[];
  /** Per directive: the literal text before it ends with a space (Go's layout parsing then skips a run of spaces). */
  private readonly afterSpace: boolean[];
  private readonly regex: RE2JS;

  /**
   * `lenient`: as the agent itself reads the format, unknown directives taken as literal text (the lab's stand-in);
   * otherwise a format the tool refuses throws. Throws too when the agent's regex does not compile.
   */
  constructor(
    readonly format: string,
    options: { lenient?: boolean } = {},
  ) {
    if (options.lenient) this.pieces = agentPieces(format);
    else {
      const check = checkTimestampFormat(format);
      if (!check.ok) throw new Error(check.rule);
      this.pieces = check.pieces;
    }
    this.directives = this.pieces.flatMap((p) => ('directive' in p ? [p.directive] : []));
    this.afterSpace = this.pieces.flatMap((p, i) => {
      const before = this.pieces[i - 1];
      return 'directive' in p ? [before !== undefined && 'literal' in before && before.literal.endsWith(' ')] : [];
    });
    RE2JS.compile(timestampRegexSource(this.pieces, false)); // the agent's own regex: it must compile
    this.regex = RE2JS.compile(timestampRegexSource(this.pieces));
  }

  /** The regex the agent would search lines with (without the tool's capture groups' effect on matching). */
  get regexSource(): string {
    return this.regex.pattern();
  }

  /** Whether the line holds a match anywhere (what `multi_line_start_pattern: {timestamp_format}` tests). */
  matches(line: string): boolean {
    return this.regex.matcher(line).find();
  }

  parse(line: string, options: TimestampOptions): TimestampResult {
    const m = this.regex.matcher(line);
    if (!m.find()) return { kind: 'none' };
    const text = m.group(0) ?? '';
    const values = this.directives.map((_, i) => m.group(i + 1) ?? '');
    const fields = readFields(this.directives, values, this.afterSpace);
    if (typeof fields === 'string') return { kind: 'invalid', text, reason: fields };
    return { kind: 'ok', ms: toEpoch(fields, options), text, index: m.start() };
  }
}

interface Fields {
  year?: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Minutes east of UTC, from %z or a %Z the agent knows. */
  offset?: number;
  zoneName?: string;
}

/**
 * Go's time.Parse over the matched pieces; a string is the reason it refuses them. Go's `skip` takes a run of
 * spaces in the value for a space of the layout, so a numeric value after a literal space may bring more
 * (`%b %-d` reads syslog's `Dec  3`); elsewhere a numeric field takes no leading space.
 */
function readFields(directives: string[], values: string[], afterSpace: boolean[]): Fields | string {
  const f: Fields = { month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
  let hour12: number | undefined;
  let pm: boolean | undefined;
  for (let i = 0; i < directives.length; i++) {
    const d = directives[i]!;
    const v = afterSpace[i] ? values[i]!.replace(/^ +/, '') : values[i]!;
    const num = (): number | undefined => (/^\d+$/.test(v) ? Number(v) : undefined);
    switch (d) {
      case '%Y':
        f.year = Number(v);
        break;
      case '%y':
        f.year = Number(v) >= 69 ? 1900 + Number(v) : 2000 + Number(v);
        break;
      case '%b':
      case '%B': {
        const names = d === '%b' ? SHORT_MONTHS : LONG_MONTHS;
        const k = names.indexOf(v.toLowerCase());
        if (k < 0) return `month name ${JSON.stringify(v)}`;
        f.month = k + 1;
        break;
      }
      case '%a':
      case '%A':
        if (!(d === '%a' ? SHORT_DAYS : LONG_DAYS).includes(v.toLowerCase())) return `day name ${JSON.stringify(v)}`;
        break;
      case '%m':
      case '%-m':
      case '%d':
      case '%-d':
      case '%H':
      case '%M':
      case '%-M':
      case '%S':
      case '%-S':
      case '%I':
      case '%-I': {
        // Go's numeric fields take no leading space (the regex of %-m / %-d allows one).
        const n = num();
        if (n === undefined) return `${d} value ${JSON.stringify(v)}`;
        const key = d.replace('-', '');
        if (key === '%m') f.month = n;
        else if (key === '%d') f.day = n;
        else if (key === '%H') f.hour = n;
        else if (key === '%M') f.minute = n;
        else if (key === '%S') f.second = n;
        else hour12 = n;
        break;
      }
      case '%p':
        if (v !== 'AM' && v !== 'PM') return `AM/PM value ${JSON.stringify(v)}`;
        pm = v === 'PM';
        break;
      case '%f':
        f.ms = Number(`${v}000`.slice(0, 3));
        break;
      case '%z': {
        const sign = v[0] === '-' ? -1 : 1;
        f.offset = sign * (Number(v.slice(1, 3)) * 60 + Number(v.slice(3, 5)));
        break;
      }
      case '%Z':
        f.zoneName = v;
        break;
    }
  }
  if (hour12 !== undefined) {
    if (hour12 > 12) return 'hour out of range';
    f.hour = hour12;
  }
  if (pm === true && f.hour < 12) f.hour += 12;
  if (pm === false && f.hour === 12) f.hour = 0;
  if (f.month < 1 || f.month > 12) return 'month out of range';
  if (f.hour > 23) return 'hour out of range';
  if (f.minute > 59) return 'minute out of range';
  if (f.second > 59) return 'second out of range';
  // Go checks the day against the month of the parsed year; without a year that is year 0, a leap year.
  if (f.day < 1 || f.day > daysIn(f.year ?? 0, f.month)) return 'day out of range';
  return f;
}

/** Epoch ms of a UTC wall time; years below 100 stay what they are (Date.UTC would read 50 as 1950). */
function utcWall(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, ms);
  return d.getTime();
}

function daysIn(year: number, month: number): number {
  return new Date(utcWall(year, month + 1, 0)).getUTCDate();
}

function processOffset(wallMs: number): number {
  // The offset at that wall time in this process's zone (close enough around a DST change for a default).
  return -new Date(wallMs).getTimezoneOffset();
}

function toEpoch(f: Fields, o: TimestampOptions): number {
  const utc = o.timezone === 'UTC';
  const localOffset = o.localOffsetMinutes ?? processOffset;
  const at = (year: number): number => {
    const wall = utcWall(year, f.month, f.day, f.hour, f.minute, f.second, f.ms);
    if (f.offset !== undefined) return wall - f.offset * 60_000;
    if (f.zoneName !== undefined) {
      // Go: "UTC" is UTC; the location's own abbreviation its offset; any other a made-up zone at +0000.
      if (f.zoneName === 'UTC' || utc || f.zoneName !== o.localZoneName) return wall;
    } else if (utc) return wall;
    return wall - localOffset(wall) * 60_000;
  };
  if (f.year !== undefined) return at(f.year);
  const nowYear = new Date(o.nowMs + (utc ? 0 : localOffset(o.nowMs) * 60_000)).getUTCFullYear();
  const ms = at(nowYear);
  return ms - o.nowMs > 30 * DAY_MS ? at(nowYear - 1) : ms;
}
