// The agent's timestamp extraction: the first substring of a line matching `datetime_format` (anywhere in
// the line, case-insensitively) is parsed; its zone is %z if present, else `time_zone` (LOCAL = the
// process's zone, from TZ or /etc/localtime). A format without a year is parsed in 1900 (so Feb 29 fails)
// and then given the current year, or last year when its month is later than the current month.
import {
  compileFormat,
  daysInMonth,
  FormatError,
  type CompiledFormat,
  type StrptimeFields,
} from '../../agents/awslogs/strptime.js';

export type TimeZoneSetting = 'LOCAL' | 'UTC';

export class DateTimeParser {
  readonly compiled: CompiledFormat;

  /** Throws FormatError when the format is invalid (the agent then warns and uses the current time). */
  constructor(
    readonly format: string,
    readonly timeZone: TimeZoneSetting = 'LOCAL',
    private readonly now: () => Date = () => new Date(),
  ) {
    this.compiled = compileFormat(format);
  }

  /** Epoch ms of the line's timestamp; undefined when none matches; throws when the match is no date. */
  parse(message: string): number | undefined {
    const m = this.compiled.regex.exec(message);
    if (!m?.groups) return undefined;
    const f = this.compiled.fields(m.groups);
    if (!f.hasYear) inferYear(f, this.now());
    return toEpochMs(f, this.timeZone);
  }
}

function inferYear(f: StrptimeFields, today: Date): void {
  const month = today.getMonth() + 1;
  const year = f.month <= month ? today.getFullYear() : today.getFullYear() - 1;
  if (f.day > daysInMonth(year, f.month)) throw new FormatError('day is out of range for month');
  f.year = year;
}

export function toEpochMs(f: StrptimeFields, timeZone: TimeZoneSetting): number {
  const ms = Math.floor(f.microsecond / 1000);
  if (f.offsetMinutes !== undefined || timeZone === 'UTC') {
    const d = new Date(0);
    d.setUTCFullYear(f.year, f.month - 1, f.day);
    d.setUTCHours(f.hour, f.minute, f.second, ms);
    return d.getTime() - (f.offsetMinutes ?? 0) * 60_000;
  }
  const d = new Date(0);
  d.setFullYear(f.year, f.month - 1, f.day);
  d.setHours(f.hour, f.minute, f.second, ms);
  return d.getTime();
}
