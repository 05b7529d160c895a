// Rollback: restore the before-images of one run (latest by default), host by host; itself a run.
import { RunFailed, UsageError } from '../../core/errors.js';
import { parseRestored, restoreScript } from '../../operations/restore-script.js';
import { rollbackReport } from './report.js';
import { parseApplyOutput } from '../../operations/apply-script.js';
import { serviceControl, serviceNameOn } from '../../operations/service.js';
import {
  journalDir,
  latestRestorableRun,
  newRunId,
  readRun,
  type JournalHost,
  type JournalRun,
  journalLine,
} from '../../journal/journal.js';
import { RunJournal } from '../../journal/write-ahead.js';
import { acquireRunLock } from '../../journal/lock.js';
import {
  printHuman,
  printJson,
  summarise,
  type ChangeReport,
  type HostReport,
  type RunReport,
} from '../../ui/report.js';
import { prepare, type PreparedHost } from '../fleet/prepare.js';
import { hostSession, probeHost, runScript, type SessionOptions, hostStepTimeoutS } from '../fleet/host-session.js';
import type { LogsReaders } from '../verify/verify-host.js';
import { interruption } from '../fleet/interruption.js';
import { FailureBudget } from '../../core/failure-budget.js';
import { onEveryHost, type HostTransports } from '../fleet/transports.js';
import { connected, hostFailure, type HostResult } from '../fleet/connected.js';

export interface RollbackOptions {
  inventory: string;
  run?: string;
  limit?: string;
  forks: number;
  json: boolean;
  waitLockS?: number;
  /** Ansible's --max-fail-percentage: past it, hosts not yet restored are not run (over SSM: MaxErrors). */
  maxFailPercentage?: number;
  session: SessionOptions;
}

interface HostOutcome {
  report: HostReport;
  journal: JournalHost;
}

export async function runRollback(options: RollbackOptions): Promise<RunReport> {
  const prepared = await prepare(options.inventory, options.limit, { render: false });
  const dir = journalDir(prepared.inventory.file);
  const target = options.run ? await readRun(dir, options.run) : await latestRestorableRun(dir);
  if (!target) throw new UsageError(`nothing to roll back: the journal ${dir} holds no run that changed a file`);
  const runId = newRunId();
  const lock = await acquireRunLock(prepared.inventory.file, runId, options.waitLockS);
  try {
    return await rollbackLocked(prepared, target, runId, dir, options);
  } finally {
    await lock.release();
  }
}

async function rollbackLocked(
  prepared: Awaited<ReturnType<typeof prepare>>,
  target: JournalRun,
  runId: string,
  dir: string,
  options: RollbackOptions,
): Promise<RunReport> {
  const journal = new RunJournal(dir, {
    run: runId,
    command: 'rollback',
    inventory: prepared.inventory.file,
    startedAt: new Date().toISOString(),
    restores: target.run,
  });
  await journal.begin();
  const stop = interruption();
  // CloudWatch Logs for the restart discipline, loaded when the first host's agent is to be restarted.
  let logsReaders: Promise<LogsReaders> | undefined;
  const readers = {
    get: () => (logsReaders ??= import('../verify/verify-host.js').then((m) => new m.LogsReaders())),
  };
  let outcomes: HostOutcome[];
  try {
    outcomes = await onEveryHost<HostOutcome>(
      prepared.hosts,
      {
        forks: options.forks,
        session: options.session,
        budget: new FailureBudget(prepared.hosts.length, options.maxFailPercentage),
        comment: `awslogs-provision rollback ${runId}`,
        quiet: options.json,
        interrupted: stop.requested,
      },
      {
        run: (host, transports, report) =>
          rollbackHost(host, target, runId, options.session, readers, transports, report),
        resultOf: (o) => o.report,
        notRun: (name, message) => ({
          report: { name, status: 'failed', changes: [], error: { message } },
          journal: { name, status: 'failed', changes: [], files: [] },
        }),
      },
    );
  } finally {
    stop.release();
    if (logsReaders) (await logsReaders).destroy();
  }
  const hosts = outcomes.map((o) => o.report);
  await journal.finish(outcomes.map((o) => o.journal));
  const report: RunReport = { run: runId, command: 'rollback', restores: target.run, hosts, summary: summarise(hosts) };

  if (options.json) printJson(report);
  else printHuman(report, { diffs: false });
  if (report.summary.failed + report.summary.unreachable > 0) {
    throw new RunFailed(`${report.summary.failed} failed, ${report.summary.unreachable} unreachable`);
  }
  return report;
}

async function rollbackHost(
  host: PreparedHost,
  target: JournalRun,
  runId: string,
  session: SessionOptions,
  readers: { get: () => Promise<LogsReaders> },
  transports: HostTransports,
  progress: (text: string) => void,
): Promise<HostOutcome> {
  const name = host.host.name;
  const before = target.hosts.find((h) => h.name === name);
  // A migration goes back its own way: the CloudWatch agent's positions carried into awslogs' state.
  if (target.command === 'migrate' && before && (before.files.length > 0 || before.outcomeUnknown))
    return (await import('../migrate/rollback.js')).rollbackMigration(
      host,
      target,
      runId,
      session,
      readers,
      transports,
      progress,
    );
  if (!before || before.files.length === 0) {
    const report: HostReport = {
      name,
      status: 'ok',
      changes: [],
      warnings: [`run ${target.run} changed nothing here`],
    };
    return { report, journal: { name, status: 'ok', changes: [], files: [] } };
  }
  return connected<HostResult>(
    host,
    transports,
    progress,
    async (transport) => {
      const { facts, clock } = await probeHost(transport, host);
      if (facts.os.flavour === 'unknown') throw new Error(`unsupported OS ${facts.os.id} ${facts.os.version}`);
      const desired = host.agent.desiredState(host.spec, host.files, facts.os.flavour);
      const service = serviceNameOn(desired.service, facts.os.flavour);
      progress(`restoring run ${target.run}`);
      const agent = serviceControl(facts.os.flavour, service, host.agent.ready);
      const input = {
        runId,
        fromRunId: target.run,
        agent,
        ...(before.agentWasActive !== undefined ? { agentWasActive: before.agentWasActive } : {}),
        ...(before.agentWasEnabled !== undefined ? { agentWasEnabled: before.agentWasEnabled } : {}),
        missingOk: before.outcomeUnknown === true,
        agentLogPath: host.agent.agentLog.path,
        stepTimeoutS: hostStepTimeoutS(session.commandTimeoutMs),
      };
      // The agent is (re)started after the restore — under the restart discipline, with the restored state —
      // unless it did not run before that run (it is then stopped).
      const restarts = before.agentWasActive === true || (before.agentWasActive === undefined && facts.service.active);
      const discipline = host.agent.restart;
      let outcome;
      let out: { stdout: string; stderr: string };
      let restartChanges: ChangeReport[] = [];
      let restartWarnings: string[] = [];
      if (restarts && discipline) {
        const r = await discipline.rollback(
          {
            session: hostSession(transport, host),
            spec: host.spec,
            facts,
            hostSkewMs: facts.clockMs - clock.midpointMs,
            readers: await readers.get(),
            runId,
          },
          input,
        );
        // Stopped by the first half and started by the second: one restart, as the report says it.
        const done = r.outcome.done.filter((d) => d !== 'service stop' && d !== 'service start');
        const restarted = r.outcome.done.includes('service stop') && r.outcome.done.includes('service start');
        outcome = { ...r.outcome, done: restarted ? [...done, 'service restart'] : r.outcome.done };
        out = { stdout: r.firstStdout, stderr: r.stderr };
        restartChanges = r.changes;
        restartWarnings = r.warnings;
      } else {
        out = await runScript(transport, host, restoreScript(input));
        outcome = parseApplyOutput(out.stdout);
      }
      const told = rollbackReport(parseRestored(out.stdout), outcome, {
        run: target.run,
        service,
        credentials: new Map(desired.files.filter((f) => f.credentials).map((f) => [f.path, f.group])),
        packageName: desired.package.name,
        packageManager: facts.os.flavour === 'amzn2023' ? 'dnf' : 'yum',
        packageWasInstalled: before.packageInstalled,
      });
      const changes = [...told.changes, ...restartChanges];
      const warnings = told.warnings.length ? { warnings: told.warnings } : {};
      const journal: JournalHost = {
        name,
        status: 'changed',
        changes: changes.map(journalLine),
        files: outcome.files,
        agentWasActive: facts.service.active,
        agentWasEnabled: facts.service.enabled,
        packageInstalled: facts.package.installed,
      };
      if (!outcome.ok) {
        const error = {
          message: `${outcome.failedStep ?? 'restore'} failed: ${outcome.messages.join(' ') || out.stderr.trim().slice(-500)}`,
          hint: outcome.agentLog.length ? `agent log:\n${outcome.agentLog.join('\n')}` : undefined,
        };
        return {
          report: { name, status: 'failed', changes, ...warnings, error },
          journal: { ...journal, status: 'failed', error },
        };
      }
      const status = told.changed || restartChanges.length > 0 ? 'changed' : 'ok';
      // A killed run, or a lost answer: the journal could not say what its script did here.
      const unknown = before.outcomeUnknown
        ? [
            `run ${target.run}${target.finishedAt === undefined ? ' did not finish (killed?) and' : ''} left its outcome on this host unknown: the backups of it found here were restored`,
          ]
        : [];
      const allWarnings = [...unknown, ...told.warnings, ...restartWarnings];
      return {
        report: { name, status, changes, ...(allWarnings.length ? { warnings: allWarnings } : {}) },
        journal: { ...journal, status },
      };
    },
    (failure) => hostFailure(name, failure),
  );
}
