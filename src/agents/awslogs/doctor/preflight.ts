// Preflight for awslogs: what the agent would do with each configured log, judged from the probe's facts before
// anything is written. Errors block the apply on that host (`--skip-preflight` overrides); warnings are
// reported. Pure: facts and the tool's clock in, checks out.
import type { HostSpec, LogSection } from '../spec.js';
import type { HostFacts, LogFileFact, LogSectionFacts } from '../../../core/types.js';
import { isGlob } from '../../../facts/log-files.js';
import { compileSectionFormat, parseEvents, tailLines } from './event-times.js';
import { hostLocalTime } from '../../../doctor/local-time.js';
import {
  clockCheck,
  formatDuration,
  formatOffset,
  HOUR,
  MAX_IN_FUTURE_MS,
  MAX_IN_PAST_MS,
  MINUTE,
  PARSE_SHARE_WARNING,
  sample,
  zoneCheck,
  type HostTime,
  type PreflightCheck,
  type ToolClock,
} from '../../../doctor/preflight.js';
import { agentPatternProblems } from '../validate.js';

export type { CheckLevel, PreflightCheck, ToolClock } from '../../../doctor/preflight.js';
export { formatDuration, formatOffset, worst } from '../../../doctor/preflight.js';

export function preflight(spec: HostSpec, facts: HostFacts, tool: ToolClock): PreflightCheck[] {
  return [...hostChecks(spec, facts, tool), ...spec.logs.flatMap((_, i) => sectionPreflight(spec, facts, i))];
}

/** The checks of the host itself (its clock, its zone): no pattern is run on the host's data here. */
export function hostChecks(spec: HostSpec, facts: HostFacts, tool: ToolClock): PreflightCheck[] {
  const checks: PreflightCheck[] = [clockCheck(facts, tool)];
  if (spec.logs.some(readsLocal)) {
    const { local, fallback } = hostLocalTime(facts);
    checks.push(zoneCheck({ nowMs: facts.clockMs, local }, fallback, 'time_zone = LOCAL'));
  }
  // The agent's Python, from where its code is: a pattern its Python 3 cannot compile stops that stream.
  // (This compiles the inventory's patterns only; nothing from the host is matched here.)
  for (const p of agentPatternProblems(spec.logs, facts.agentPython?.version))
    checks.push({ check: 'pattern', log: p.log, level: 'error', message: p.rule });
  return checks;
}

/**
 * The checks of log section `index`: these run the section's patterns (multi_line_start_pattern,
 * datetime_format) on lines from the host, which any user may have written, so a caller that must stay
 * responsive runs them where they can be stopped (src/runs/patterns/).
 */
export function sectionPreflight(spec: HostSpec, facts: HostFacts, index: number): PreflightCheck[] {
  const section = spec.logs[index];
  const files = facts.logs?.[index];
  if (!section || !files) return [];
  const host: HostTime = { nowMs: facts.clockMs, local: hostLocalTime(facts).local };
  return sectionChecks(section, files, host, facts);
}

/** The section's timestamps are read in the host's zone: LOCAL (the default) and no %z in the format. */
function readsLocal(section: LogSection): boolean {
  const format = section.datetime_format;
  return section.time_zone !== 'UTC' && !!format && !/(^|[^%])(%%)*%z/.test(format);
}

function sectionChecks(
  section: LogSection,
  files: LogSectionFacts,
  host: HostTime,
  facts: HostFacts,
): PreflightCheck[] {
  const log = section.section;
  const checks: PreflightCheck[] = [];
  const matches = files.files.filter((f) => f.role === 'match');
  const usable = matches.filter((f) => !f.compressed);
  const glob = isGlob(section.file);
  if (matches.length === 0) {
    checks.push({
      check: 'file',
      log,
      level: 'warning',
      message: glob
        ? `no file matches ${section.file}: the agent waits for one ("No file is found with given path")`
        : `${section.file} does not exist: the agent waits for it ("No file is found with given path")`,
    });
    return checks;
  }
  if (usable.length === 0) {
    checks.push({
      check: 'file',
      log,
      level: glob ? 'warning' : 'error',
      message: `${glob ? `every match of ${section.file} is` : `${section.file} is`} compressed (${matches[0]!.path}): the agent ignores .gz .zip .bz2 .tar .rar files and sends nothing`,
    });
    return checks;
  }
  const newest = usable[0]!;
  if (newest.refused) {
    checks.push({ check: 'file', log, level: 'error', message: `${newest.path} not read: ${newest.refused}` });
    return checks;
  }
  // A path another user controls is looked at with their rights: what they cannot read, root will not show.
  const as = newest.readAs ? ` as ${newest.readAs}` : '';
  if (newest.kind !== 'file') {
    checks.push({ check: 'file', log, level: 'error', message: `${newest.path} is a ${newest.kind}, not a file${as}` });
    return checks;
  }
  if (!newest.readable) {
    checks.push({
      check: 'file',
      log,
      level: 'error',
      message: newest.readAs
        ? `${newest.path} is not readable${as}: another user controls this path, so the tool reads it with their rights, never root's; the agent, as root, would read wherever it leads`
        : `${newest.path} is not readable`,
    });
    return checks;
  }
  checks.push({ check: 'file', log, level: 'ok', message: `reads ${newest.path} (${newest.size} bytes)${as}` });
  checks.push(...fingerprintChecks(section, files.files));
  if (!files.tail) return checks;
  checks.push(...timestampChecks(section, tailLines(files.tail.text, files.tail.truncated), host, facts));
  return checks;
}

function fingerprintChecks(section: LogSection, files: LogFileFact[]): PreflightCheck[] {
  const heads = files.filter((f) => !f.compressed && f.head !== undefined);
  if (heads.length < 2) return [];
  const [a, b] = heads as [LogFileFact, LogFileFact];
  const lines = section.file_fingerprint_lines ?? '1';
  if (a.head !== b.head || a.head === '')
    return [{ check: 'fingerprint', log: section.section, level: 'ok', message: `rotation is detectable` }];
  return [
    {
      check: 'fingerprint',
      log: section.section,
      level: 'warning',
      message: `${a.path} and ${b.path} begin with the same fingerprint line(s) (file_fingerprint_lines = ${lines}): the agent cannot tell a rotated file from the old one and stops reading after rotation; set file_fingerprint_lines to a range that includes a line that differs (e.g. 1-3)`,
      sample: sample(a.head!.split('\n')[0] ?? ''),
    },
  ];
}

function timestampChecks(section: LogSection, lines: string[], host: HostTime, facts: HostFacts): PreflightCheck[] {
  const log = section.section;
  if (!section.datetime_format) return [];
  if (!compileSectionFormat(section))
    return [{ check: 'datetime_format', log, level: 'error', message: `datetime_format does not compile` }];
  const events = parseEvents(section, lines, host);
  if (events.length === 0) return [];
  const parsed = events.filter((e) => e.timestampMs !== undefined);
  const failed = events.find((e) => e.timestampMs === undefined);
  const share = parsed.length / events.length;
  const pct = `${Math.round(share * 100)}%`;
  const checks: PreflightCheck[] = [];
  const base = `${parsed.length} of ${events.length} event lines (${pct}) at the end of the file parse with datetime_format = ${section.datetime_format}`;
  if (parsed.length === 0) {
    checks.push({
      check: 'datetime_format',
      log,
      level: 'error',
      message: `${base}: every event would be stamped with the time it is read (and with {datetime_format} as multi_line_start_pattern, the lines would be glued into one event)`,
      ...(failed ? { sample: sample(failed.line) } : {}),
    });
    return checks;
  }
  checks.push({
    check: 'datetime_format',
    log,
    level: share < PARSE_SHARE_WARNING ? 'warning' : 'ok',
    message: base,
    ...(failed ? { sample: sample(failed.line) } : {}),
  });
  const ahead = parsed.filter((e) => e.timestampMs! > host.nowMs + MAX_IN_FUTURE_MS);
  if (ahead.length > 0) {
    const newest = ahead.reduce((a, b) => (b.timestampMs! > a.timestampMs! ? b : a));
    const by = newest.timestampMs! - host.nowMs;
    const offset = host.local.offsetAt(newest.timestampMs!);
    const zone =
      section.time_zone === 'UTC'
        ? 'time_zone = UTC'
        : `time_zone = LOCAL (${host.local.zone ?? facts.timeZoneName ?? 'host'} ${formatOffset(offset)})`;
    checks.push({
      check: 'future',
      log,
      level: 'error',
      message: `${ahead.length} of ${parsed.length} events are more than 2 h ahead of the host's clock (up to ${formatDuration(by)}), read in ${zone}: the agent skips them ("timestamp is more than 2 hours in future")${zoneHint(section, by, offset)}`,
      sample: sample(newest.line),
    });
  }
  const newest = Math.max(...parsed.map((e) => e.timestampMs!));
  const old = parsed.filter((e) => e.timestampMs! < host.nowMs - MAX_IN_PAST_MS);
  if (old.length > 0) {
    const all = old.length === parsed.length;
    checks.push({
      check: 'past',
      log,
      level: 'warning',
      message: `${old.length} of ${parsed.length} events are more than 14 days behind the host's clock${all ? ` (the newest by ${formatDuration(host.nowMs - newest)})` : ''}: the agent skips them ("timestamp is more than 14 days in past")`,
      sample: sample(old[old.length - 1]!.line),
    });
  }
  return checks;
}

/** A whole number of hours ahead usually means a zone mismatch: say which setting would explain it. */
function zoneHint(section: LogSection, aheadMs: number, hostOffset: number): string {
  const hours = Math.round(aheadMs / HOUR);
  if (Math.abs(aheadMs - hours * HOUR) > 10 * MINUTE || hours === 0) return '; check the host clock or the log times';
  const writer = formatOffset(hostOffset + hours * 60);
  if (section.time_zone === 'UTC')
    return `; the lines look written in ${writer} local time: use time_zone = LOCAL on a host whose zone is that, or have the application log in UTC`;
  return `; the lines look written in ${writer} while the host's zone is ${formatOffset(hostOffset)}: set the host's zone (timedatectl set-timezone) to the application's, or have the application log in the host's zone or with %z`;
}
