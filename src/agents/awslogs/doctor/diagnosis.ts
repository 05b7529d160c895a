// The awslogs doctor's diagnosis of one host, after the runs' probe (package, service, the agent log's last
// 64 KiB classified, the log files) and preflight: its state file (copied and opened here read-only), each
// stream's last batch looked for in CloudWatch Logs, and the named faults.
import type { AgentDiagnosis, DiagnoseContext } from '../../../core/agent-plugin.js';
import type { StateReport } from '../../../core/report.js';
import type { HostSpec } from '../spec.js';
import { lastBatchesFromFacts } from '../restart/discipline.js';
import { fetchStateFile, readStateRows } from '../state/state-file.js';
import { sqliteEngine } from '../state/sqlite.js';
import type { LogFault } from './agent-log.js';
import { diagnose } from './diagnose.js';
import { viewState, type StateRows, type StreamView } from './state-view.js';

/** How the doctor read the state file: said in every --json report. */
export function stateReadMethod(): string {
  return `copied from the host (as root, or as the user who controls its path) and opened here with ${sqliteEngine()}, read-only; the host needs no sqlite3`;
}

/** What a repair takes from the diagnosis it follows. */
export interface AwslogsDetail {
  streams: StreamView[];
  rows?: StateRows;
  stateBytes?: Buffer;
}

export async function diagnoseAwslogs(ctx: DiagnoseContext<HostSpec>): Promise<AgentDiagnosis> {
  const { spec, facts, clock } = ctx;
  const logFaults = (ctx.logFaults ?? []) as LogFault[];
  const statePath = spec.general.state_file;
  const state: StateReport = { path: statePath, present: false, read: stateReadMethod(), streams: [] };
  let rows: StateRows | undefined;
  let stateBytes: Buffer | undefined;
  try {
    stateBytes = await fetchStateFile(ctx.session, statePath);
    if (stateBytes) {
      state.present = true;
      rows = readStateRows(stateBytes);
    }
  } catch (err) {
    state.error = `cannot read ${statePath}: ${(err as Error).message}`;
  }
  const skippedFuture = logFaults.find((f) => f.fault === 'future')?.skipped ?? [];
  // What CloudWatch Logs holds of each last batch: push_state alone cannot say what arrived.
  const judged = rows
    ? await lastBatchesFromFacts(ctx.readers, spec, facts, facts.clockMs - clock.midpointMs, rows.push).catch(() => [])
    : [];
  const lastBatches = new Map(judged.map((j) => [j.section, { verdict: j.verdict, reason: j.reason }]));
  const streams = viewState(
    rows ?? { push: [], stream: [] },
    spec.logs,
    facts.logs,
    facts.clockMs,
    skippedFuture,
    lastBatches,
  );
  state.streams = streams.map((s) => ({ ...s, position: positionText(s), saved: s.push !== undefined }));
  const faults = diagnose({ spec, facts, logFaults, streams, preflight: ctx.checks });
  const detail: AwslogsDetail = { streams, ...(rows ? { rows } : {}), ...(stateBytes ? { stateBytes } : {}) };
  return { faults, state, warnings: [], detail };
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return Math.abs(h) < 1 ? `${Math.round(ms / 60_000)} min` : `${h.toFixed(1)} h`;
}

/** A stream's row in words: its source, the bytes of its last batch against the file, and its batch_timestamp. */
export function positionText(s: StreamView): string {
  const source = s.sourceId ? `source ${s.sourceId.slice(0, 12)}… ` : '';
  if (!s.push) return `${source}no push_state`;
  const size = s.fileSize !== undefined ? ` of ${s.fileSize} (${s.unsentBytes} after it)` : '';
  return `${source}bytes ${s.push.start_position}-${s.push.end_position}${size}, batch_timestamp ${new Date(s.push.batch_timestamp).toISOString()} (${hours(s.batchAgeMs ?? 0)} ago)`;
}
