// The timestamps the agent would give the events at the end of a log file: the text split into events as
// the agent splits it, each event's first line parsed with `datetime_format` (Python strptime, via the
// shared compiler), read in `time_zone` — LOCAL meaning the host's zone (its DST rules when known, see
// local-time.ts), not ours. Pure.
import { checkPythonRegex } from '../python-regex.js';
import type { LogSection } from '../spec.js';
import { compileFormat, daysInMonth, type CompiledFormat, type StrptimeFields } from '../strptime.js';

export type { HostTime } from '../../../doctor/preflight.js';
import type { HostTime } from '../../../doctor/preflight.js';

export interface ParsedEvent {
  line: string;
  /** Epoch ms, or undefined when the line's timestamp does not parse. */
  timestampMs?: number;
}

const DEFAULT_START = /^[^\s]/;

/** The lines of a file's tail: a first line cut by the tail's start is dropped. */
export function tailLines(text: string, truncated: boolean): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (truncated) lines.shift();
  return lines.map((l) => l.replace(/\r+$/, ''));
}

/**
 * The pattern that starts an event. With `{datetime_format}` every line that does not parse would be glued
 * to the event before it, so the share of parsed events would always look perfect: for measuring, such
 * sections are split with the agent's default pattern (`^[^\s]`) instead, which is what a reader of the
 * file sees as lines.
 */
export function measuringStart(section: LogSection): RegExp {
  const pattern = section.multi_line_start_pattern;
  if (pattern === undefined || pattern === '' || pattern === '{datetime_format}') return DEFAULT_START;
  let start = STARTS.get(pattern);
  if (!start) {
    const check = checkPythonRegex(pattern);
    start = check.ok ? new RegExp(check.source, check.flags.replace(/[gy]/g, '')) : DEFAULT_START;
    STARTS.set(pattern, start);
  }
  return start;
}

// A fleet's hosts share their sections: each pattern and format is compiled once per run, not once per host
// (V8 compiles a regex on its first match; the objects have no g/y flag, so they keep no state between uses).
const STARTS = new Map<string, RegExp>();
const FORMATS = new Map<string, CompiledFormat | undefined>();

/** First lines of events, in file order. */
export function eventFirstLines(lines: string[], start: RegExp): string[] {
  const firsts: string[] = [];
  let open = false;
  for (const line of lines) {
    if (!open || start.test(line)) {
      if (line.trim() === '') continue;
      firsts.push(line);
      open = true;
    }
  }
  return firsts;
}

export function compileSectionFormat(section: LogSection): CompiledFormat | undefined {
  const format = section.datetime_format;
  if (!format) return undefined;
  if (!FORMATS.has(format)) {
    try {
      FORMATS.set(format, compileFormat(format));
    } catch {
      FORMATS.set(format, undefined);
    }
  }
  return FORMATS.get(format);
}

/** The line's timestamp as the agent computes it, or undefined when none parses. */
export function eventTime(
  compiled: CompiledFormat,
  line: string,
  timeZone: 'LOCAL' | 'UTC',
  host: HostTime,
): number | undefined {
  const m = compiled.regex.exec(line);
  if (!m?.groups) return undefined;
  let f: StrptimeFields;
  try {
    f = compiled.fields(m.groups);
  } catch {
    return undefined;
  }
  if (!f.hasYear) {
    // The agent gives a yearless timestamp this year, or last year when its month is still to come.
    const today = new Date(host.nowMs + host.local.offsetAt(host.nowMs) * 60_000);
    const year = f.month <= today.getUTCMonth() + 1 ? today.getUTCFullYear() : today.getUTCFullYear() - 1;
    if (f.day > daysInMonth(year, f.month)) return undefined;
    f.year = year;
  }
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, Math.floor(f.microsecond / 1000));
  if (f.offsetMinutes !== undefined || timeZone === 'UTC') return d.getTime() - (f.offsetMinutes ?? 0) * 60_000;
  return host.local.toEpochMs(d.getTime());
}

/** Every event of the tail with its timestamp (undefined when the section has no usable format). */
export function parseEvents(section: LogSection, lines: string[], host: HostTime): ParsedEvent[] {
  const compiled = compileSectionFormat(section);
  const firsts = eventFirstLines(lines, measuringStart(section));
  if (!compiled) return firsts.map((line) => ({ line }));
  return firsts.map((line) => {
    const t = eventTime(compiled, line, section.time_zone ?? 'LOCAL', host);
    return t === undefined ? { line } : { line, timestampMs: t };
  });
}
