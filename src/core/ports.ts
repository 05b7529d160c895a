// The small interfaces the core needs from the outside world; adapters implement them.

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Text fed to the command's standard input. */
  stdin?: string;
  /** Milliseconds before the command is abandoned. */
  timeoutMs?: number;
  /** Run through `sudo -n` when the connection user is not root. */
  become?: boolean;
  /**
   * A script ends itself on the host after this many seconds (`timeout`), so that nothing it started is left
   * running there when the tool stops waiting (SSM's own execution timeout does this for its commands).
   */
  hostTimeoutS?: number;
}

/** How the tool reaches one host: one connection (SSH) or one fleet's share (SSM) per host per run. */
export interface Transport {
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  /**
   * Runs a self-contained POSIX `sh` script (the probe, apply, restore… scripts, which print `@@` records), as
   * root where `become` says so. SSH feeds it to `sh -s` on stdin; SSM, which has no stdin, sends it as the
   * command's text, so a script must never hold a secret there (see src/transports/ssm/).
   */
  runScript(script: string, options?: Omit<RunOptions, 'stdin'>): Promise<CommandResult>;
  put(remotePath: string, content: string | Buffer, options?: { become?: boolean }): Promise<void>;
  get(remotePath: string, options?: { become?: boolean }): Promise<Buffer>;
  close(): Promise<void>;
  /** Commands and transfers carried for this host after the connection (a benchmark reads it). */
  readonly roundTrips: number;
  /** The default timeout of a command, ms, when the transport has one of its own. */
  readonly commandTimeoutMs?: number;
}

/**
 * The fleet-wide call a transport may offer (SSM): it takes many hosts' scripts at once, and hosts whose
 * scripts are identical share one remote call. Each host still sees a plain Transport of its own.
 */
export interface FleetTransport<Target> {
  /** The host's own Transport; calls from many hosts made close together are sent together. */
  forHost(target: Target): Promise<Transport>;
  /** Ends the fleet's clients; hosts' transports are closed by their users first. */
  close(): Promise<void>;
}

/**
 * One host as an agent's own steps see it (its restart discipline, its doctor): a script run there as root,
 * on the run's transport. Built by the runs, which hold the transport and the host's connection settings.
 */
export interface HostSession {
  run(script: string, options?: { timeoutMs?: number }): Promise<CommandResult>;
}

/** What CloudWatch Logs holds of a batch: the stream's events that end with its last line, or why it cannot say. */
export type BatchEvidence =
  | { events: { message: string; timestamp: number; ingestionTime?: number }[] }
  | { streamMissing: true }
  | { error: string };

/** CloudWatch Logs, read with the tool's own credentials, as an agent's restart discipline and doctor ask it. */
export interface LogEventsReader {
  /** The events of the stream within [fromMs, toMs] whose message ends with `line`. */
  eventsEndingWith(group: string, stream: string, line: string, fromMs: number, toMs: number): Promise<BatchEvidence>;
}

/** A reader per region and endpoint (the runs share one set of clients). */
export interface LogEventsReaders {
  for(region: string, endpointUrl?: string): LogEventsReader;
}
