// An operation whose own script ends by restarting the agent (an apply that changed a file it reads, a
// rollback), under the restart discipline: the operation's script is the first half (its steps, then the
// agent stopped and its state read: round trip 1); CloudWatch Logs is asked which last batches arrived; the
// second half trims those rows, starts the agent and watches it, undoing the operation when it does not stay
// up (round trip 2). Runs that do not restart the agent stay one round trip.
import { AWSLOGS_CONF_PATH } from '../desired.js';
import { pyJson } from '../doctor/state-view.js';
import { trimmedRow } from '../restart.js';
import type { HostSpec } from '../spec.js';
import type { ApplyOutcome } from '../../../operations/apply-script.js';
import { applyScript, parseApplyOutput, type ApplyScriptInput } from '../../../operations/apply-script.js';
import { restoreScript, type RestoreScriptInput } from '../../../operations/restore-script.js';
import { finishRestartScript, RESTORE_RUN_BACKUPS, stopAndReadLines, type StateWrite } from './script.js';
import type { ServiceControl } from '../../../operations/service.js';
import type { Restarted, RestartDiscipline } from '../../../core/agent-plugin.js';
import type { ChangeReport } from '../../../core/report.js';
import type { DesiredState } from '../../../core/types.js';
import {
  firstHalf,
  logsToRead,
  replayNotes,
  sectionsOf,
  type DisciplineContext,
  type FirstHalf,
} from './discipline.js';
import { rewritePushRows } from '../state/state-file.js';

export type { Restarted } from '../../../core/agent-plugin.js';

interface Operation {
  runId: string;
  agent: ServiceControl;
  agentLogPath: string;
  stepTimeoutS?: number;
  /** The operation's script, given the lines that stop the agent and read its state in place of its restart. */
  script: (restartAs: string) => string;
  /** The sections the restart will use, as far as they are known before the first half (it may print them). */
  conf?: string;
  /** Also print this file in the first half: the awslogs.conf the operation put in place. */
  confPath?: string;
  undo: string[];
  unhealthy: string;
}

/** Both halves; a transport failure in either throws (the caller then reports the outcome as unknown). */
async function restartWithDiscipline(ctx: DisciplineContext, op: Operation): Promise<Restarted> {
  const sections = sectionsOf(op.conf, ctx.spec.logs);
  const statePath = ctx.spec.general.state_file;
  const restartAs = stopAndReadLines({
    agent: op.agent,
    statePath,
    logs: logsToRead(sections),
    ...(op.confPath ? { confPath: op.confPath } : {}),
  });
  const half = await firstHalf(ctx, op.script(restartAs), sections);
  if (!half.outcome.ok || !half.stopped.handedOff)
    return { outcome: half.outcome, firstStdout: half.stdout, stderr: half.stderr, changes: [], warnings: [] };
  const { state, changes, warnings } = trimPlan(half, statePath);
  const out = await ctx.session.run(
    finishRestartScript({
      runId: op.runId,
      agent: op.agent,
      agentLogPath: op.agentLogPath,
      ...(state ? { state } : {}),
      undo: op.undo,
      unhealthy: op.unhealthy,
      ...(op.stepTimeoutS ? { stepTimeoutS: op.stepTimeoutS } : {}),
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
  return { outcome, firstStdout: half.stdout, stderr: out.stderr, changes: second.ok ? changes : [], warnings };
}

/** An apply that restarts the running agent; its files are undone when the agent does not stay up. */
export function applyWithRestart(
  ctx: DisciplineContext,
  input: Omit<ApplyScriptInput, 'restartAs'>,
  desired: DesiredState,
): Promise<Restarted> {
  return restartWithDiscipline(ctx, {
    ...input,
    script: (restartAs) => applyScript({ ...input, restartAs }),
    conf: desired.files.find((f) => f.path === AWSLOGS_CONF_PATH)?.content,
    undo: [RESTORE_RUN_BACKUPS, `${input.agent.reset} >/dev/null 2>&1`],
    unhealthy: 'the agent did not stay up after its configuration changed; rolled back',
  });
}

/** A rollback that (re)starts the agent, with the restored state and the restored awslogs.conf's sections. */
export function restoreWithRestart(
  ctx: DisciplineContext,
  input: Omit<RestoreScriptInput, 'restartAs'>,
): Promise<Restarted> {
  return restartWithDiscipline(ctx, {
    ...input,
    script: (restartAs) => restoreScript({ ...input, restartAs }),
    confPath: AWSLOGS_CONF_PATH,
    undo: [],
    unhealthy: 'the agent did not stay up after the rollback',
  });
}

/** The trimmed rows (those whose last batch arrived) and what to say about every stream. */
export function trimPlan(
  half: FirstHalf,
  statePath: string,
): { state?: StateWrite; changes: ChangeReport[]; warnings: string[] } {
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

/** awslogs' restart discipline, as the plug-in hands it to the runs. */
export const AWSLOGS_RESTART: RestartDiscipline<HostSpec> = {
  apply: applyWithRestart,
  rollback: restoreWithRestart,
};
