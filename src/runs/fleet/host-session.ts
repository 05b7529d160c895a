// Reaching one host: connect, gather facts in one round trip, and turn failures into a host status.
import { connectSsh, type SshTransport } from '../../transports/ssh.js';
import { HostKeyRejected, HostUnreachable } from '../../transports/errors.js';
import { SsmUnreachable } from '../../transports/ssm/errors.js';
import type { HostSession, Transport } from '../../core/ports.js';
import { probeScript, parseFacts, type ExtraFile } from '../../facts/probe.js';
import type { LogProbe } from '../../facts/log-files.js';
import type { ToolClock } from '../../core/report.js';
import type { HostFacts, HostStatus } from '../../core/types.js';
import type { PreparedHost } from './prepare.js';

export interface SessionOptions {
  acceptNewHostKeys: boolean;
  /** With acceptNewHostKeys: write new keys to known_hosts (default); false in a dry run, which writes nothing. */
  recordNewHostKeys?: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export const DEFAULT_SESSION: SessionOptions = {
  acceptNewHostKeys: false,
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 120_000,
};

export async function openHost(host: PreparedHost, options: SessionOptions): Promise<SshTransport> {
  const c = host.connection;
  return connectSsh(
    {
      name: host.host.name,
      host: c.address,
      port: c.port,
      user: c.user,
      privateKeyFile: c.privateKeyFile,
      become: c.become,
    },
    {
      knownHostsFile: c.knownHostsFile,
      acceptNewHostKeys: options.acceptNewHostKeys,
      ...(options.recordNewHostKeys === false ? { recordNewHostKeys: false } : {}),
      connectTimeoutMs: options.connectTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs,
    },
  );
}

/**
 * A step on the host (package manager, init system) ends itself a little before the command's timeout
 * here, so that the host reports its own clear error and undoes its writes while we still listen.
 */
export function hostStepTimeoutS(commandTimeoutMs: number): number {
  return Math.max(1, Math.floor((commandTimeoutMs / 1000) * 0.8));
}

/** Runs a script as root where the inventory says become (over SSH through `sh -s`; over SSM as the command). */
export async function runScript(transport: Transport, host: PreparedHost, script: string, timeoutMs?: number) {
  return transport.runScript(script, { become: host.connection.become, timeoutMs });
}

/** The host as the agent's own steps see it: scripts run as root on this transport. */
export function hostSession(transport: Transport, host: PreparedHost): HostSession {
  return { run: (script, options) => runScript(transport, host, script, options?.timeoutMs) };
}

export async function gatherFacts(transport: Transport, host: PreparedHost): Promise<HostFacts> {
  return (await probeHost(transport, host)).facts;
}

export interface ProbeOptions {
  /** Also read the log sections' files (preflight, doctor). */
  logs?: boolean;
  /** Files read for diagnosis (the agent's log). */
  extraFiles?: ExtraFile[];
}

export interface Probed {
  facts: HostFacts;
  /** This machine's clock around the probe, to judge the host's. */
  clock: ToolClock;
}

/** The one facts round trip, optionally with the log files and diagnosis files in it. */
export async function probeHost(transport: Transport, host: PreparedHost, options: ProbeOptions = {}): Promise<Probed> {
  const logs: LogProbe[] = options.logs
    ? host.agent.logs(host.spec).map((l) => ({ pattern: l.file, fingerprintEnd: l.headLines }))
    : [];
  const extraFiles = options.extraFiles ?? [];
  const needs = host.agent.probe(host.spec);
  const script = probeScript({ ...needs, logs, extraFiles });
  const sent = Date.now();
  const limitS = hostStepTimeoutS(transport.commandTimeoutMs ?? DEFAULT_SESSION.commandTimeoutMs);
  const result = await transport.runScript(script, { become: host.connection.become, hostTimeoutS: limitS });
  const received = Date.now();
  if (result.code === 124)
    throw new Error(
      `the facts probe timed out after ${limitS} s on the host and was stopped (a command there hangs: rpm, systemctl, or a file read)`,
    );
  if (result.code !== 0)
    throw new Error(`the facts probe failed (exit ${result.code}): ${result.stderr.trim().slice(0, 500)}`);
  return {
    facts: parseFacts(result.stdout, needs.paths, extraFiles, logs, needs.dirs),
    clock: { midpointMs: (sent + received) / 2, roundTripMs: received - sent },
  };
}

export interface HostFailure {
  status: Extract<HostStatus, 'failed' | 'unreachable'>;
  error: { message: string; hint?: string };
}

export function failureOf(err: unknown): HostFailure {
  if (err instanceof HostKeyRejected) {
    return {
      status: 'unreachable',
      error: {
        message: err.message,
        hint: 'check the host key out of band; pass --accept-new-host-keys to trust a new (never a changed) key',
      },
    };
  }
  if (err instanceof HostUnreachable) {
    return {
      status: 'unreachable',
      error: { message: err.message, hint: 'check the address, port, user and key in the inventory' },
    };
  }
  if (err instanceof SsmUnreachable) {
    return { status: 'unreachable', error: { message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  const hint = (err as { hint?: unknown }).hint;
  return {
    status: 'failed',
    error: { message: (err as Error).message ?? String(err), ...(typeof hint === 'string' ? { hint } : {}) },
  };
}
