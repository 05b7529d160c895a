// Preflight's framework: what every agent's checks share (their shape, the host's clock, its zone, how durations
// and offsets read). Each agent's own checks of its logs live in its folder (src/agents/<agent>/). Pure.
import type { HostFacts } from '../core/types.js';
import type { PreflightReport, ToolClock } from '../core/report.js';
import type { LocalTime } from './local-time.js';

export type { ToolClock } from '../core/report.js';
export type CheckLevel = 'ok' | 'warning' | 'error';

/** One check: `clock`, `time_zone`, `file`, and the agent's own (`datetime_format`, `future`, `past`, …). */
export type PreflightCheck = PreflightReport;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const SKEW_WARNING_MS = MINUTE;
export const SKEW_ERROR_MS = 2 * HOUR;
/** Both agents drop events more than 2 hours ahead of the host's clock, or more than 14 days behind it. */
export const MAX_IN_FUTURE_MS = 2 * HOUR;
export const MAX_IN_PAST_MS = 14 * DAY;
/** Below this share of parsed event lines, a warning; none parsed at all, an error. */
export const PARSE_SHARE_WARNING = 0.8;
const SAMPLE_MAX = 200;

export function worst(checks: PreflightCheck[]): CheckLevel {
  if (checks.some((c) => c.level === 'error')) return 'error';
  if (checks.some((c) => c.level === 'warning')) return 'warning';
  return 'ok';
}

export function formatDuration(ms: number): string {
  const a = Math.abs(ms);
  if (a < MINUTE) return `${Math.round(a / 1000)} s`;
  if (a < 2 * HOUR) return `${Math.round(a / MINUTE)} min`;
  if (a < 2 * DAY) return `${(a / HOUR).toFixed(1).replace(/\.0$/, '')} h`;
  return `${(a / DAY).toFixed(1).replace(/\.0$/, '')} days`;
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}

/** A line as a check shows it: cut at 200 characters. */
export function sample(line: string): string {
  return line.length > SAMPLE_MAX ? `${line.slice(0, SAMPLE_MAX - 1)}…` : line;
}

/** The host's clock against this machine's, within half the probe's round trip. */
export function clockCheck(facts: HostFacts, tool: ToolClock): PreflightCheck {
  const skew = facts.clockMs - tool.midpointMs;
  const slack = tool.roundTripMs / 2;
  const sure = Math.max(0, Math.abs(skew) - slack);
  const words = `the host's clock is ${formatDuration(skew)} ${skew > 0 ? 'ahead of' : 'behind'} this machine's`;
  if (sure > SKEW_ERROR_MS)
    return {
      check: 'clock',
      level: 'error',
      message: `${words}: the agent would stamp and judge events by a wrong clock; fix the host's time (NTP: chronyd/ntpd), the tool never sets it`,
    };
  if (sure > SKEW_WARNING_MS)
    return { check: 'clock', level: 'warning', message: `${words}; check the host's time service (chronyd/ntpd)` };
  return { check: 'clock', level: 'ok', message: `clock within ${formatDuration(Math.max(Math.abs(skew), 1000))}` };
}

/** The host's time as a log's local timestamps are read against it. */
export interface HostTime {
  nowMs: number;
  local: LocalTime;
}

/**
 * How a log's local times are read on this host: with its zone's DST rules, or (`fallback` says why) with the
 * offset at probe time. `setting` is the agent's option as the operator wrote it (`time_zone = LOCAL`).
 */
export function zoneCheck(host: HostTime, fallback: string | undefined, setting: string): PreflightCheck {
  const now = formatOffset(host.local.offsetAt(host.nowMs));
  if (!fallback)
    return {
      check: 'time_zone',
      level: 'ok',
      message: `${setting} is read in ${host.local.zone ? `${host.local.zone} (${now} now, with its DST rules)` : `${now}`}`,
    };
  return {
    check: 'time_zone',
    level: 'warning',
    message: `${fallback}: ${setting} is read with the host's offset at probe time (${now}), so lines written before a DST change would be judged an hour off; link /etc/localtime to the host's zone (timedatectl set-timezone ZONE)`,
  };
}
