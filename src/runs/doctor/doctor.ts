// `provision doctor`: per host, the agent's health from one probe (package, service, the agent log's last
// 64 KiB, the log files), the agent's own diagnosis (its read positions, its log's faults: src/agents/<agent>/),
// and the preflight checks: named faults with evidence and remedies. `--preflight` shows the preflight checks
// only; `--fix` and `--reset-state` go on to the agent's repair.
import { RunFailed, UsageError } from '../../core/errors.js';
import type { HostFacts, HostStatus, OsFlavour } from '../../core/types.js';
import type { DoctorHostReport, Fault, PreflightReport, ToolClock } from '../../core/report.js';
import type { AgentDiagnosis, RepairOptions } from '../../core/agent-plugin.js';
import { ALL_FAULT_NAMES } from '../../agents/catalog.js';
import { LOG_TAIL_BYTES } from '../../facts/log-files.js';
import { journalDir, newRunId, writeRun, type JournalHost, type JournalRun } from '../../journal/journal.js';
import type { Transport } from '../../core/ports.js';
import { printDoctor } from '../../ui/doctor-report.js';
import { printJson, summarise, type RunReport } from '../../ui/report.js';
import { hostSession, probeHost, type SessionOptions } from '../fleet/host-session.js';
import { connected } from '../fleet/connected.js';
import { onEveryHost, type HostTransports } from '../fleet/transports.js';
import { interruption } from '../fleet/interruption.js';
import { boundedAgentLog, boundedPreflight, PatternWorkers } from '../patterns/pattern-workers.js';
import { prepare, type PreparedHost } from '../fleet/prepare.js';
import { LogsReaders } from '../verify/verify-host.js';
import { verified } from './repair-verify.js';

export type { DoctorHostReport } from '../../core/report.js';

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

/** What a diagnosis leaves for a repair on the same connection. */
export interface Diagnosis {
  facts: HostFacts;
  clock: ToolClock;
  checks: PreflightReport[];
  agent?: AgentDiagnosis;
  report: DoctorHostReport;
}

interface HostOutcome {
  report: DoctorHostReport;
  journal?: JournalHost;
}

export async function runDoctor(options: DoctorOptions): Promise<RunReport> {
  if (options.fault !== undefined && !ALL_FAULT_NAMES.includes(options.fault))
    throw new UsageError(`--fault ${JSON.stringify(options.fault)}: one of ${ALL_FAULT_NAMES.join(', ')}`);
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
  // How the agents' read positions were read: said once in every --json report (the first host's words).
  const stateRead = hosts.map((h) => (h as DoctorHostReport).state?.read).find((r) => r !== undefined);
  if (!options.preflightOnly && stateRead) report.stateRead = stateRead;
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
  return connected(
    host,
    transports,
    progress,
    async (transport) => {
      progress('gathering facts');
      const diagnosis = await diagnoseHost(transport, host, patterns, options.preflightOnly, readers);
      if (options.preflightOnly || !(options.fix || options.resetState)) return { report: diagnosis.report };
      const repair = host.agent.doctor.repair;
      const base = diagnosis.report;
      if (!repair || !diagnosis.agent) {
        const what = options.resetState ? '--reset-state' : '--fix';
        return {
          report: {
            ...base,
            warnings: [
              ...(base.warnings ?? []),
              `${what}: the ${host.agent.name} agent has no repair of its own here; provision apply fixes what the faults above name`,
            ],
          },
        };
      }
      const repairOptions: RepairOptions = {
        runId,
        journalDir: journalDirectory,
        ...(options.fault !== undefined ? { fault: options.fault } : {}),
        reset: options.resetState,
        resend: options.resend,
        yes: options.yes,
      };
      return await repair(
        {
          session: hostSession(transport, host),
          spec: host.spec,
          name,
          facts: diagnosis.facts,
          clock: diagnosis.clock,
          readers,
          options: repairOptions,
          progress,
          verified: (report, journal) =>
            verified(
              transport,
              host,
              diagnosis.facts,
              readers,
              {
                runId,
                reset: options.resetState,
                ...(options.verifyTimeoutS ? { verifyTimeoutS: options.verifyTimeoutS } : {}),
              },
              progress,
              report,
              journal,
            ),
        },
        diagnosis.agent,
        base,
      );
    },
    (failure) => ({ report: { name, changes: [], ...failure } }),
  );
}

export async function diagnoseHost(
  transport: Transport,
  host: PreparedHost,
  patterns: PatternWorkers,
  preflightOnly = false,
  readers?: LogsReaders,
): Promise<Diagnosis> {
  const name = host.host.name;
  const agent = host.agent;
  const logPath = agent.agentLog.path;
  const { facts, clock } = await probeHost(transport, host, {
    logs: true,
    extraFiles: preflightOnly ? [] : [{ path: logPath, tail: true, maxBytes: LOG_TAIL_BYTES }],
  });
  const checks = await boundedPreflight(patterns, host, facts, clock);
  if (preflightOnly) {
    const status: HostStatus = checks.some((c) => c.level === 'error') ? 'failed' : 'ok';
    const errors = checks.filter((c) => c.level === 'error');
    return {
      facts,
      clock,
      checks,
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
  const logFile = facts.extraFiles?.[logPath];
  const classified =
    logFile?.exists && !logFile.unreadable
      ? await boundedAgentLog(patterns, agent.name, logFile.content, Boolean(logFile.truncated), facts)
      : [];
  const diagnosis = await agent.doctor.diagnose({
    spec: host.spec,
    facts,
    clock,
    checks,
    logFaults: classified,
    session: hostSession(transport, host),
    ...(readers ? { readers } : {}),
  });
  const faults: Fault[] = diagnosis.faults;
  const status: HostStatus = faults.some((f) => f.severity === 'error') ? 'failed' : 'ok';
  const errors = faults.filter((f) => f.severity === 'error');
  const report: DoctorHostReport = {
    name,
    status,
    changes: [],
    agent: {
      installed: facts.package.installed,
      ...(facts.package.version ? { version: facts.package.version } : {}),
      service: serviceOf(host, facts.os.flavour),
      active: facts.service.active,
      enabled: facts.service.enabled,
      ...(diagnosis.status ? { status: diagnosis.status } : {}),
    },
    faults,
    ...(diagnosis.state ? { state: diagnosis.state } : {}),
    agentLog: { path: logPath, faults: classified ?? [] },
    preflight: checks,
    ...(errors.length ? { error: { message: `faults: ${errors.map((f) => f.fault).join(', ')}` } } : {}),
  };
  const warnings = [
    ...faults.filter((f) => f.severity === 'warning').map((f) => `${f.fault}: ${f.evidence[0] ?? ''}`),
    ...diagnosis.warnings,
    ...(classified === undefined
      ? [
          `${logPath}: its lines were not classified within ${Math.round(patterns.budgetMs / 1000)} s (stopped); its faults are not shown`,
        ]
      : []),
  ];
  if (warnings.length) report.warnings = warnings;
  return { facts, clock, checks, agent: diagnosis, report };
}

/** The agent's service name on the host's flavour (the default flavour's when the OS is not known). */
function serviceOf(host: PreparedHost, flavour: OsFlavour | 'unknown'): string {
  return host.agent.serviceName(flavour === 'unknown' ? 'amzn2' : flavour);
}
