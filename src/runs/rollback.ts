// Rollback: restore the before-images of one run (latest by default), host by host; itself a run.
import { RunFailed, UsageError } from '../core/errors.js';
import { AGENT_LOG_PATH, desiredState } from '../agents/awslogs/desired.js';
import { restoreScript } from '../operations/restore-script.js';
import { parseApplyOutput } from '../operations/apply-script.js';
import { serviceControl, serviceNameOn } from '../operations/service.js';
import {
  journalDir,
  latestRestorableRun,
  newRunId,
  readRun,
  writeRun,
  type JournalHost,
  type JournalRun,
  journalLine,
} from '../journal/journal.js';
import { acquireRunLock } from '../journal/lock.js';
import { runWithProgress } from '../ui/progress.js';
import { printHuman, printJson, summarise, type HostReport, type RunReport } from '../ui/report.js';
import { prepare, type PreparedHost } from './prepare.js';
import { failureOf, gatherFacts, openHost, runScript, type SessionOptions, hostStepTimeoutS } from './host-session.js';
import { interruption } from './interruption.js';

export interface RollbackOptions {
  inventory: string;
  run?: string;
  limit?: string;
  forks: number;
  json: boolean;
  waitLockS?: number;
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
  const started = new Date().toISOString();
  const stop = interruption();
  const outcomes = await runWithProgress<HostOutcome>(
    prepared.hosts.map((host) => ({
      title: host.host.name,
      run: (report) => rollbackHost(host, target, runId, options.session, report),
      resultOf: (o) => o.report,
    })),
    (name) => ({
      report: { name, status: 'failed', changes: [], error: { message: 'interrupted before this host was started' } },
      journal: { name, status: 'failed', changes: [], files: [] },
    }),
    { forks: options.forks, quiet: options.json, interrupted: stop.requested },
  );
  stop.release();
  const hosts = outcomes.map((o) => o.report);
  const journal: JournalRun = {
    run: runId,
    command: 'rollback',
    inventory: prepared.inventory.file,
    startedAt: started,
    finishedAt: new Date().toISOString(),
    restores: target.run,
    hosts: outcomes.map((o) => o.journal),
  };
  await writeRun(dir, journal);
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
  progress: (text: string) => void,
): Promise<HostOutcome> {
  const name = host.host.name;
  const before = target.hosts.find((h) => h.name === name);
  if (!before || before.files.length === 0) {
    const report: HostReport = {
      name,
      status: 'ok',
      changes: [],
      warnings: [`run ${target.run} changed nothing here`],
    };
    return { report, journal: { name, status: 'ok', changes: [], files: [] } };
  }
  let transport;
  try {
    progress('connecting');
    transport = await openHost(host, session);
  } catch (err) {
    const failure = failureOf(err);
    return { report: { name, ...failure, changes: [] }, journal: { name, ...failure, changes: [], files: [] } };
  }
  try {
    const facts = await gatherFacts(transport, host);
    if (facts.os.flavour === 'unknown') throw new Error(`unsupported OS ${facts.os.id} ${facts.os.version}`);
    const service = serviceNameOn(desiredState(host.spec, host.files, facts.os.flavour).service, facts.os.flavour);
    progress(`restoring run ${target.run}`);
    const script = restoreScript({
      runId,
      fromRunId: target.run,
      agent: serviceControl(facts.os.flavour, service),
      agentWasActive: before.agentWasActive ?? false,
      missingOk: before.outcomeUnknown === true,
      agentLogPath: AGENT_LOG_PATH,
      stepTimeoutS: hostStepTimeoutS(session.commandTimeoutMs),
    });
    const out = await runScript(transport, host, script);
    const outcome = parseApplyOutput(out.stdout);
    const changes = outcome.files
      .filter((f) => f.sha256Before !== f.sha256After)
      .map((f) => ({ kind: 'file', path: f.path, summary: `restored from run ${target.run}` }));
    const journal: JournalHost = {
      name,
      status: 'changed',
      changes: changes.map(journalLine),
      files: outcome.files,
      agentWasActive: facts.service.active,
    };
    if (!outcome.ok) {
      const error = {
        message: `${outcome.failedStep ?? 'restore'} failed: ${outcome.messages.join(' ') || out.stderr.trim().slice(-500)}`,
        hint: outcome.agentLog.length ? `agent log:\n${outcome.agentLog.join('\n')}` : undefined,
      };
      return { report: { name, status: 'failed', changes, error }, journal: { ...journal, status: 'failed', error } };
    }
    const status = changes.length > 0 ? 'changed' : 'ok';
    return { report: { name, status, changes }, journal: { ...journal, status } };
  } catch (err) {
    const failure = failureOf(err);
    return { report: { name, ...failure, changes: [] }, journal: { name, ...failure, changes: [], files: [] } };
  } finally {
    await transport.close().catch(() => undefined);
  }
}
