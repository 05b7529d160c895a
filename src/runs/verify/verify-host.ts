// Verify one host: append a probe line to each of its agent's logs and wait until CloudWatch Logs has it in the
// expected group and stream. Used by `provision verify`, at the end of every apply and after a repair.
import { CloudWatchLogs, type ProbeState } from '../../clouds/aws/logs.js';
import { awsClients, type AwsClients } from '../../clouds/aws/clients.js';
import { assertCredentialsAccepted } from '../../clouds/aws/identity.js';
import { errorMessage } from '../../clouds/aws/errors.js';
import type { HostFacts } from '../../core/types.js';
import type { BatchEvidence, LogEventsReader, LogEventsReaders, Transport } from '../../core/ports.js';
import { parseProbeOutput, probeLinesScript } from '../../operations/probe-lines.js';
import { runScript } from '../fleet/host-session.js';
import type { PreparedHost } from '../fleet/prepare.js';
import { UsageError } from '../../core/errors.js';

/** `arrived`: the probe line sent now arrived; `recent events` (--no-probe): the stream has fresh events. */
export type LogCheckState =
  'arrived' | 'recent events' | 'stream missing' | 'group missing' | 'stale' | 'no file' | 'not written';

/** Whether a log passed its check. */
export function logArrives(state: LogCheckState): boolean {
  return state === 'arrived' || state === 'recent events';
}

export interface LogCheck {
  log: string;
  group: string;
  stream: string;
  state: LogCheckState;
  file?: string;
  agentError?: string;
  /** Why the probe line was not written ('not written'): who controls the file, and what they were refused. */
  probe?: string;
  /** With `--last N`: the newest events of the stream, oldest first. */
  lastEvents?: string[];
}

export interface VerifyOptions {
  runId: string;
  /** Seconds to wait for each probe; default: the log's flush interval (the agent's) + 60 s. */
  timeoutS?: number;
  probe: boolean;
  /** How many of each stream's newest events to show (0: none). */
  last?: number;
}

const POLL_MS = 1500;

/**
 * One CloudWatch Logs reader per region and endpoint, shared by all hosts of a run; also what the agents' restart
 * discipline and doctor ask (the LogEventsReaders port).
 */
export class LogsReaders implements LogEventsReaders {
  private readonly readers = new Map<string, { logs: CloudWatchLogs; clients: AwsClients }>();
  private readonly destroyers: (() => void)[] = [];

  private entry(region: string, endpointUrl?: string) {
    const key = `${region} ${endpointUrl ?? ''}`;
    let entry = this.readers.get(key);
    if (!entry) {
      const clients = awsClients({ region, ...(endpointUrl ? { endpointUrl } : {}) });
      this.destroyers.push(() => clients.destroy());
      entry = { logs: new CloudWatchLogs(clients.logs), clients };
      this.readers.set(key, entry);
    }
    return entry;
  }

  /** The reader of a region (the port's view: each answer evidence or why there is none). */
  for(region: string, endpointUrl?: string): LogEventsReader {
    const logs = this.logs(region, endpointUrl);
    return {
      eventsEndingWith: (group, stream, line, fromMs, toMs): Promise<BatchEvidence> =>
        logs.eventsEndingWith(group, stream, line, fromMs, toMs).then(
          (events) => (events === undefined ? { streamMissing: true as const } : { events }),
          (err: unknown) => ({ error: errorMessage(err) }),
        ),
    };
  }

  logs(region: string, endpointUrl?: string): CloudWatchLogs {
    return this.entry(region, endpointUrl).logs;
  }

  /**
   * Throws an AwsCredentialsRefused naming their source when AWS refuses the tool's credentials at any of
   * these endpoints: asked before any host is touched.
   */
  async assertCredentials(targets: { host: string; region?: string; endpointUrl?: string }[]): Promise<void> {
    const seen = new Set<string>();
    for (const t of targets) {
      const region = regionOf(t);
      const key = `${region} ${t.endpointUrl ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await assertCredentialsAccepted(this.entry(region, t.endpointUrl).clients.sts);
    }
  }

  destroy(): void {
    for (const d of this.destroyers) d();
  }
}

/**
 * The host's name as the probe line carries it: written into a log file on the host and searched for as a
 * filter phrase, so only letters, digits, `.`, `_` and `-` stay; anything else is percent-encoded (UTF-8).
 */
export function tokenName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/gu, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** The region CloudWatch Logs is read in for a host: its agent's (verify cannot guess the instance metadata's). */
export function regionOf(spec: { host: string; region?: string }): string {
  if (spec.region === undefined)
    throw new UsageError(
      `${spec.host}: no region is known for its agent (the agent would ask the instance metadata): set aws_region so that verify reads CloudWatch Logs there`,
    );
  return spec.region;
}

export async function verifyHost(
  transport: Transport,
  host: PreparedHost,
  facts: HostFacts,
  readers: LogsReaders,
  options: VerifyOptions,
): Promise<LogCheck[]> {
  const spec = host.spec;
  const agent = host.agent;
  const logs = readers.logs(regionOf(spec), spec.endpointUrl);
  const started = Date.now();
  const targets = agent.logs(spec).map((log, index) => ({
    log,
    group: agent.resolveName(log.group, spec, facts),
    stream: agent.resolveName(log.stream, spec, facts),
    token: `awslogs-provision-verify-${options.runId}-${tokenName(host.host.name)}-${index}`,
    timeoutMs: (options.timeoutS ?? log.flushMs / 1000 + 60) * 1000,
  }));

  let agentError: string | undefined;
  const noFile = new Set<number>();
  const notWritten = new Map<number, string>();
  if (options.probe) {
    const out = await runScript(
      transport,
      host,
      probeLinesScript(
        options.runId,
        targets.map((t) => ({
          file: t.log.file,
          ...(t.log.probeStamp ? { stamp: t.log.probeStamp } : {}),
          token: t.token,
        })),
        agent.agentLog,
      ),
    );
    const parsed = parseProbeOutput(out.stdout);
    agentError = parsed.agentError;
    for (const i of parsed.noFile) noFile.add(i);
    for (const [i, why] of parsed.failed) notWritten.set(i, why);
  }

  // Events are looked up from a day before the run: the probe's timestamp is the host's clock in the
  // log's own zone, which may differ from ours.
  const sinceMs = started - 24 * 3600 * 1000;
  return Promise.all(
    targets.map(async (t, index): Promise<LogCheck> => {
      const base = { log: t.log.name, group: t.group, stream: t.stream, file: t.log.file };
      if (noFile.has(index)) return { ...base, state: 'no file', ...(agentError ? { agentError } : {}) };
      if (notWritten.has(index)) return { ...base, state: 'not written', probe: notWritten.get(index)! };
      let state: ProbeState = 'not-yet';
      if (options.probe) {
        const deadline = started + t.timeoutMs;
        for (;;) {
          state = await logs.findProbe({ group: t.group, stream: t.stream, text: t.token, sinceMs });
          if (state === 'arrived' || Date.now() + POLL_MS > deadline) break;
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      } else {
        state = await readOnlyState(logs, t.group, t.stream, started - t.timeoutMs);
      }
      const checked: LogCheckState =
        state === 'arrived'
          ? options.probe
            ? 'arrived'
            : 'recent events'
          : state === 'group-missing'
            ? 'group missing'
            : state === 'stream-missing'
              ? 'stream missing'
              : 'stale';
      const lastEvents = options.last
        ? (await logs.lastEvents(t.group, t.stream, options.last)).map((e) => e.message)
        : undefined;
      return {
        ...base,
        state: checked,
        ...(!logArrives(checked) && agentError ? { agentError } : {}),
        ...(lastEvents ? { lastEvents } : {}),
      };
    }),
  );
}

/** Without a probe: the stream exists and its newest event is recent enough. */
async function readOnlyState(
  logs: CloudWatchLogs,
  group: string,
  stream: string,
  freshSinceMs: number,
): Promise<ProbeState> {
  if (!(await logs.groupExists(group))) return 'group-missing';
  const exists = await logs.streamExists(group, stream);
  if (exists === undefined) return 'group-missing';
  if (!exists) return 'stream-missing';
  const last = await logs.lastEventTime(group, stream);
  return last !== undefined && last >= freshSinceMs ? 'arrived' : 'not-yet';
}
