// Test harness for the lab agent: a real moto server on a free loopback port, a temporary "host" folder
// (awslogs.conf, awscli.conf, endpoint file, instance id, state, log), the built daemon as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { MOTO_LAB_SERVER, motoPython } from '../../../src/lab/moto.js';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/integration/agent → dist/src/lab/agent/main.js */
export const AGENT_MAIN = resolve(here, '../../../src/lab/agent/main.js');

export const MOTO_AVAILABLE = spawnSync(motoPython(), ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 15000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export interface Moto {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  // The lab's moto (gzip bodies mended): the agent gzips PutLogEvents bodies over 1 KiB by default.
  const child = spawn(motoPython(), [MOTO_LAB_SERVER, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor('moto', async () => {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      return res.status > 0 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return {
    endpoint,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill(signal);
  });
}

export interface Host {
  dir: string;
  logFile: string;
  appLog: string;
  stateFile: string;
  /** Unique per host, so that tests sharing one moto server never share a stream. */
  instanceId: string;
  args: string[];
}

/** A host folder whose awslogs.conf has one stream `[app]` on app.log; `extra` lines go into it. */
export function makeHost(endpoint: string, extra = ''): Host {
  const dir = mkdtempSync(join(tmpdir(), 'lab-agent-'));
  const stateFile = join(dir, 'agent-state');
  const appLog = join(dir, 'app.log');
  writeFileSync(
    join(dir, 'awslogs.conf'),
    `[general]\nstate_file = ${stateFile}\n\n[app]\nfile = ${join(dir, 'app*.log')}\nlog_group_name = /lab/app\n` +
      `log_stream_name = {instance_id}\ndatetime_format = %Y-%m-%d %H:%M:%S\ntime_zone = UTC\n` +
      `buffer_duration = 1000\ninitial_position = start_of_file\n${extra}`,
  );
  writeFileSync(
    join(dir, 'awscli.conf'),
    '[plugins]\ncwlogs = cwlogs\n[default]\nregion = us-east-1\naws_access_key_id = AKIDLABTEST\naws_secret_access_key = labSecretKey123\n',
  );
  writeFileSync(join(dir, 'endpoint_url'), endpoint + '\n');
  const instanceId = `i-${randomBytes(8).toString('hex').slice(0, 17)}`;
  writeFileSync(join(dir, 'instance-id'), instanceId + '\n');
  const logFile = join(dir, 'awslogs.log');
  const args = [
    '--config',
    join(dir, 'awslogs.conf'),
    '--config-dir',
    join(dir, 'config'),
    '--cli-config',
    join(dir, 'awscli.conf'),
    '--log-file',
    logFile,
    '--endpoint-file',
    join(dir, 'endpoint_url'),
    '--instance-id-file',
    join(dir, 'instance-id'),
    '--aws-dir',
    join(dir, 'aws'),
    '--min-buffer-duration',
    '1000',
  ];
  return { dir, logFile, appLog, stateFile, instanceId, args };
}

export function startAgent(host: Host): ChildProcess {
  return spawn(process.execPath, [AGENT_MAIN, ...host.args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function agentLog(host: Host): string {
  return existsSync(host.logFile) ? readFileSync(host.logFile, 'utf8') : '';
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, `offsetMs` from now. */
export function stamp(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

export async function streamMessages(endpoint: string, group: string, stream: string): Promise<string[]> {
  const client = new CloudWatchLogsClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDLABTEST', secretAccessKey: 'labSecretKey123' },
  });
  try {
    const out = await client.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
    );
    return (out.events ?? []).map((e) => e.message ?? '');
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return [];
    throw err;
  } finally {
    client.destroy();
  }
}
