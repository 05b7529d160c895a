// An apply whose changes restart a running agent, under the restart discipline: the apply script's first
// half writes everything, stops the agent and reads its state (round trip 1); CloudWatch Logs is asked which
// last batches arrived; the second half trims those rows, starts the agent and watches it, undoing the run's
// files when it does not stay up (round trip 2). Runs that do not restart the agent stay one round trip.
import { AWSLOGS_CONF_PATH } from '../agents/awslogs/desired.js';
import { pyJson } from '../doctor/state-view.js';
import { trimmedRow } from '../agents/awslogs/restart.js';
import type { ApplyOutcome } from '../operations/apply-script.js';
import { applyScript, parseApplyOutput, type ApplyScriptInput } from '../operations/apply-script.js';
import { finishRestartScript, RESTORE_RUN_BACKUPS, stopAndReadLines } from '../operations/restart-script.js';
import type { ChangeReport } from '../ui/report.js';
import type { DesiredState } from '../core/types.js';
import {
  firstHalf,
  logsToRead,
  replayNotes,
  sectionsOf,
  type DisciplineContext,
  type FirstHalf,
} from './restart-discipline.js';
import { runScript } from './host-session.js';
import { rewritePushRows } from './state-file.js';

export interface RestartedApply {
  outcome: ApplyOutcome;
  stderr: string;
  /** What the restart did about each stream's last batch. */
  changes: ChangeReport[];
  warnings: string[];
}

/** Both halves; a transport failure in either throws (the caller then reports the outcome as unknown). */
export async function applyWithRestart(
  ctx: DisciplineContext,
  input: Omit<ApplyScriptInput, 'restartAs'>,
  desired: DesiredState,
): Promise<RestartedApply> {
  const conf = desired.files.find((f) => f.path === AWSLOGS_CONF_PATH)?.content;
  const sections = sectionsOf(conf, ctx.host.spec.logs);
  const statePath = ctx.host.spec.general.state_file;
  const script = applyScript({
    ...input,
    restartAs: stopAndReadLines({ agent: input.agent, statePath, logs: logsToRead(sections) }),
  });
  const half = await firstHalf(ctx, script, sections);
  if (!half.outcome.ok || !half.stopped.handedOff)
    return { outcome: half.outcome, stderr: half.stderr, changes: [], warnings: [] };
  const { state, changes, warnings } = trimPlan(half, statePath);
  const out = await runScript(
    ctx.transport,
    ctx.host,
    finishRestartScript({
      runId: input.runId,
      agent: input.agent,
      agentLogPath: input.agentLogPath,
      ...(state ? { state } : {}),
      undo: [RESTORE_RUN_BACKUPS, `${input.agent.reset} >/dev/null 2>&1`],
      unhealthy: 'the agent did not stay up after its configuration changed; rolled back',
      ...(input.stepTimeoutS ? { stepTimeoutS: input.stepTimeoutS } : {}),
    }),
  );
  const second = parseApplyOutput(out.stdout);
  const outcome: ApplyOutcome = {
    ok: second.ok,
    files: second.undone ? [] : half.outcome.files,
    done: [...half.outcome.done, ...second.done],
    ...(second.failedStep !== undefined ? { failedStep: second.failedStep } : {}),
    messages: second.messages,
    agentLog: second.agentLog,
    undone: second.undone,
  };
  return { outcome, stderr: out.stderr, changes: second.ok ? changes : [], warnings };
}

/** The trimmed rows (those whose last batch arrived) and what to say about every stream. */
export function trimPlan(
  half: FirstHalf,
  statePath: string,
): {
  state?: Parameters<typeof finishRestartScript>[0]['state'];
  changes: ChangeReport[];
  warnings: string[];
} {
  const notes = replayNotes(half.judged, half.decisionError ?? unreadable(half));
  const changes: ChangeReport[] = [...notes.trimmed, ...notes.resent].map((summary) => ({
    kind: 'state',
    path: statePath,
    summary,
  }));
  const st = half.stopped.state;
  const trims = new Map(
    half.judged.filter((j) => j.verdict === 'arrived').map((j) => [j.sourceId, pyJson(trimmedRow(j.push))]),
  );
  if (st.kind !== 'read' || trims.size === 0) return { changes, warnings: notes.mayDuplicate };
  return {
    state: {
      path: statePath,
      expectedSha256: st.sha256,
      content: rewritePushRows(st.bytes, trims),
      mode: st.mode,
      owner: st.owner,
      group: st.group,
    },
    changes,
    warnings: notes.mayDuplicate,
  };
}

function unreadable(half: FirstHalf): string | undefined {
  return half.stopped.state.kind === 'unreadable'
    ? `the state file could not be read: ${half.stopped.state.why}`
    : undefined;
}
