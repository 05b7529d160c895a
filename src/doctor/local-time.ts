// How a host turns wall-clock times into instants, as the agent does for `time_zone = LOCAL` and for the
// times in its own log: by the rules of the host's zone (its IANA name from the probe, converted with
// Node's Intl and its full ICU), so that a line written before a DST change is read with the offset it was
// written in. When the zone is unknown, the UTC offset the host had when the probe ran stands in for it,
// and the caller says so. Pure: Intl is part of the runtime, nothing is read.
//
// A wall time that happens twice (the repeated hour when clocks go back) is read as the earlier instant:
// the agent reads a file in order and glibc's mktime keeps the offset of the line before, which is the
// summer offset until the first line after the repeated hour. A wall time that never happens (the skipped
// hour when clocks go forward) is read with the offset before the change, i.e. moved forward by the gap,
// as glibc's mktime and JavaScript's Date both do.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** No real zone changes its offset twice within this window (DST shifts are at most 2 h). */
const QUIET = 3 * HOUR;

export interface LocalTime {
  /** The IANA zone whose rules are used; undefined when a fixed offset stands in. */
  readonly zone?: string;
  /** Minutes east of UTC at an instant. */
  offsetAt(epochMs: number): number;
  /** The instant of a wall-clock time given as the epoch ms that wall time would be in UTC. */
  toEpochMs(wallMs: number): number;
}

export function fixedOffset(minutes: number): LocalTime {
  return { offsetAt: () => minutes, toEpochMs: (wall) => wall - minutes * MINUTE };
}

const formats = new Map<string, Intl.DateTimeFormat | null>();

function formatOf(zone: string): Intl.DateTimeFormat | undefined {
  let f = formats.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      f = null; // RangeError: a zone ICU does not know
    }
    formats.set(zone, f);
  }
  return f ?? undefined;
}

/** Whether Node's ICU knows the zone. */
export function knownZone(zone: string): boolean {
  return formatOf(zone) !== undefined;
}

/** The zone's rules, or undefined when ICU does not know the zone. */
export function zoneRules(zone: string): LocalTime | undefined {
  const format = formatOf(zone);
  if (!format) return undefined;
  const offsetAt = (t: number): number => {
    const p: Record<string, string> = {};
    for (const part of format.formatToParts(t)) p[part.type] = part.value;
    const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
    const wall = new Date(0);
    wall.setUTCFullYear(year, Number(p.month) - 1, Number(p.day));
    wall.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second), 0);
    const seconds = t - (((t % 1000) + 1000) % 1000);
    return (wall.getTime() - seconds) / MINUTE;
  };
  // Wall-clock hours whose every minute has one reading at one offset: most lines of a log cost a lookup.
  const plainHours = new Map<number, number>();
  const toEpochMs = (wall: number): number => {
    const hour = Math.floor(wall / HOUR);
    const plain = plainHours.get(hour);
    if (plain !== undefined) return wall - plain * MINUTE;
    const before = offsetAt(wall - DAY);
    const after = offsetAt(wall + DAY);
    const readings = [...new Set([before, after])]
      .map((o) => wall - o * MINUTE)
      .filter((t) => offsetAt(t) * MINUTE === wall - t);
    if (readings.length === 0) return wall - before * MINUTE; // skipped: the offset before the change
    const t = Math.min(...readings); // repeated: the earlier
    const o = (wall - t) / MINUTE;
    const start = hour * HOUR - o * MINUTE;
    if (readings.length === 1 && offsetAt(start - QUIET) === o && offsetAt(start + HOUR + QUIET) === o)
      plainHours.set(hour, o);
    return t;
  };
  return { zone, offsetAt, toEpochMs };
}

export interface HostZoneFacts {
  clockMs: number;
  /** `date +%z` at probe time, minutes east. */
  utcOffsetMinutes?: number;
  /** `date +%Z` at probe time, e.g. UTC, KST, CET. */
  timeZoneName?: string;
  /** The IANA zone the probe found (the /etc/localtime link, or ZONE in /etc/sysconfig/clock). */
  timeZoneId?: string;
}

export interface HostLocalTime {
  local: LocalTime;
  /** Why the probe-time offset stands in for the zone's rules; undefined when the rules are used. */
  fallback?: string;
}

/**
 * The host's local time: its zone's rules when the probe named a zone that ICU knows and that agrees with
 * the host's own offset at probe time; else that offset, with the reason.
 */
export function hostLocalTime(facts: HostZoneFacts): HostLocalTime {
  const offset = facts.utcOffsetMinutes ?? 0;
  const fixed = fixedOffset(offset);
  const id = facts.timeZoneId;
  // No zone named, but the abbreviation is UTC (no /etc/localtime at all, or a copy of UTC): no DST to miss.
  if (!id && offset === 0 && facts.timeZoneName === 'UTC') return { local: fixed };
  if (!id)
    return {
      local: fixed,
      fallback: `the host's zone is unknown (/etc/localtime is not a link into zoneinfo and /etc/sysconfig/clock names no ZONE)`,
    };
  const rules = zoneRules(id);
  if (!rules) return { local: fixed, fallback: `the host's zone ${id} is unknown to this machine's ICU` };
  const theirs = rules.offsetAt(facts.clockMs);
  if (facts.utcOffsetMinutes !== undefined && theirs !== offset)
    return {
      local: fixed,
      fallback: `the host names its zone ${id}, whose offset now is ${signed(theirs)} min, but its clock says ${signed(offset)} min (TZ set, or /etc/localtime not that zone)`,
    };
  return { local: rules };
}

function signed(n: number): string {
  return n < 0 ? String(n) : `+${n}`;
}
