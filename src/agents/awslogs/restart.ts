// The awslogs agent's restart discipline, the pure half. On every start the agent replays, for each log, the
// last batch its push_state row names (start_position..end_position) — written BEFORE that batch was sent —
// and today's CloudWatch Logs accepts the replay: a restart sends the last batch of each stream twice, unless
// it never arrived. So before a restart the tool stops the agent, reads its state and the end of each log
// file, asks CloudWatch Logs whether each last batch arrived, and then:
//   arrived → the row is trimmed (start_position = end_position): nothing is replayed, nothing sent twice;
//   missing → the row is left: the replay sends the batch, once;
//   unknown (CloudWatch Logs could not be asked, or the batch cannot be told apart) → left, and said: that
//     stream may get its last batch twice; nothing is lost.
// A batch is known by its last line (the line that ends at end_position), which the agent sends as the end of
// the batch's last event: found in the stream, within a day of the batch's first event and ingested no
// earlier than the row was written, it arrived; a last line that the file's end repeats cannot tell.
// Pure: rows, file bytes and CloudWatch Logs' answer in; decisions and new rows out.
import type { PushState, StreamState } from './state-rows.js';
import { sourceIdOf } from './source-id.js';

const DAY = 24 * 3_600_000;
/** How far the row's write time (the host's clock, whole seconds) may be off the ingestion times. */
export const WRITE_TIME_SLACK_MS = 60_000;

export interface StateRow {
  k: string;
  v: string;
  ctime?: string | null;
  mtime?: string | null;
}

/** What the tool read of a log section's newest file after stopping the agent. */
export interface ReadLog {
  path: string;
  size: number;
  /** The file's first bytes (its fingerprint lines). */
  head: Buffer;
  /** The file's last bytes: `bytes` starts at byte `offset` of the file. */
  window: { offset: number; bytes: Buffer };
}

/** A log section as the configuration the agent restarts with names it, with what was read of its file. */
export interface ReplaySection {
  section: string;
  group: string;
  /** The stream name with its placeholders resolved for this host. */
  stream: string;
  fingerprintLines?: string;
  /** The section's Python codec (utf_8 when unset). */
  encoding?: string;
  log?: ReadLog;
}

/** The batch a restart would replay for one section. */
export interface Replay {
  section: string;
  group: string;
  stream: string;
  sourceId: string;
  push: PushState;
  /** When the row was written (the host's clock, epoch ms), from its mtime. */
  writtenAtMs?: number;
  /** The last line of the batch, decoded as the agent decodes it. */
  lastLine?: string;
  /** Why the batch cannot be told by its last line. */
  unidentified?: string;
  /** The file bytes still needed to know its last line (the read window did not reach them). */
  read?: { path: string; from: number; to: number };
}

export type Verdict = 'arrived' | 'missing' | 'unknown';

export interface Judged extends Replay {
  verdict: Verdict;
  /** In words, for the report. */
  reason: string;
}

/** CloudWatch Logs' answer: the stream's events that end with the batch's last line, or why it could not say. */
export type Evidence =
  | { events: { message: string; timestamp: number; ingestionTime?: number }[] }
  | { streamMissing: true }
  | { error: string };

function json<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A row's mtime (`YYYY-MM-DDTHH:MM:SS`, UTC) as epoch ms. */
export function rowTime(mtime: string | null | undefined): number | undefined {
  if (!mtime || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(mtime)) return undefined;
  const t = Date.parse(`${mtime}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** Python's rstrip(b'\r\n'). */
function stripEnd(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--;
  return b.subarray(0, end);
}

/** Bytes as the agent decodes them (utf_8 by default, undecodable bytes replaced). */
export function decodeAs(bytes: Buffer, encoding: string | undefined): string | undefined {
  const label = (encoding ?? 'utf_8').toLowerCase().replace(/[-\s]/g, '_');
  const whatwg: Record<string, string> = { utf_8: 'utf-8', utf8: 'utf-8', ascii: 'utf-8', latin_1: 'latin1' };
  try {
    return new TextDecoder(whatwg[label] ?? label.replace(/_/g, '-')).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The batch each section's restart would replay: the push_state row of the file the agent would read (its
 * source id), when it covers bytes (start < end). Sections without such a row replay nothing.
 */
export function pendingReplays(push: readonly StateRow[], sections: readonly ReplaySection[]): Replay[] {
  const out: Replay[] = [];
  for (const s of sections) {
    if (!s.log) continue;
    const sourceId = sourceIdOf(s.section, s.log.head, s.fingerprintLines);
    const row = sourceId ? push.find((r) => r.k === sourceId) : undefined;
    const value = row ? json<PushState>(row.v) : undefined;
    if (!sourceId || !row || !value || value.end_position <= value.start_position) continue;
    const writtenAtMs = rowTime(row.mtime);
    const replay: Replay = {
      section: s.section,
      group: s.group,
      stream: s.stream,
      sourceId,
      push: value,
      ...(writtenAtMs !== undefined ? { writtenAtMs } : {}),
    };
    out.push(identify(replay, s.log, s.encoding));
  }
  return out;
}

/** The replay with its last line, from the file's window (or from `bytes` read at `from`, when given). */
export function identify(
  replay: Replay,
  log: ReadLog,
  encoding?: string,
  extra?: { from: number; bytes: Buffer },
): Replay {
  const { start_position: start, end_position: end } = replay.push;
  const { read: _read, ...rest } = replay;
  void _read;
  if (end > log.size)
    return {
      ...rest,
      unidentified: `the file (${log.size} bytes) is shorter than the row's end_position ${end}: truncated or replaced`,
    };
  const window = extra ?? { from: log.window.offset, bytes: log.window.bytes };
  const at = (pos: number) => pos - window.from;
  if (at(start) < 0 || at(end) > window.bytes.length) {
    if (extra) return { ...rest, unidentified: `bytes ${start}-${end} could not be read` };
    return { ...rest, read: { path: log.path, from: start, to: end } };
  }
  // Lines of the region the batch spans, and before it what the window holds: the last line must be unique there.
  const region = window.bytes.subarray(0, at(end));
  if (region[region.length - 1] !== 0x0a)
    return { ...rest, unidentified: `byte ${end - 1} of the file is no line end: the file changed since the batch` };
  const lastStart = region.lastIndexOf(0x0a, region.length - 2) + 1;
  if (lastStart < at(start)) return { ...rest, unidentified: 'its last line starts before the batch' };
  const lastBytes = stripEnd(region.subarray(lastStart));
  const lastLine = decodeAs(lastBytes, encoding);
  if (lastLine === undefined) return { ...rest, unidentified: `its codec ${encoding} is unknown to the tool` };
  if (lastLine.trim() === '') return { ...rest, unidentified: 'its last line is blank' };
  let from = 0;
  while (from < lastStart) {
    const nl = region.indexOf(0x0a, from);
    const stop = nl < 0 || nl >= lastStart ? lastStart : nl + 1;
    if (stripEnd(region.subarray(from, stop)).equals(lastBytes))
      return {
        ...rest,
        lastLine,
        unidentified:
          'its last line also ends an earlier line of the file: CloudWatch Logs cannot tell the batch apart',
      };
    from = stop;
  }
  return { ...rest, lastLine };
}

/** The event timestamps a batch can hold: within a day of its first event (one batch spans 24 h at most). */
export function searchWindow(push: PushState): { fromMs: number; toMs: number } {
  return { fromMs: push.first_timestamp - DAY, toMs: push.first_timestamp + DAY };
}

/** Whether the event's message ends with the line (a multi-line event ends with its last line). */
export function endsWithLine(message: string, line: string): boolean {
  return message === line || message.endsWith(`\n${line}`);
}

/**
 * Arrived, missing or unknown. `hostSkewMs` (the host's clock minus this machine's) turns the row's write
 * time into this machine's, against which CloudWatch Logs' ingestion times are read.
 */
export function judge(replay: Replay, evidence: Evidence | undefined, hostSkewMs?: number): Judged {
  const bytes = `bytes ${replay.push.start_position}-${replay.push.end_position}`;
  if (replay.unidentified || replay.lastLine === undefined)
    return {
      ...replay,
      verdict: 'unknown',
      reason: `the last batch (${bytes}) cannot be told: ${replay.unidentified ?? 'its last line was not read'}`,
    };
  if (!evidence)
    return { ...replay, verdict: 'unknown', reason: `CloudWatch Logs was not asked about the last batch (${bytes})` };
  if ('error' in evidence)
    return {
      ...replay,
      verdict: 'unknown',
      reason: `CloudWatch Logs could not be asked whether the last batch (${bytes}) arrived: ${evidence.error}`,
    };
  if ('streamMissing' in evidence)
    return {
      ...replay,
      verdict: 'missing',
      reason: `the stream does not exist: the last batch (${bytes}) never arrived`,
    };
  const line = replay.lastLine;
  const found = evidence.events.filter((e) => endsWithLine(e.message, line));
  const since =
    replay.writtenAtMs !== undefined && hostSkewMs !== undefined
      ? replay.writtenAtMs - hostSkewMs - WRITE_TIME_SLACK_MS
      : undefined;
  const recent =
    since === undefined ? found : found.filter((e) => e.ingestionTime === undefined || e.ingestionTime >= since);
  if (recent.length > 0)
    return { ...replay, verdict: 'arrived', reason: `the last batch (${bytes}) is in CloudWatch Logs` };
  return {
    ...replay,
    verdict: 'missing',
    reason:
      found.length > 0
        ? `the last batch (${bytes}) is not in CloudWatch Logs (its last line is there only from before the batch was sent)`
        : `the last batch (${bytes}) is not in CloudWatch Logs`,
  };
}

/** The row a restart replays nothing from: the batch is where CloudWatch Logs has it. */
export function trimmedRow(push: PushState): PushState {
  return { ...push, start_position: push.end_position };
}

/**
 * For a reset: where each section's reading resumes in a state that holds no push_state row — after the
 * last batch when it arrived (or when the row replays nothing), at its start when it did not arrive or that
 * is unknown (nothing lost); a section without a row keeps its stream_state row; one with neither reads from
 * its initial_position.
 */
export function resumeRows(
  push: readonly StateRow[],
  streamRows: readonly StateRow[],
  sections: readonly ReplaySection[],
  judged: readonly Judged[],
): { key: string; value: StreamState }[] {
  const out: { key: string; value: StreamState }[] = [];
  for (const s of sections) {
    if (!s.log) continue;
    const sourceId = sourceIdOf(s.section, s.log.head, s.fingerprintLines);
    if (!sourceId) continue;
    const j = judged.find((x) => x.section === s.section && x.sourceId === sourceId);
    const row = push.find((r) => r.k === sourceId);
    const value = row ? json<PushState>(row.v) : undefined;
    if (j || value) {
      const at = j && j.verdict !== 'arrived' ? j.push.start_position : (j?.push ?? value!).end_position;
      out.push({ key: s.section, value: { source_id: sourceId, initial_position: at } });
      continue;
    }
    const kept = streamRows.find((r) => r.k === s.section);
    const v = kept ? json<StreamState>(kept.v) : undefined;
    if (v) out.push({ key: s.section, value: v });
  }
  return out;
}
