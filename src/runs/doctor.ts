// `provision doctor`: per host, the agent's health from one probe (package, service, the agent log's last
// 64 KiB, the log files), its state file (copied and opened here read-only), and the preflight checks:
// named faults with evidence and remedies. `--preflight` shows the preflight checks only; `--fix` and
// `--reset-state` go on to repair (src/runs/repair.ts).
import { RunFailed, UsageError } from '../core/errors.js';
import type { HostFacts, HostStatus } from '../core/types.js';
import { AGENT_LOG_PATH } from '../agents/awslogs/desired.js';
import type { LogFault } from '../doctor/agent-log.js';
import { diagnose, FAULT_NAMES, type Fault, type FaultName } from '../doctor/diagnose.js';
import type { PreflightCheck, ToolClock } from '../doctor/preflight.js';
import { viewState, type StateRows, type StreamView } from '../doctor/state-view.js';
import { LOG_TAIL_BYTES } from '../facts/log-files.js';
import { journalDir, newRunId, writeRun, type JournalHost, type JournalRun } from '../journal/journal.js';
import type { Transport } from '../core/ports.js';
import { printDoctor } from '../ui/doctor-report.js';
import { printJson, summarise, type HostReport, type RunReport } from '../ui/report.js';
import { failureOf, probeHost, type SessionOptions } from './host-session.js';
import { onEveryHost, type HostTransports } from './transports.js';
import { interruption } from './interruption.js';
import { boundedAgentLog, boundedPreflight, PatternWorkers } from './pattern-workers.js';
import { prepare, type PreparedHost } from './prepare.js';
import { repairHost, type RepairOptions } from './repair.js';
import { fetchStateFile, readStateRows } from './state-file.js';
import { sqliteEngine } from './sqlite.js';
import { LogsReaders } from './verify-host.js';
import { lastBatchesFromFacts } from './restart-discipline.js';

export interface DoctorOptions {
  inventory: string;
  limit?: string;
  forks: number;
  json: boolean;
  /** Only the preflight checks. */
  preflightOnly: boolean;
  fix: boolean;
  fault?: string;
  resetState: boolean;
  resend: boolean;
  /** Act; without it, --fix and --reset-state only show what they would do. */
  yes: boolean;
  verifyTimeoutS?: number;
  session: SessionOptions;
}

/** How the doctor read the state file: said in every --json report. */
export function stateReadMethod(): string {
  return `copied from the host (as root, or as the user who controls its path) and opened here with ${sqliteEngine()}, read-only; the host needs no sqlite3`;
}

export interface AgentReport {
  installed: boolean;
  version?: string;
  service: string;
  active: boolean;
  enabled: boolean;
}

export interface StateReport {
  path: string;
  present: boolean;
  read: string;
  streams: StreamView[];
  error?: string;
}

export interface DoctorHostReport extends HostReport {
  agent?: AgentReport;
  faults?: Fault[];
  state?: StateReport;
  agentLog?: { path: string; faults: LogFault[] };
}

/** What a diagnosis leaves for a repair on the same connection. */
export interface Diagnosis {
  facts: HostFacts;
  clock: ToolClock;
  checks: PreflightCheck[];
  faults: Fault[];
  streams: StreamView[];
  rows?: StateRows;
  stateBytes?: Buffer;
  report: DoctorHostReport;
}

interface HostOutcome {
  report: DoctorHostReport;
  journal?: JournalHost;
}

export async function runDoctor(options: DoctorOptions): Promise<RunReport> {
  if (options.fault !== undefined && !(FAULT_NAMES as readonly string[]).includes(options.fault))
    throw new UsageError(`--fault ${JSON.stringify(options.fault)}: one of ${FAULT_NAMES.join(', ')}`);
  if ((options.fault || options.resend) && !options.fix && !options.resetState)
    throw new UsageError('--fault and --resend go with --fix or --reset-state');
  if (options.preflightOnly && (options.fix || options.resetState))
    throw new UsageError('--preflight only checks: leave out --fix and --reset-state');
  const prepared = await prepare(options.inventory, options.limit, { render: false });
  const runId = newRunId();
  const started = new Date().toISOString();
  const dir = journalDir(prepared.inventory.file);
  const acting = (options.fix || options.resetState) && options.yes;
  const dryRun = (options.fix || options.resetState) && !options.yes;
  const readers = new LogsReaders();
  const patterns = new PatternWorkers({
    commandTimeoutMs: options.session.commandTimeoutMs,
    maxWorkers: options.forks,
  }).warm();
  const stop = interruption();
  let outcomes: HostOutcome[];
  try {
    outcomes = await onEveryHost<HostOutcome>(
      prepared.hosts,
      {
        forks: options.forks,
        // A repair shown but not made (no --yes) writes nothing on this machine, a new host key included.
        session: { ...options.session, recordNewHostKeys: !dryRun },
        comment: `awslogs-provision doctor ${runId}`,
        quiet: options.json,
        interrupted: stop.requested,
        dryRun,
      },
      {
        run: (host, transports, progress) =>
          doctorHost(host, runId, dir, options, readers, patterns, transports, progress),
        resultOf: (o) => o.report,
        notRun: (name, message) => ({ report: { name, status: 'failed', changes: [], error: { message } } }),
      },
    );
  } finally {
    stop.release();
    readers.destroy();
    await patterns.close();
  }
  const hosts = outcomes.map((o) =>
    dryRun && o.report.status === 'changed' ? { ...o.report, pending: true } : o.report,
  );
  const command = options.preflightOnly ? 'preflight' : acting ? 'repair' : 'doctor';
  const report: RunReport = { run: runId, command, hosts, summary: summarise(hosts) };
  if (!options.preflightOnly) report.stateRead = stateReadMethod();
  if (dryRun) report.dryRun = true;
  const journaled = outcomes.filter((o) => o.journal);
  if (acting && journaled.length > 0) {
    const run: JournalRun = {
      run: runId,
      command: 'repair',
      inventory: prepared.inventory.file,
      startedAt: started,
      finishedAt: new Date().toISOString(),
      hosts: journaled.map((o) => o.journal!),
    };
    await writeRun(dir, run);
  }
  if (options.json) printJson(report);
  else printDoctor(report, { diffs: options.fix || options.resetState });
  const bad = report.summary.failed + report.summary.unreachable;
  if (bad > 0)
    throw new RunFailed(
      `${report.summary.failed} host(s) with faults or failed, ${report.summary.unreachable} unreachable`,
    );
  return report;
}

async function doctorHost(
  host: PreparedHost,
  runId: string,
  journalDirectory: string,
  options: DoctorOptions,
  readers: LogsReaders,
  patterns: PatternWorkers,
  transports: HostTransports,
  progress: (text: string) => void,
): Promise<HostOutcome> {
  const name = host.host.name;
  let transport: Transport;
  try {
    progress('connecting');
    transport = await transports.open(host);
  } catch (err) {
    return { report: { name, changes: [], ...failureOf(err) } };
  }
  try {
    progress('gathering facts');
    const diagnosis = await diagnoseHost(transport, host, patterns, options.preflightOnly, readers);
    if (options.preflightOnly || !(options.fix || options.resetState)) return { report: diagnosis.report };
    const repair: RepairOptions = {
      runId,
      journalDir: journalDirectory,
      fault: options.fault as FaultName | undefined,
      reset: options.resetState,
      resend: options.resend,
      yes: options.yes,
      ...(options.verifyTimeoutS ? { verifyTimeoutS: options.verifyTimeoutS } : {}),
    };
    return await repairHost(transport, host, diagnosis, repair, readers, progress);
  } catch (err) {
    return { report: { name, changes: [], ...failureOf(err) } };
  } finally {
    await transport.close().catch(() => undefined);
  }
}

export async function diagnoseHost(
  transport: Transport,
  host: PreparedHost,
  patterns: PatternWorkers,
  preflightOnly = false,
  readers?: LogsReaders,
): Promise<Diagnosis> {
  const name = host.host.name;
  const { facts, clock } = await probeHost(transport, host, {
    logs: true,
    extraFiles: preflightOnly ? [] : [{ path: AGENT_LOG_PATH, tail: true, maxBytes: LOG_TAIL_BYTES }],
  });
  const checks = await boundedPreflight(patterns, host.spec, facts, clock);
  if (preflightOnly) {
    const status: HostStatus = checks.some((c) => c.level === 'error') ? 'failed' : 'ok';
    const errors = checks.filter((c) => c.level === 'error');
    return {
      facts,
      clock,
      checks,
      faults: [],
      streams: [],
      report: {
        name,
        status,
        changes: [],
        preflight: checks,
        ...(errors.length
          ? { error: { message: `preflight: ${errors.length} error(s)`, hint: 'see the preflight checks' } }
          : {}),
      },
    };
  }
  const logFile = facts.extraFiles?.[AGENT_LOG_PATH];
  const classified =
    logFile?.exists && !logFile.unreadable
      ? await boundedAgentLog(patterns, logFile.content, Boolean(logFile.truncated), facts)
      : [];
  const logFaults = classified ?? [];
  const statePath = host.spec.general.state_file;
  const state: StateReport = { path: statePath, present: false, read: stateReadMethod(), streams: [] };
  let rows: StateRows | undefined;
  let stateBytes: Buffer | undefined;
  try {
    stateBytes = await fetchStateFile(transport, host, statePath);
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
    ? await lastBatchesFromFacts(readers, host, facts, facts.clockMs - clock.midpointMs, rows.push).catch(() => [])
    : [];
  const lastBatches = new Map(judged.map((j) => [j.section, { verdict: j.verdict, reason: j.reason }]));
  const streams = viewState(
    rows ?? { push: [], stream: [] },
    host.spec.logs,
    facts.logs,
    facts.clockMs,
    skippedFuture,
    lastBatches,
  );
  state.streams = streams;
  const faults = diagnose({ spec: host.spec, facts, logFaults, streams, preflight: checks });
  const status: HostStatus = faults.some((f) => f.severity === 'error') ? 'failed' : 'ok';
  const errors = faults.filter((f) => f.severity === 'error');
  const report: DoctorHostReport = {
    name,
    status,
    changes: [],
    agent: {
      installed: facts.package.installed,
      ...(facts.package.version ? { version: facts.package.version } : {}),
      service: facts.os.flavour === 'amzn1' ? 'awslogs' : 'awslogsd',
      active: facts.service.active,
      enabled: facts.service.enabled,
    },
    faults,
    state,
    agentLog: { path: AGENT_LOG_PATH, faults: logFaults },
    preflight: checks,
    ...(errors.length ? { error: { message: `faults: ${errors.map((f) => f.fault).join(', ')}` } } : {}),
  };
  const warnings = [
    ...faults.filter((f) => f.severity === 'warning').map((f) => `${f.fault}: ${f.evidence[0] ?? ''}`),
    ...(classified === undefined
      ? [
          `${AGENT_LOG_PATH}: its lines were not classified within ${Math.round(patterns.budgetMs / 1000)} s (stopped); its faults are not shown`,
        ]
      : []),
  ];
  if (warnings.length) report.warnings = warnings;
  return {
    facts,
    clock,
    checks,
    faults,
    streams,
    ...(rows ? { rows } : {}),
    ...(stateBytes ? { stateBytes } : {}),
    report,
  };
}
