// Preflight for the CloudWatch agent: what it would do with each collect_list entry, judged from the probe's
// facts before anything is written. The file it would tail (the newest uncompressed match, as it picks it), whether
// agent.run_as_user may read it (asked of the kernel on the host), timestamp_format against the file's last lines
// with the agent's own semantics (searched anywhere in the line, first match wins, its %f and year rules), events
// the agent would discard as out of its accepted time range, and the bytes its first start sends (it has no
// setting to start at a file's end). Pure: facts and the tool's clock in, checks out.
import type { HostFacts, LogFileFact, LogSectionFacts } from '../../core/types.js';
import { hostLocalTime, type LocalTime } from '../../doctor/local-time.js';
import {
  clockCheck,
  formatDuration,
  MAX_IN_FUTURE_MS,
  MAX_IN_PAST_MS,
  PARSE_SHARE_WARNING,
  sample,
  zoneCheck,
  type PreflightCheck,
  type ToolClock,
} from '../../doctor/preflight.js';
import type { CloudWatchAgentSpec } from './spec.js';
import type { CollectEntry } from './entry.js';
import { compileRe2 } from './re2.js';
import { COMPRESSED_SUFFIX, DEFAULT_MULTI_LINE_START } from './schema.js';
import { TimestampParser } from './timestamp.js';
import { firstStartBytes, firstStartWarning, formatBytes, tailedFiles, type ProbedFile } from './first-start.js';
import { escapePath } from './state-folder.js';
import { STATE_DIR } from './paths.js';

/** How reports name an entry: its file path (and its index, when another entry tails the same path). */
export function entryName(spec: CloudWatchAgentSpec, entry: CollectEntry): string {
  const same = spec.entries.filter((e) => e.filePath === entry.filePath).length > 1;
  return same ? `${entry.filePath} #${entry.index}` : entry.filePath;
}

export function hostChecks(spec: CloudWatchAgentSpec, facts: HostFacts, tool: ToolClock): PreflightCheck[] {
  const checks: PreflightCheck[] = [clockCheck(facts, tool)];
  if (
    spec.entries.some((e) => e.timestampFormat !== undefined && e.timezone !== 'UTC' && !/%z/.test(e.timestampFormat))
  ) {
    const { local, fallback } = hostLocalTime(facts);
    checks.push(zoneCheck({ nowMs: facts.clockMs, local }, fallback, 'timezone Local'));
  }
  if (facts.runAs && 'missing' in facts.runAs)
    checks.push({
      check: 'run_as_user',
      level: 'error',
      message: `agent.run_as_user ${facts.runAs.name} is no user on this host: the agent logs "Failed to find user" and does not start`,
    });
  return checks;
}

/** The probe's files of an entry as first-start.ts takes them. */
function probed(files: LogSectionFacts | undefined): ProbedFile[] {
  return (files?.files ?? [])
    .filter((f) => f.role === 'match')
    .map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, kind: f.kind }));
}

/**
 * The files that have a state file (the probe listed the state folder; its names are escaped paths), each as if
 * read to its end: its offset is the doctor's to read; for preflight, having one means its first start is past.
 */
export function statePaths(facts: HostFacts, candidates: readonly ProbedFile[]): Map<string, number> {
  const names = new Set((facts.dirs?.[STATE_DIR] ?? []).map((e) => e.name));
  return new Map(candidates.filter((f) => names.has(escapePath(f.path))).map((f) => [f.path, f.size]));
}

/** The checks of entry `index` (patterns run on the host's lines: the runs call this in a worker). */
export function logChecks(spec: CloudWatchAgentSpec, facts: HostFacts, index: number): PreflightCheck[] {
  const entry = spec.entries[index];
  const files = facts.logs?.[index];
  if (!entry || !files) return [];
  const log = entryName(spec, entry);
  const checks: PreflightCheck[] = [];
  const matches = files.files.filter((f) => f.role === 'match');
  const tailed = tailedFiles(entry, probed(files));
  if (matches.length === 0 || tailed.length === 0) {
    const compressed = matches.length > 0 && matches.every((f) => COMPRESSED_SUFFIX.test(f.path));
    checks.push({
      check: 'file',
      log,
      level: 'warning',
      message: compressed
        ? `every match of ${entry.filePath} is compressed (${matches[0]!.path}): the agent skips .gz .zip .bz2 .tar .zst .rar files and sends nothing`
        : matches.length === 0
          ? `nothing matches ${entry.filePath} yet: the agent waits for it`
          : `no match of ${entry.filePath} is a file the agent would tail (blacklisted, or not a regular file)`,
    });
    return checks;
  }
  const newest = matches.find((f) => f.path === tailed[0]!.path)!;
  const fileCheck = readCheck(entry, newest, log, spec.runAsUser);
  checks.push(...fileCheck);
  if (fileCheck.some((c) => c.level === 'error')) return checks;
  const first = firstStartBytes([entry], () => probed(files), statePaths(facts, tailed))[0]!;
  const resend = firstStartWarning(first);
  if (resend) checks.push({ check: 'first_start', log, level: 'warning', message: resend });
  if (files.tail && files.tail.path === newest.path && entry.timestampFormat !== undefined)
    checks.push(...timestampChecks(entry, log, tailLines(files.tail.text, files.tail.truncated), facts));
  return checks;
}

function readCheck(
  entry: CollectEntry,
  file: LogFileFact,
  log: string,
  runAsUser: string | undefined,
): PreflightCheck[] {
  if (file.refused) return [{ check: 'file', log, level: 'error', message: `${file.path} not read: ${file.refused}` }];
  if (file.kind !== 'file')
    return [{ check: 'file', log, level: 'error', message: `${file.path} is a ${file.kind}, not a file` }];
  if (!file.readable)
    return [
      {
        check: 'file',
        log,
        level: 'error',
        message: `${file.path} is not readable${file.readAs ? ` as ${file.readAs}` : ''}`,
      },
    ];
  if (runAsUser !== undefined && file.readableAsAgent === false)
    return [
      {
        check: 'run_as_user',
        log,
        level: 'error',
        message: `agent.run_as_user ${runAsUser} cannot read ${file.path} (checked on the host as that user): the agent logs "Failed to tail file ${file.path} … permission denied" and sends nothing from it; run the agent as root, or grant ${runAsUser} read access`,
      },
    ];
  const as = runAsUser !== undefined && file.readableAsAgent ? ` (readable as ${runAsUser})` : '';
  const multi = entry.publishMultiLogs ? '' : ' (the newest match: the agent tails only it)';
  return [{ check: 'file', log, level: 'ok', message: `tails ${file.path}${multi}, ${formatBytes(file.size)}${as}` }];
}

export function tailLines(text: string, truncated: boolean): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (truncated) lines.shift();
  return lines.map((l) => l.replace(/\r+$/, ''));
}

/** The host's zone for the agent's Local: minutes east of UTC at a wall time given as if it were UTC. */
function offsetOf(local: LocalTime): (wallMs: number) => number {
  return (wallMs) => Math.round((wallMs - local.toEpochMs(wallMs)) / 60_000);
}

/**
 * Events as the agent splits the lines: a line matching the start pattern begins one. With `{timestamp_format}`
 * a line that does not parse would be glued to the one before, so the share of parsed events would always look
 * perfect: such entries are measured with the agent's default pattern instead.
 */
function events(entry: CollectEntry, lines: string[]): string[] {
  const pattern =
    entry.multiLineStartPattern === '{timestamp_format}' ? DEFAULT_MULTI_LINE_START : entry.multiLineStartPattern;
  const start = compileRe2(pattern);
  const out: string[] = [];
  for (const line of lines) {
    if (out.length === 0 || !start.ok || start.regex.matcher(line).find()) out.push(line);
  }
  return out;
}

function timestampChecks(entry: CollectEntry, log: string, lines: string[], facts: HostFacts): PreflightCheck[] {
  let parser: TimestampParser;
  try {
    parser = new TimestampParser(entry.timestampFormat!);
  } catch (err) {
    return [{ check: 'timestamp_format', log, level: 'error', message: (err as Error).message }];
  }
  const { local } = hostLocalTime(facts);
  const options = {
    timezone: entry.timezone,
    nowMs: facts.clockMs,
    localOffsetMinutes: offsetOf(local),
    ...(facts.timeZoneName ? { localZoneName: facts.timeZoneName } : {}),
  };
  const parsed = events(entry, lines)
    .filter((line) => line.trim() !== '')
    .map((line) => ({ line, result: parser.parse(line, options) }));
  if (parsed.length === 0) return [];
  const ok = parsed.filter((p) => p.result.kind === 'ok');
  const failed = parsed.find((p) => p.result.kind !== 'ok');
  const pct = `${Math.round((ok.length / parsed.length) * 100)}%`;
  const base = `${ok.length} of ${parsed.length} events (${pct}) at the end of the file parse with timestamp_format ${entry.timestampFormat} (searched anywhere in the line, as the agent does)`;
  const checks: PreflightCheck[] = [];
  if (ok.length === 0) {
    checks.push({
      check: 'timestamp_format',
      log,
      level: 'error',
      message: `${base}: the agent stamps every event with the last valid timestamp of the file, else the time it reads it ("Unable to parse timestamp, using last valid timestamp")`,
      ...(failed ? { sample: sample(failed.line) } : {}),
    });
    return checks;
  }
  checks.push({
    check: 'timestamp_format',
    log,
    level: ok.length / parsed.length < PARSE_SHARE_WARNING ? 'warning' : 'ok',
    message: base,
    ...(failed ? { sample: sample(failed.line) } : {}),
  });
  const times = ok.map((p) => ({ line: p.line, ms: (p.result as { ms: number }).ms }));
  const ahead = times.filter((t) => t.ms > facts.clockMs + MAX_IN_FUTURE_MS);
  const old = times.filter((t) => t.ms < facts.clockMs - MAX_IN_PAST_MS);
  const discard = (what: string) =>
    `${what}: the agent discards them on the host ("out of accepted time range. Discard the log entry.")`;
  if (ahead.length > 0) {
    const newest = ahead.reduce((a, b) => (b.ms > a.ms ? b : a));
    checks.push({
      check: 'future',
      log,
      level: 'error',
      message: discard(
        `${ahead.length} of ${times.length} events are more than 2 h ahead of the host's clock (up to ${formatDuration(newest.ms - facts.clockMs)}), read in timezone ${entry.timezone}`,
      ),
      sample: sample(newest.line),
    });
  }
  if (old.length > 0)
    checks.push({
      check: 'past',
      log,
      level: 'warning',
      message: discard(`${old.length} of ${times.length} events are more than 14 days behind the host's clock`),
      sample: sample(old.at(-1)!.line),
    });
  return checks;
}

/** What entry `index`'s checks say when they ran past the deadline. */
export function timedOut(spec: CloudWatchAgentSpec, index: number, budgetMs: number): PreflightCheck {
  const entry = spec.entries[index]!;
  const rest = spec.entries.slice(index + 1).map((e) => entryName(spec, e));
  return {
    check: 'timestamp_format',
    log: entryName(spec, entry),
    level: 'error',
    message:
      `the checks of ${entry.filePath} did not finish within ${Math.round(budgetMs / 1000)} s on its last lines: stopped, not checked` +
      (rest.length ? `; not checked either: ${rest.join(', ')}` : ''),
  };
}
