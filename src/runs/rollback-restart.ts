// A rollback that (re)starts the agent, under the restart discipline: the restore script's first half puts
// the run's before-images back (the state file too, when the run had changed it), stops the agent and reads
// the restored state and awslogs.conf; CloudWatch Logs is asked which restored last batches arrived; the
// second half trims those and starts the agent.
import { AGENT_LOG_PATH, AWSLOGS_CONF_PATH } from '../agents/awslogs/desired.js';
import { parseApplyOutput, type ApplyOutcome } from '../operations/apply-script.js';
import { restoreScript, type RestoreScriptInput } from '../operations/restore-script.js';
import { finishRestartScript, stopAndReadLines } from '../operations/restart-script.js';
import type { ChangeReport } from '../ui/report.js';
import { trimPlan } from './apply-restart.js';
import { runScript } from './host-session.js';
import { firstHalf, logsToRead, sectionsOf, type DisciplineContext } from './restart-discipline.js';

export async function restoreWithRestart(
  ctx: DisciplineContext,
  input: Omit<RestoreScriptInput, 'restartAs'>,
): Promise<{ outcome: ApplyOutcome; stderr: string; changes: ChangeReport[]; warnings: string[] }> {
  // The sections are those of the restored awslogs.conf, printed by the first half; until then the spec's.
  const guess = sectionsOf(undefined, ctx.host.spec.logs);
  const statePath = ctx.host.spec.general.state_file;
  const script = restoreScript({
    ...input,
    restartAs: stopAndReadLines({
      agent: input.agent,
      statePath,
      logs: logsToRead(guess),
      confPath: AWSLOGS_CONF_PATH,
    }),
  });
  const half = await firstHalf(ctx, script, guess);
  if (!half.outcome.ok || !half.stopped.handedOff)
    return { outcome: half.outcome, stderr: half.stderr, changes: [], warnings: [] };
  const { state, changes, warnings } = trimPlan(half, statePath);
  const out = await runScript(
    ctx.transport,
    ctx.host,
    finishRestartScript({
      runId: input.runId,
      agent: input.agent,
      agentLogPath: AGENT_LOG_PATH,
      ...(state ? { state } : {}),
      undo: [],
      unhealthy: 'the agent did not stay up after the rollback',
      ...(input.stepTimeoutS ? { stepTimeoutS: input.stepTimeoutS } : {}),
    }),
  );
  const second = parseApplyOutput(out.stdout);
  return {
    outcome: {
      ok: second.ok,
      files: half.outcome.files,
      done: [...half.outcome.done, ...second.done],
      ...(second.failedStep !== undefined ? { failedStep: second.failedStep } : {}),
      messages: second.messages,
      agentLog: second.agentLog,
      undone: false,
    },
    stderr: out.stderr,
    changes: second.ok ? changes : [],
    warnings,
  };
}
