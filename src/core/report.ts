// What a run reports, as the CLI contract shapes it (DESIGN.md `--json`): types shared by the runs, the agents'
// doctor and repairs, and the printers in ui/. Types only.
import type { HostStatus } from './types.js';

export interface ChangeReport {
  kind: string;
  path?: string;
  summary: string;
  diff?: string;
  command?: string;
}

/** One log's verification: did the probe line arrive in the expected group and stream. */
export interface CheckReport {
  log: string;
  group: string;
  stream: string;
  state: string;
  agentError?: string;
  /** Why the probe line was not written. */
  probe?: string;
  lastEvents?: string[];
}

/** One preflight check of a host (see src/doctor/preflight.ts). */
export interface PreflightReport {
  check: string;
  log?: string;
  level: 'ok' | 'warning' | 'error';
  message: string;
  sample?: string;
}

export interface HostReport {
  name: string;
  status: HostStatus;
  changes: ChangeReport[];
  checks?: CheckReport[];
  /** Preflight checks, every level; errors block the apply on the host unless --skip-preflight. */
  preflight?: PreflightReport[];
  warnings?: string[];
  error?: { message: string; hint?: string };
  /** A dry run's host with changes pending (its status says `changed`; nothing was changed). */
  pending?: boolean;
  /** SSH round trips on this host's connection after the handshake: commands and transfers (a benchmark reads it). */
  roundTrips?: number;
}

export interface RunReport {
  run: string;
  command: string;
  hosts: HostReport[];
  summary: Record<HostStatus, number>;
  [extra: string]: unknown;
}

/** The tool's clock around a host's probe, to judge the host's clock by. */
export interface ToolClock {
  /** The tool's clock halfway through the probe, epoch ms. */
  midpointMs: number;
  /** How long the probe's round trip took: the skew is known to within half of it. */
  roundTripMs: number;
}

/**
 * What `--fix` can do about a fault: rewrite a state row, restart the agent (under its restart discipline),
 * or re-apply the host's files and service.
 */
export type Repair = 'repair-state' | 'restart' | 'apply';

/** A named fault of a host's agent, with its evidence and the remedy (see the agents' doctor rules). */
export interface Fault {
  fault: string;
  severity: 'error' | 'warning';
  log?: string;
  evidence: string[];
  remedy: string;
  /** Set when the tool can repair it (`provision doctor --fix`, or `provision apply`). */
  repair?: Repair;
  /** Set by a repair run on the faults it repaired (the diagnosis is the one from before the repair). */
  repaired?: boolean;
}

/** The agent as the doctor found it. */
export interface AgentReport {
  installed: boolean;
  version?: string;
  service: string;
  active: boolean;
  enabled: boolean;
  /** What the agent's own control says of itself, when it has one (the CloudWatch agent's `ctl -a status`). */
  status?: Record<string, unknown>;
}

/** One log as the agent's read positions say: where reading resumes, against the file's size. */
export interface StreamReport {
  log: string;
  file?: string;
  fileSize?: number;
  /** Where the agent resumes in the file, in words (the doctor's human report prints it). */
  position?: string;
  /** The agent has a read position saved for this log. */
  saved?: boolean;
  stale: boolean;
  notes: string[];
}

/** The agent's read positions (its state file or folder), as the doctor read them. */
export interface StateReport {
  path: string;
  present: boolean;
  read: string;
  streams: StreamReport[];
  error?: string;
}

export interface DoctorHostReport extends HostReport {
  agent?: AgentReport;
  faults?: Fault[];
  state?: StateReport;
  agentLog?: { path: string; faults: unknown[] };
}
