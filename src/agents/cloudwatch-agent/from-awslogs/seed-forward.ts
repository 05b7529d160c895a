// awslogs' state + what CloudWatch Logs holds → where the CloudWatch agent starts in each file, so that every line
// is sent once. awslogs writes a file's push_state row when it hands a batch to its publisher, before the batch
// is sent (agents/awslogs/restart.ts): bytes before start_position arrived; start..end arrived only if CloudWatch
// Logs has the batch's last line. A file awslogs has no row for starts where awslogs itself would start it
// (stream_state, initial_position). A rotated file whose bytes did not all arrive is drained. Pure.
import { sourceIdOf } from '../../awslogs/source-id.js';
import { pendingReplays, rowTime, type Judged, type Replay, type StateRow } from '../../awslogs/restart.js';
import type { PushState, StreamState } from '../../awslogs/state-rows.js';
import {
  emptyPlan,
  type ByteRange,
  type FileStart,
  type LogPlan,
  type ObservedFile,
  type SeedLog,
} from './observed.js';

export interface AwslogsState {
  push: readonly StateRow[];
  stream: readonly StateRow[];
}

/** A batch to look for in CloudWatch Logs: the last push_state row of one file. */
export interface BatchToAsk {
  section: string;
  path: string;
  replay: Replay;
}

function json<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function readable(f: ObservedFile): boolean {
  return !f.compressed;
}

/**
 * Step 1: the batches whose arrival decides a position — each file's push_state row that covers bytes. The caller
 * reads what `replay.read` asks for (when the window missed it), then judges each with CloudWatch Logs (judge()).
 */
export function batchesToAsk(state: AwslogsState, logs: readonly SeedLog[]): BatchToAsk[] {
  const out: BatchToAsk[] = [];
  for (const log of logs) {
    for (const f of log.files.filter(readable)) {
      const [replay] = pendingReplays(state.push, [
        {
          section: log.section,
          group: log.group,
          stream: log.stream,
          ...(log.fingerprintLines ? { fingerprintLines: log.fingerprintLines } : {}),
          ...(log.encoding ? { encoding: log.encoding } : {}),
          log: { path: f.path, size: f.size, head: f.head, window: f.window },
        },
      ]);
      if (replay) out.push({ section: log.section, path: f.path, replay });
    }
  }
  return out;
}

export interface ForwardOptions {
  /**
   * A batch CloudWatch Logs could not be asked about: `resend` (default) starts before it — nothing lost, it may
   * arrive twice; `skip` starts after it — nothing twice, it may be lost.
   */
  onUnknown?: 'resend' | 'skip';
}

/** Step 2: per log, where the CloudWatch agent starts in the current file, and the rotated files to drain. */
export function planForward(
  state: AwslogsState,
  logs: readonly SeedLog[],
  judged: readonly Judged[],
  options: ForwardOptions = {},
): LogPlan[] {
  return logs.map((log) => planLog(state, log, judged, options.onUnknown ?? 'resend'));
}

interface Row {
  file: ObservedFile;
  push: PushState;
  writtenAtMs: number;
}

function planLog(state: AwslogsState, log: SeedLog, judged: readonly Judged[], onUnknown: 'resend' | 'skip'): LogPlan {
  const plan = emptyPlan(log);
  const idOf = (f: ObservedFile) => (readable(f) ? sourceIdOf(log.section, f.head, log.fingerprintLines) : undefined);
  const rows: Row[] = [];
  for (const file of log.files) {
    const id = idOf(file);
    const row = id === undefined ? undefined : state.push.find((r) => r.k === id);
    const push = row ? json<PushState>(row.v) : undefined;
    if (push) rows.push({ file, push, writtenAtMs: rowTime(row!.mtime) ?? 0 });
  }

  /** Where awslogs' bytes of a file with a row stop being in CloudWatch Logs. */
  const arrived = (r: Row): { offset: number; why: string } => {
    const { start_position: start, end_position: end } = r.push;
    if (end <= start) return { offset: end, why: `awslogs' position (push_state ${end}, nothing pending)` };
    const sourceId = sourceIdOf(log.section, r.file.head, log.fingerprintLines);
    const j = judged.find((x) => x.section === log.section && x.sourceId === sourceId);
    const verdict = j?.verdict ?? 'unknown';
    const reason = j?.reason ?? `CloudWatch Logs was not asked about bytes ${start}-${end}`;
    if (verdict === 'arrived') return { offset: end, why: reason };
    if (verdict === 'missing') return { offset: start, why: reason };
    if (onUnknown === 'resend') {
      plan.mayDuplicate.push({ path: r.file.path, from: start, to: end, reason });
      return { offset: start, why: `${reason}: sent again (it may arrive twice)` };
    }
    plan.notes.push(`${r.file.path}: bytes ${start}-${end} may be lost: ${reason}`);
    return { offset: end, why: `${reason}: not sent again (it may be lost)` };
  };

  const current = log.files.find((f) => f.current && readable(f));
  const currentRow = rows.find((r) => r.file === current);
  if (current) {
    let start: { offset: number; why: string };
    if (currentRow) start = arrived(currentRow);
    else start = unreadStart(state, log, current, idOf(current), rows.length > 0);
    if (start.offset > current.size) {
      plan.notes.push(
        `${current.path} (${current.size} bytes) is shorter than awslogs' position ${start.offset}: replaced under its name, read from its start`,
      );
      start = { offset: 0, why: 'the file was replaced since awslogs read it' };
    }
    plan.current = { path: current.path, inode: current.inode, size: current.size, ...start };
  }

  // The file awslogs read last: the one whose row it wrote last. A rotated one is drained, and so is every
  // rotated file newer than it that awslogs never saw (rotated twice while neither agent ran).
  const last = rows.reduce<Row | undefined>(
    (a, r) =>
      !a || r.writtenAtMs > a.writtenAtMs || (r.writtenAtMs === a.writtenAtMs && r.file.mtimeMs > a.file.mtimeMs)
        ? r
        : a,
    undefined,
  );
  if (last && last.file !== current) {
    const from = arrived(last);
    if (from.offset < last.file.size)
      plan.drains.push({ path: last.file.path, inode: last.file.inode, size: last.file.size, ...from });
    for (const f of log.files) {
      if (f === current || f === last.file || f.mtimeMs <= last.file.mtimeMs || rows.some((r) => r.file === f))
        continue;
      if (f.compressed) {
        plan.lost.push({
          path: f.path,
          from: 0,
          to: f.size,
          reason: 'rotated and compressed while neither agent ran: no agent reads a compressed file',
        });
        continue;
      }
      plan.drains.push({
        path: f.path,
        inode: f.inode,
        size: f.size,
        offset: 0,
        why: 'rotated while neither agent ran, after the file awslogs read last: awslogs never read it',
      });
    }
  }
  return plan;
}

/** Where awslogs would start a current file it has no push_state row for. */
function unreadStart(
  state: AwslogsState,
  log: SeedLog,
  current: ObservedFile,
  id: string | undefined,
  sawOtherFiles: boolean,
): { offset: number; why: string } {
  const row = state.stream.find((r) => r.k === log.section);
  const stream = row ? json<StreamState>(row.v) : undefined;
  if (stream && id !== undefined && stream.source_id === id)
    return { offset: stream.initial_position, why: `awslogs' stream_state position ${stream.initial_position}` };
  if (stream || sawOtherFiles)
    return { offset: 0, why: 'a file awslogs has not read yet (it read an earlier one): from its start' };
  if (log.initialPosition === 'end_of_file')
    return {
      offset: current.size,
      why: 'awslogs never read this log and its initial_position is end_of_file: from the end at the cut-over',
    };
  return { offset: 0, why: 'awslogs never read this log (initial_position start_of_file): from its start' };
}

/** Every byte range the plan says may arrive twice or never, for the report. */
export function planRisks(plans: readonly LogPlan[]): { mayDuplicate: ByteRange[]; lost: ByteRange[] } {
  return { mayDuplicate: plans.flatMap((p) => p.mayDuplicate), lost: plans.flatMap((p) => p.lost) };
}

export type { FileStart };
