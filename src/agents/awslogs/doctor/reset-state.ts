// `provision doctor --reset-state`: the blunt reset, only when asked, under the restart discipline. The agent
// is stopped, its state and the end of each log read, and CloudWatch Logs asked whether each stream's last
// batch arrived; the state file is then backed up and replaced by one that holds no push_state row (a stale
// batch_timestamp goes with them) and only says where each log resumes: after its last batch where CloudWatch
// Logs has it, at that batch's start where it does not or cannot say (nothing lost). Lines written while the
// agent was stopped are read then, once. With --resend the state file is removed instead: every log is sent
// again from its initial_position (the dry run and the run say how many bytes).
import { AWSLOGS_CONF_PATH, AGENT_LOG_PATH } from '../desired.js';
import { resumeRows } from '../restart.js';
import type { HostSpec } from '../spec.js';
import { parseApplyOutput } from '../../../operations/apply-script.js';
import { finishRestartScript } from '../restart/script.js';
import type { ServiceControl } from '../../../operations/service.js';
import type { RepairContext } from '../../../core/agent-plugin.js';
import type { ChangeReport } from '../../../core/report.js';
import { pyJson } from './state-view.js';
import type { Diagnosis, Outcome } from './repair-input.js';
import { stateRunJournal } from '../../../doctor/repair-journal.js';
import { firstHalfFailure, replayNotes, stopForRepair, type DisciplineContext } from '../restart/discipline.js';
import { freshState } from '../state/state-file.js';

export async function resetHost(
  repair: RepairContext<HostSpec>,
  diagnosis: Diagnosis,
  agent: ServiceControl,
): Promise<Outcome> {
  const { options, readers, progress, spec } = repair;
  const base = diagnosis.report;
  const statePath = spec.general.state_file;
  const resent = spec.logs.reduce((sum, section, i) => {
    const view = diagnosis.streams[i];
    return section.initial_position === 'end_of_file' ? sum : sum + (view?.fileSize ?? 0);
  }, 0);
  const conf = diagnosis.facts.files[AWSLOGS_CONF_PATH];
  const changes: ChangeReport[] = [
    { kind: 'service', summary: 'stop the agent', command: agent.stop },
    {
      kind: 'state',
      path: statePath,
      summary: options.resend
        ? 'back up and remove the state file: the agent forgets every position and reads each log again from its initial_position'
        : "back up the state file and replace it by one without push_state rows that says where each log resumes: after its last batch where CloudWatch Logs has it, at that batch's start where it does not (nothing lost, nothing sent twice)",
    },
    { kind: 'service', summary: 'start the agent, then verify', command: agent.start },
  ];
  const bytesNote = options.resend
    ? `--resend: ${resent} byte(s) of the current log files ${options.yes ? 'are' : 'would be'} sent again from their start (duplicates in CloudWatch Logs)`
    : `nothing is sent again: each log resumes where CloudWatch Logs' copy of it ends (--resend would send ${resent} byte(s) of the current log files again)`;
  const { error: _pending, ...rest } = base;
  void _pending;
  if (!options.yes)
    return {
      report: {
        ...rest,
        status: 'changed',
        changes,
        warnings: [...(base.warnings ?? []), bytesNote, 'dry run: nothing was changed; pass --yes to reset'],
      },
    };
  progress('stopping the agent and reading its state');
  const ctx: DisciplineContext = {
    session: repair.session,
    spec,
    facts: diagnosis.facts,
    hostSkewMs: diagnosis.facts.clockMs - diagnosis.clock.midpointMs,
    readers,
    runId: options.runId,
  };
  const half = await stopForRepair(ctx, agent, conf?.exists ? conf.content : undefined);
  const st = half.stopped.state;
  if (!half.stopped.handedOff || st.kind === 'unreadable') {
    // A first half that failed (a refusal before the stop, a stop that failed) says why; else the state was unreadable.
    const why =
      half.stopped.handedOff && st.kind === 'unreadable'
        ? `the state file cannot be read: ${st.why}`
        : firstHalfFailure(half);
    // Handed over but unreadable: the second half only starts the agent again.
    if (half.stopped.handedOff)
      await repair.session
        .run(
          finishRestartScript({
            runId: options.runId,
            agent,
            agentLogPath: AGENT_LOG_PATH,
            undo: [],
            unhealthy: 'the agent did not stay up',
          }),
        )
        .catch(() => undefined);
    return { report: { ...rest, status: 'failed', error: { message: `reset: ${why}; nothing written` } } };
  }
  const resume = resumeRows(half.rows?.push ?? [], half.rows?.stream ?? [], half.sections, half.judged);
  const notes = replayNotes(half.judged, half.decisionError);
  const resumed: ChangeReport[] = options.resend
    ? []
    : resume.map((r) => {
        const j = half.judged.find((x) => x.section === r.key);
        return {
          kind: 'state',
          path: statePath,
          summary: `${r.key} resumes at byte ${r.value.initial_position}${j ? ` (${j.reason})` : ''}`,
        };
      });
  const out = await repair.session.run(
    finishRestartScript({
      runId: options.runId,
      agent,
      agentLogPath: AGENT_LOG_PATH,
      state: {
        path: statePath,
        expectedSha256: st.kind === 'read' ? st.sha256 : 'absent',
        content: options.resend ? 'remove' : freshState(resume.map((r) => ({ key: r.key, value: pyJson(r.value) }))),
        mode: st.kind === 'read' ? st.mode : 0o644,
        owner: st.kind === 'read' ? st.owner : 'root',
        group: st.kind === 'read' ? st.group : 'root',
        backupIndex: 0,
      },
      undo: ['restore_from "$B" 0'],
      unhealthy: 'the agent did not stay up after the reset; the previous state file is back',
    }),
  );
  const outcome = parseApplyOutput(out.stdout);
  const done = [...changes, ...resumed];
  const journal = stateRunJournal(repair.name, done, outcome, diagnosis.facts);
  const warnings = [...(base.warnings ?? []), bytesNote, ...(options.resend ? [] : notes.mayDuplicate)];
  const report = { ...rest, status: 'changed' as const, changes: done, warnings };
  if (!outcome.ok) {
    const error = {
      message: `reset ${outcome.failedStep ?? ''} failed: ${outcome.messages.join(' ') || out.stderr.trim().slice(-300)}`,
    };
    return { report: { ...report, status: 'failed', error }, journal: { ...journal, status: 'failed', error } };
  }
  return repair.verified(report, journal);
}
