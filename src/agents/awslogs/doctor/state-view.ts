// The agent's state file as the doctor sees it: per log section, its stream_state row, the push_state row of
// the file it reads now (source id = md5(section name + fingerprint lines), as the agent computes it), the
// positions against the file's size and batch_timestamp against the host's clock, and whether the row is
// stale: its replayed events are more than 2 h after its batch_timestamp while not ahead of the host's
// clock — the manual's fault that survives restarts. Pure.
import type { PushState } from '../state-rows.js';
import { sourceIdOf } from '../source-id.js';
import type { LogSection } from '../spec.js';
import type { LogSectionFacts } from '../../../core/types.js';
import type { SkippedEvent } from './agent-log.js';

export interface StateRow {
  k: string;
  v: string;
  ctime?: string | null;
  mtime?: string | null;
}

export type { PushState };

export interface StateRows {
  push: StateRow[];
  stream: StateRow[];
}

export interface StreamView {
  log: string;
  file?: string;
  fileSize?: number;
  /** The source id of the file the agent would read now, when its fingerprint lines are known. */
  sourceId?: string;
  streamState?: { source_id: string; initial_position: number };
  push?: PushState;
  pushMtime?: string;
  /**
   * Bytes of the file CloudWatch Logs does not hold yet: after the last batch when it arrived, from its start
   * when it did not (push_state is written before a batch is sent); after it when unknown (see lastBatch).
   */
  unsentBytes?: number;
  /** Whether the last batch push_state names is in CloudWatch Logs, as the doctor found out. */
  lastBatch?: { verdict: 'arrived' | 'missing' | 'unknown'; reason: string };
  /** Host clock − batch_timestamp, ms. */
  batchAgeMs?: number;
  stale: boolean;
  /** Why the row is (or is not) judged stale; also what is odd about it. */
  notes: string[];
}

const HOUR = 3_600_000;
const MAX_IN_FUTURE = 2 * HOUR;

export { sourceIdOf };

function json<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export function viewState(
  rows: StateRows,
  sections: LogSection[],
  logs: LogSectionFacts[] | undefined,
  hostNowMs: number,
  skippedFuture: SkippedEvent[] = [],
  /** What CloudWatch Logs holds of each log's last batch, by section name. */
  lastBatches: ReadonlyMap<string, { verdict: 'arrived' | 'missing' | 'unknown'; reason: string }> = new Map(),
): StreamView[] {
  return sections.map((section, i) => {
    const files = logs?.[i];
    const newest = files?.files.find((f) => f.role === 'match' && !f.compressed && f.kind === 'file');
    const view: StreamView = { log: section.section, stale: false, notes: [] };
    if (newest) {
      view.file = newest.path;
      view.fileSize = newest.size;
      if (newest.head !== undefined) {
        const id = sourceIdOf(section.section, newest.head, section.file_fingerprint_lines);
        if (id) view.sourceId = id;
      }
    }
    const streamRow = rows.stream.find((r) => r.k === section.section);
    if (streamRow) {
      const v = json<{ source_id: string; initial_position: number }>(streamRow.v);
      if (v) view.streamState = v;
    }
    const key = view.sourceId ?? view.streamState?.source_id;
    const pushRow = key ? rows.push.find((r) => r.k === key) : undefined;
    if (!streamRow && !pushRow) view.notes.push('no state yet: the agent has not read this log');
    if (!pushRow) return view;
    const push = json<PushState>(pushRow.v);
    if (!push) {
      view.notes.push(`push_state row ${pushRow.k} is not JSON`);
      return view;
    }
    view.push = push;
    if (pushRow.mtime) view.pushMtime = pushRow.mtime;
    view.batchAgeMs = hostNowMs - push.batch_timestamp;
    const last = lastBatches.get(section.section);
    if (last) view.lastBatch = last;
    if (view.fileSize !== undefined) {
      view.unsentBytes = view.fileSize - (last?.verdict === 'missing' ? push.start_position : push.end_position);
      if (last?.verdict === 'missing')
        view.notes.push(`${last.reason}: it is counted as unsent (push_state is written before a batch is sent)`);
      else if (last?.verdict === 'unknown' && push.end_position > push.start_position)
        view.notes.push(
          `${last.reason}: unsent is ${view.fileSize - push.end_position} byte(s), or ${view.fileSize - push.start_position} if that batch never arrived`,
        );
      if (view.unsentBytes < 0)
        view.notes.push(
          `the file (${view.fileSize} bytes) is shorter than the saved end_position ${push.end_position}: truncated or replaced`,
        );
    }
    judgeStale(view, push, hostNowMs, skippedFuture);
    return view;
  });
}

function judgeStale(view: StreamView, push: PushState, hostNowMs: number, skipped: SkippedEvent[]): void {
  const limit = push.batch_timestamp + MAX_IN_FUTURE;
  const inRow = skipped.filter(
    (s) =>
      (s.sourceId === undefined || s.sourceId === push.source_id) &&
      s.start >= push.start_position &&
      s.end <= push.end_position,
  );
  // A replayed event is judged against batch_timestamp: stale when it is beyond it and yet not really ahead.
  const replayedAhead = inRow.filter((s) => s.timestampMs > limit);
  const reallyAhead = replayedAhead.filter((s) => s.timestampMs > (s.atMs ?? hostNowMs) + MAX_IN_FUTURE);
  const firstAhead = push.first_timestamp > limit && push.first_timestamp <= hostNowMs + MAX_IN_FUTURE;
  if (reallyAhead.length > 0) {
    view.notes.push(
      `${reallyAhead.length} replayed event(s) are more than 2 h ahead of the agent's own clock when it skipped them: the lines or the clock are wrong, not the state`,
    );
    return;
  }
  if (replayedAhead.length > 0 || firstAhead) {
    view.stale = true;
    const evidence =
      replayedAhead.length > 0
        ? `${replayedAhead.length} event(s) in bytes ${push.start_position}-${push.end_position} were skipped "in future" against it`
        : `its first event (${new Date(push.first_timestamp).toISOString()}) is more than 2 h after it`;
    view.notes.push(
      `batch_timestamp ${new Date(push.batch_timestamp).toISOString()} is stale: ${evidence}; every restart replays bytes ${push.start_position}-${push.end_position} against it`,
    );
  }
}

/** The repaired row: batch_timestamp set to the host's clock now, every other field kept. */
export function repairedPushState(push: PushState, hostNowMs: number): PushState {
  return { ...push, batch_timestamp: hostNowMs };
}

/** json.dumps(obj) with Python's default separators, as the agent writes `v`. */
export function pyJson(value: object): string {
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v ?? null)}`);
  return `{${parts.join(', ')}}`;
}
