// `provision doctor --fix` / `--reset-state` on one host, after its diagnosis: refused unless the tool
// installed the agent there; shows its diff first; with --yes, a run of command 'repair' whose before-images
// sit in the run's backup folder (so `provision rollback` restores them), confirmed by verify.
import { AWSLOGS_CONF_PATH, AGENT_LOG_PATH, AGENT_READY, serviceName } from '../desired.js';
import type { HostSpec } from '../spec.js';
import type { HostFacts, OsFlavour } from '../../../core/types.js';
import type { AgentDiagnosis, RepairContext } from '../../../core/agent-plugin.js';
import type { ChangeReport, DoctorHostReport } from '../../../core/report.js';
import type { FaultName } from '../fault-names.js';
import { pyJson, repairedPushState, type PushState, type StreamView } from './state-view.js';
import { listRuns, readRun } from '../../../journal/journal.js';
import { parseApplyOutput } from '../../../operations/apply-script.js';
import { finishRestartScript, type StateWrite } from '../restart/script.js';
import { trimmedRow } from '../restart.js';
import { firstHalfFailure, stopForRepair, type DisciplineContext } from '../restart/discipline.js';
import { trimPlan } from '../restart/with-restart.js';
import { serviceControl } from '../../../operations/service.js';
import { rewritePushRows } from '../state/state-file.js';
import { stateRunJournal } from '../../../doctor/repair-journal.js';
import type { AwslogsDetail } from './diagnosis.js';
import { resetHost } from './reset-state.js';

export type { Diagnosis, Outcome } from './repair-input.js';
import type { Diagnosis, Outcome } from './repair-input.js';

/** The header line every awslogs.conf the tool writes begins with. */
export const TOOL_HEADER = 'written by awslogs-provision';

/** Why the tool will not repair this host's agent, or undefined when it installed it. */
export async function notManagedReason(
  diagnosis: { facts: HostFacts },
  name: string,
  dir: string,
): Promise<string | undefined> {
  const conf = diagnosis.facts.files[AWSLOGS_CONF_PATH];
  if (!conf?.exists || !conf.content.split('\n', 1)[0]?.includes(TOOL_HEADER))
    return `${AWSLOGS_CONF_PATH} lacks the tool's header line ("${TOOL_HEADER}"): this agent was not installed by the tool`;
  for (const id of await listRuns(dir)) {
    const run = await readRun(dir, id).catch(() => undefined);
    if (run?.command === 'apply' && run.hosts.some((h) => h.name === name && h.status !== 'unreachable'))
      return undefined;
  }
  return `the journal ${dir} holds no apply run for ${name}: this agent was not installed from this inventory`;
}

function flavourOf(d: { facts: HostFacts }): OsFlavour {
  const f = d.facts.os.flavour;
  if (f === 'unknown') throw new Error(`unsupported OS ${d.facts.os.id} ${d.facts.os.version}`);
  return f;
}

function rowDiff(statePath: string, key: string, before: string, after: string): string {
  return `--- ${statePath} push_state[${key}]\n+++ ${statePath} push_state[${key}] (repaired)\n-${before}\n+${after}\n`;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export async function repairHost(
  ctx: RepairContext<HostSpec>,
  agentDiagnosis: AgentDiagnosis,
  report: DoctorHostReport,
): Promise<Outcome> {
  const { options, readers, progress } = ctx;
  const detail = (agentDiagnosis.detail ?? { streams: [] }) as AwslogsDetail;
  const diagnosis: Diagnosis = {
    facts: ctx.facts,
    clock: ctx.clock,
    faults: agentDiagnosis.faults,
    streams: detail.streams,
    ...(detail.rows ? { rows: detail.rows } : {}),
    report,
  };
  const name = ctx.name;
  const base = diagnosis.report;
  const refused = await notManagedReason(diagnosis, name, options.journalDir);
  if (refused)
    return {
      report: {
        ...base,
        status: 'failed',
        error: { message: `repair refused: ${refused}`, hint: 'run provision apply for this host first' },
      },
    };
  const flavour = flavourOf(diagnosis);
  const agent = serviceControl(flavour, serviceName(flavour), AGENT_READY);
  if (options.reset) return resetHost(ctx, diagnosis, agent);

  const wanted = options.fault as FaultName | undefined;
  if (wanted !== undefined && !REPAIRED.includes(wanted)) {
    const fault = diagnosis.faults.find((f) => f.fault === wanted);
    return {
      report: {
        ...base,
        warnings: [
          ...(base.warnings ?? []),
          fault
            ? `${wanted} is not repaired by doctor --fix: ${fault.remedy}`
            : `${wanted}: not found on this host, nothing to repair`,
        ],
      },
    };
  }
  const stale =
    wanted === undefined || wanted === 'stale-state' ? diagnosis.streams.filter((s) => s.stale && s.push) : [];
  const dead =
    wanted === undefined || wanted === 'dead-publisher'
      ? diagnosis.faults.filter((f) => f.fault === 'dead-publisher' && f.severity === 'error')
      : [];
  if (stale.length === 0 && dead.length === 0)
    return {
      report: {
        ...base,
        warnings: [
          ...(base.warnings ?? []),
          wanted === 'dead-publisher'
            ? 'no dead publisher on this host, nothing to restart'
            : `no stale state to repair on this host${wanted === undefined ? ', and no dead publisher' : ''}`,
        ],
      },
    };

  const statePath = ctx.spec.general.state_file;
  const skew = diagnosis.facts.clockMs - diagnosis.clock.midpointMs;
  const hostNow = (): number => Math.round(Date.now() + skew);
  const plan = (views: StreamView[], at: number): { view: StreamView; before: string; after: PushState }[] =>
    views.map((view) => {
      const row = diagnosis.rows!.push.find((r) => r.k === view.push!.source_id)!;
      return { view, before: row.v, after: repairedPushState(view.push!, at) };
    });
  const changesOf = (items: ReturnType<typeof plan>): ChangeReport[] => [
    {
      kind: 'service',
      summary: `stop the agent so that the state file holds still${dead.length ? ` (its dead publisher: ${dead.map((f) => f.log ?? 'a stream').join(', ')})` : ''}`,
      command: agent.stop,
    },
    ...items.map((i) => ({
      kind: 'state',
      path: statePath,
      summary: `push_state ${i.view.push!.source_id} (${i.view.log}): batch_timestamp ${iso(i.view.push!.batch_timestamp)} → ${iso(i.after.batch_timestamp)} (the host's clock); nothing after it is skipped`,
      diff: rowDiff(statePath, i.view.push!.source_id, i.before, pyJson(i.after)),
    })),
    {
      kind: 'state',
      path: statePath,
      summary:
        "each log's last batch (the one a restart replays) is looked for in CloudWatch Logs: trimmed from the replay where it arrived (nothing sent twice), left where it did not (sent once)",
    },
    { kind: 'service', summary: 'start the agent, then verify that new lines arrive', command: agent.start },
  ];
  if (!options.yes) {
    const { error: _pending, ...rest } = base;
    void _pending;
    return {
      report: {
        ...rest,
        status: 'changed',
        changes: changesOf(plan(stale, hostNow())),
        warnings: [...(base.warnings ?? []), 'dry run: nothing was changed; pass --yes to repair'],
      },
    };
  }

  progress('stopping the agent and reading its state');
  const conf = diagnosis.facts.files[AWSLOGS_CONF_PATH];
  const discipline: DisciplineContext = {
    session: ctx.session,
    spec: ctx.spec,
    facts: diagnosis.facts,
    hostSkewMs: skew,
    readers,
    runId: options.runId,
  };
  const half = await stopForRepair(discipline, agent, conf?.exists ? conf.content : undefined);
  if (!half.stopped.handedOff)
    return {
      report: { ...base, status: 'failed', error: { message: `repair: ${firstHalfFailure(half)}; nothing written` } },
    };
  let write: StateWrite | undefined;
  let problem: string | undefined;
  const { changes: replayChanges, warnings } = trimPlan(half, statePath);
  const items = plan(stale, hostNow());
  const st = half.stopped.state;
  if (items.length > 0) {
    if (st.kind !== 'read' || !half.rows) problem = `cannot read ${statePath} after stopping the agent`;
    else {
      for (const view of stale) {
        const now = half.rows.push.find((r) => r.k === view.push!.source_id);
        const then = diagnosis.rows!.push.find((r) => r.k === view.push!.source_id);
        if (!now || now.v !== then?.v)
          problem = `push_state ${view.push!.source_id} changed since the diagnosis; run doctor again`;
      }
    }
  }
  if (problem === undefined && st.kind === 'read') {
    const arrived = new Map(half.judged.filter((j) => j.verdict === 'arrived').map((j) => [j.sourceId, j]));
    const rows = new Map<string, string>();
    for (const i of items) {
      const j = arrived.get(i.view.push!.source_id);
      rows.set(i.view.push!.source_id, pyJson(j ? trimmedRow(i.after) : i.after));
    }
    for (const [id, j] of arrived) if (!rows.has(id)) rows.set(id, pyJson(trimmedRow(j.push)));
    if (rows.size > 0)
      write = {
        path: statePath,
        expectedSha256: st.sha256,
        content: rewritePushRows(st.bytes, rows, items.length > 0 ? new Date() : undefined),
        mode: st.mode,
        owner: st.owner,
        group: st.group,
        // A state repair is a file change of the run: rollback puts the file back byte for byte.
        ...(items.length > 0 ? { backupIndex: 0 } : {}),
      };
  }
  progress('writing the state and starting the agent');
  const out = await ctx.session.run(
    finishRestartScript({
      runId: options.runId,
      agent,
      agentLogPath: AGENT_LOG_PATH,
      ...(problem === undefined && write ? { state: write } : {}),
      undo: write?.backupIndex !== undefined ? ['restore_from "$B" 0'] : [],
      unhealthy: 'the agent did not stay up after the repair; the previous state file is back',
    }),
  );
  const outcome = parseApplyOutput(out.stdout);
  const changes = [...changesOf(items).filter((c) => c.kind === 'service' || c.diff), ...replayChanges];
  const journal = stateRunJournal(name, changes, outcome, diagnosis.facts);
  const withWarnings = warnings.length ? { warnings: [...(base.warnings ?? []), ...warnings] } : {};
  if (problem !== undefined || !outcome.ok) {
    const error = {
      message:
        problem !== undefined
          ? `repair: ${problem}; the agent was started again, nothing written`
          : `repair ${outcome.failedStep ?? ''} failed${outcome.undone ? '; the previous state file is back' : ''}: ${outcome.messages.join(' ') || out.stderr.trim().slice(-300)}`,
      ...(outcome.agentLog.length ? { hint: `agent log:\n${outcome.agentLog.join('\n')}` } : {}),
    };
    return {
      report: { ...base, ...withWarnings, status: 'failed', changes, error },
      journal: { ...journal, status: 'failed', error },
    };
  }
  return await ctx.verified({ ...base, ...withWarnings, status: 'changed', changes }, journal);
}

/** The faults `--fix` repairs here (the others are apply's, or the operator's). */
const REPAIRED: readonly string[] = ['stale-state', 'dead-publisher'];
