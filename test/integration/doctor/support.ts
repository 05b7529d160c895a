// What the doctor's lab tests share: the CLI run with --json in the lab's AWS environment, the shape of its
// report, waiting for a condition, timestamps as the test logs write them, and the lab's CloudWatch Logs.
import { runCli, REPO_ROOT } from '../../support/cli.js';
import type { LabHost } from '../../support/lab.js';
import { labAwsEnv } from '../../../src/lab/aws-endpoint.js';
import { labPaths, AWS_REGION, endpointUrl } from '../../../src/lab/layout.js';
import { awsClients } from '../../../src/clouds/aws/clients.js';
import { CloudWatchLogs } from '../../../src/clouds/aws/logs.js';

export const HOUR = 3_600_000;
export const STATE = '/var/lib/awslogs/agent-state';
export const FORMAT = '%Y-%m-%d %H:%M:%S';
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** The lab operator's AWS environment (moto's endpoint, the operator profile). */
export const LAB_AWS_ENV = labAwsEnv(labPaths(REPO_ROOT));

/** The --json report of apply, doctor and rollback, as far as these tests read it. */
export interface Json {
  run: string;
  command: string;
  hosts: {
    name: string;
    status: string;
    changes: { kind: string; path?: string; summary: string; diff?: string }[];
    preflight?: { check: string; log?: string; level: string; message: string; sample?: string }[];
    faults?: { fault: string; log?: string; severity: string; evidence: string[]; remedy: string }[];
    state?: { present: boolean; streams: { log: string; stale: boolean; push?: { source_id: string } }[] };
    checks?: { log: string; state: string }[];
    warnings?: string[];
    error?: { message: string };
  }[];
  summary: Record<string, number>;
  restores?: string;
}

/** `provision … --json` in the lab's AWS environment; fails the test when no JSON came back. */
export async function cli(
  ...args: string[]
): Promise<{ code: number; json: Json; stdout: string; stderr: string; out: string }> {
  const r = await runCli([...args, '--json'], { env: LAB_AWS_ENV, timeoutMs: 180_000 });
  let json: Json;
  try {
    json = JSON.parse(r.stdout) as Json;
  } catch {
    throw new Error(`no JSON from ${args.join(' ')} (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, json, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

export const hostOf = (json: Json, h: LabHost) => json.hosts.find((x) => x.name === h.name)!;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every half second until it gives a value; fails after `ms`, naming `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, `offsetMs` from now: a line's timestamp as FORMAT reads it. */
export const stamp = (offsetMs = 0): string =>
  new Date(Date.now() + offsetMs).toISOString().slice(0, 19).replace('T', ' ');

/** A log section of the tests' inventories: FORMAT in UTC, read from the start, one stream per host. */
export function logSection(name: string, file: string, group: string, extra: Record<string, unknown> = {}) {
  return {
    section: name,
    file,
    log_group_name: group,
    log_stream_name: `{hostname}-${name}`,
    datetime_format: FORMAT,
    time_zone: 'UTC',
    initial_position: 'start_of_file',
    buffer_duration: 5000,
    multi_line_start_pattern: '{datetime_format}',
    ...extra,
  };
}

/** The lab's CloudWatch Logs as the operator sees it; `destroy` closes its connections. */
export function labLogs(): { logs: CloudWatchLogs; destroy: () => void } {
  Object.assign(process.env, LAB_AWS_ENV);
  const clients = awsClients({ region: AWS_REGION, endpointUrl: endpointUrl() });
  return { logs: new CloudWatchLogs(clients.logs), destroy: () => clients.destroy() };
}
