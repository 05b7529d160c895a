// The agent plug-in: everything that differs between log agents (DESIGN.md, "Two agents, one design"). An agent
// lives in src/agents/<agent>/ and hands the runs one LogAgentPlugin; the planner, operations, facts, runs,
// journal and UI work on what it returns (packages, files, services, commands, logs), never on its names.
// Types only.
import type { CredentialsSpec, ResolvedCredentials } from './credentials.js';
import type { Problem } from './errors.js';
import type { HostSession, LogEventsReaders } from './ports.js';
import type { ChangeReport, DoctorHostReport, Fault, PreflightReport, StateReport, ToolClock } from './report.js';
import type { DesiredFile, DesiredState, HostFacts, OsFlavour } from './types.js';
import type { InventoryHost } from '../inventory/types.js';
import type { ApplyOutcome, ApplyScriptInput } from '../operations/apply-script.js';
import type { RestoreScriptInput } from '../operations/restore-script.js';
import type { JournalHost } from '../journal/journal.js';

/** The agents the tool provisions: `log_agent` in the inventory. */
export type { LogAgent as LogAgentName } from '../agents/log-agent.js';
import type { LogAgent as LogAgentName } from '../agents/log-agent.js';

/** What every agent's validated host spec has: the runs read these, the rest is the agent's own. */
export interface AgentSpec {
  /** The inventory host's name. */
  host: string;
  /** The region the agent sends to, when the inventory (or the agent's config) says; verify reads there. */
  region?: string;
  /** `aws_endpoint_url`: where the tool's own AWS calls go (the lab's endpoint). */
  endpointUrl?: string;
  credentials: CredentialsSpec;
}

/** Every host's spec, or every problem of every host at once (file, line, rule), and the warnings. */
export interface AgentValidation<S extends AgentSpec> {
  specs: Map<string, S>;
  problems: Problem[];
  warnings: Problem[];
}

/** The files a host gets (whatever its OS), rendered before any host is contacted; `secrets` are masked everywhere. */
export interface AgentFiles {
  files: DesiredFile[];
  secrets: string[];
}

/** What the facts probe reads for the agent, besides the host itself (the same whatever the OS). */
export interface ProbeNeeds {
  /** Managed paths: existence, type, mode, owner and content (each file the agent reads and the tool compares). */
  paths: string[];
  /** Folders whose entries are listed (a folder the agent reads every file of). */
  dirs?: string[];
  packageName: string;
  /** The service's SysV name (Amazon Linux 1) and its systemd unit (Amazon Linux 2 and 2023). */
  services: { amzn1: string; amzn2: string };
  /** Globs of where the agent's code lives (its Python decides how it compiles patterns). */
  agentCodeDirs?: string[];
  /** The user the agent runs as, when not root: its uid and groups are read (preflight's read check). */
  runAs?: string;
}

/** One log the agent ships, as the tool looks at it: probed, checked by preflight, verified. */
export interface AgentLog {
  /** How reports name it (an awslogs section, a collect_list entry). */
  name: string;
  /** A path or a glob. */
  file: string;
  /** The group and stream names as configured (placeholders unresolved: see resolveName). */
  group: string;
  stream: string;
  /** First lines the probe reads of the newest files (what identifies a file to the agent); at least 1. */
  headLines: number;
  /** The timestamp verify's probe line starts with, so that the agent parses it as it parses the log. */
  probeStamp?: { dateFormat: string; utc: boolean };
  /** How long a new line may take to be sent (the agent's flush interval), ms. */
  flushMs: number;
}

export type PreflightCheck = PreflightReport;

export interface AgentPreflight<S extends AgentSpec> {
  /** The checks of the host itself (its clock, its zone, the agent's runtime): no pattern runs on host data. */
  hostChecks(spec: S, facts: HostFacts, tool: ToolClock): PreflightCheck[];
  /**
   * The checks of log `index` that run the agent's patterns on the host's lines, which anyone who can write
   * the log controls: the runs call this in a worker thread with a deadline (runs/patterns/).
   */
  logChecks(spec: S, facts: HostFacts, index: number): PreflightCheck[];
  /** What log `index`'s checks say when they ran past the deadline (the later logs are not checked). */
  timedOut(spec: S, index: number, budgetMs: number): PreflightCheck;
}

export interface DiagnoseContext<S extends AgentSpec> {
  spec: S;
  facts: HostFacts;
  clock: ToolClock;
  checks: PreflightCheck[];
  /** classifyLog's findings in the agent's log, or undefined when they ran past the deadline. */
  logFaults: unknown[] | undefined;
  session: HostSession;
  readers?: LogEventsReaders;
}

export interface AgentDiagnosis {
  faults: Fault[];
  state?: StateReport;
  /** What the agent's own control says of it (the CloudWatch agent's `ctl -a status`). */
  status?: Record<string, unknown>;
  warnings: string[];
  /** Whatever the agent's repair needs of the diagnosis; opaque to the runs. */
  detail?: unknown;
}

export interface RepairOptions {
  runId: string;
  journalDir: string;
  fault?: string;
  reset: boolean;
  resend: boolean;
  yes: boolean;
}

export interface RepairOutcome {
  report: DoctorHostReport;
  journal?: JournalHost;
}

export interface RepairContext<S extends AgentSpec> {
  session: HostSession;
  spec: S;
  name: string;
  facts: HostFacts;
  clock: ToolClock;
  readers: LogEventsReaders;
  options: RepairOptions;
  progress(text: string): void;
  /** The end of every repair: a probe line per log, waited for in CloudWatch Logs; repaired faults marked. */
  verified(report: DoctorHostReport, journal: JournalHost): Promise<RepairOutcome>;
}

export interface AgentDoctor<S extends AgentSpec> {
  /** The faults `--fault` may name. */
  readonly faultNames: readonly string[];
  /** The agent log's findings, from its last bytes (patterns on host data: run in a worker by the runs). */
  classifyLog(text: string, truncated: boolean, facts: HostFacts): unknown[];
  diagnose(ctx: DiagnoseContext<S>): Promise<AgentDiagnosis>;
  /** `--fix` and `--reset-state`; absent when the agent has no repair of its own (apply fixes its faults). */
  repair?(ctx: RepairContext<S>, diagnosis: AgentDiagnosis, report: DoctorHostReport): Promise<RepairOutcome>;
}

export interface RestartContext<S extends AgentSpec> {
  session: HostSession;
  spec: S;
  facts: HostFacts;
  /** The host's clock minus this machine's, from the facts' probe. */
  hostSkewMs?: number;
  /** Where CloudWatch Logs is asked; undefined when the tool cannot ask. */
  readers?: LogEventsReaders;
  runId: string;
}

export interface Restarted {
  outcome: ApplyOutcome;
  /** What the first half printed (the operation's own records: files restored, …). */
  firstStdout: string;
  stderr: string;
  /** What the restart did about what the agent would send again. */
  changes: ChangeReport[];
  warnings: string[];
}

/**
 * How the agent is restarted without sending anything twice, for an agent whose plain restart would (awslogs
 * replays each stream's last batch). An agent without one is restarted plainly.
 */
export interface RestartDiscipline<S extends AgentSpec> {
  /** An apply whose plan restarts the running agent (its script, ending in the discipline's first half). */
  apply(ctx: RestartContext<S>, input: Omit<ApplyScriptInput, 'restartAs'>, desired: DesiredState): Promise<Restarted>;
  /** A rollback that (re)starts the agent with the restored files. */
  rollback(ctx: RestartContext<S>, input: Omit<RestoreScriptInput, 'restartAs'>): Promise<Restarted>;
}

/** What an apply hands an agent's carry-over: the host as the facts saw it, and a way to read it once more. */
export interface CarryContext<S extends AgentSpec> {
  session: HostSession;
  spec: S;
  files: AgentFiles;
  facts: HostFacts;
  runId: string;
}

/** The host's spec and files with what must stay on it for now, what that means, and what to do once applied. */
export interface Carried<S extends AgentSpec> {
  spec: S;
  files: AgentFiles;
  /** Shown with the plan's changes (the plan itself shows the files). */
  changes: ChangeReport[];
  warnings: string[];
  /** A script body (run under wholeScript) once the apply succeeded: what the applied files no longer need. */
  afterApply?: string;
}

export interface LogAgentPlugin<S extends AgentSpec = AgentSpec> {
  readonly name: LogAgentName;
  /** The inventory variable that names the agent's credentials source (problems about it point there). */
  readonly credentialsVar: string;
  /** The agent's own log, and an extended regular expression (grep -E) of its warning and error lines. */
  readonly agentLog: { path: string; problems: string };
  /** A shell test, with $pid the agent's main PID, that the agent has started its work: the health check waits for it. */
  readonly ready?: string;
  /**
   * The hosts whose log_agent is this agent → their specs, or every problem at once. `known`: the variables other
   * agents read, which these hosts may carry (a group shared with another agent's hosts): known, not typos.
   */
  validate(hosts: InventoryHost[], known: readonly string[]): AgentValidation<S>;
  /** Why the agent cannot be provisioned on this OS, or undefined when it can. */
  unsupported(flavour: OsFlavour | 'unknown'): string | undefined;
  render(spec: S, credentials: ResolvedCredentials | undefined): AgentFiles;
  desiredState(spec: S, files: AgentFiles, flavour: OsFlavour): DesiredState;
  /** The service's name on a flavour (the doctor names it before any desired state is made). */
  serviceName(flavour: OsFlavour): string;
  probe(spec: S): ProbeNeeds;
  /** The logs the agent ships, in the spec's order. */
  logs(spec: S): AgentLog[];
  /** A group or stream name with its placeholders resolved as the agent resolves them on this host. */
  resolveName(template: string, spec: S, facts: HostFacts): string;
  readonly preflight: AgentPreflight<S>;
  readonly doctor: AgentDoctor<S>;
  readonly restart?: RestartDiscipline<S>;
  /**
   * Before an apply plans: what the host holds that the inventory does not but must keep for now (the CloudWatch
   * agent: a migration's drain not yet at its end), and what may go (a drain at its end: its link removed after).
   */
  carryOver?(ctx: CarryContext<S>): Promise<Carried<S>>;
}
