#!/usr/bin/env node
// The lab's stand-in for the SSM agent (amazon-ssm-agent), run as root by the host's init (the
// amazon-ssm-agent service): like the real agent it initiates every exchange, long-polling the lab's endpoint
// from the host for commands for its instance (the id in /var/lib/cloud/data/instance-id, read at every poll),
// and runs each AWS-RunShellScript command as the real one does: the lines written to _script.sh in the
// command's orchestration folder, run with `sh -c` in a process group of its own, five at a time; the first
// 24,000 characters of stdout and 8,000 of stderr kept; at the execution timeout the group is SIGKILLed and the
// command reported timed out with exit code 137 (as is any script that exits 137 itself, as the real agent
// does); a cancelled command is killed the same way. Not simulated: documents other than AWS-RunShellScript,
// S3 or CloudWatch output, Session Manager, the agent's self-update and its own AWS credentials.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const ENDPOINT_FILE = '/var/lib/awslogs-lab/endpoint_url';
const INSTANCE_ID_FILE = '/var/lib/cloud/data/instance-id';
const ORCHESTRATION = '/var/lib/amazon/ssm';
const WORKERS = 5;
const VERSION = '3.3.0.0-lab';
const STDOUT_LIMIT = 24_000;
const STDERR_LIMIT = 8_000;
/** What the agent reports for a command it stopped (execution timeout, cancel): 128 + SIGKILL. */
const STOPPED = 137;

type Message =
  { type: 'run'; commandId: string; script: string; executionTimeoutS: number } | { type: 'cancel'; commandId: string };

interface Running {
  child: ChildProcess;
  cancelled: boolean;
  timedOut: boolean;
}

const running = new Map<string, Running>();
const queue: Extract<Message, { type: 'run' }>[] = [];
let stopping = false;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} INFO [lab-ssm-agent] ${line}\n`);
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function osRelease(): { name: string; version: string } {
  const text = read('/etc/os-release');
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { name: field('NAME'), version: field('VERSION_ID') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(path: string, body: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
  const endpoint = read(ENDPOINT_FILE);
  if (!endpoint) throw new Error(`no endpoint in ${ENDPOINT_FILE}`);
  const os = osRelease();
  const res = await fetch(`${endpoint}/lab-ssm-agent/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      instanceId: read(INSTANCE_ID_FILE),
      computerName: hostname(),
      platformName: os.name,
      platformVersion: os.version,
      agentVersion: VERSION,
      ...body,
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await res.json()) as { message?: string };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${answer.message ?? ''}`);
  return answer;
}

/** Keeps the first `limit` characters of a stream; the rest is read and dropped. */
function capture(stream: NodeJS.ReadableStream | null, limit: number): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    if (text.length < limit) text += chunk.slice(0, limit - text.length);
  });
  return () => text;
}

async function reply(body: Record<string, unknown>): Promise<void> {
  for (let attempt = 0; attempt < 30 && !stopping; attempt++) {
    try {
      await post('reply', body, 10_000);
      return;
    } catch (err) {
      log(`reply for ${String(body.commandId)} failed (${(err as Error).message}); retrying`);
      await sleep(2000);
    }
  }
}

function start(m: Extract<Message, { type: 'run' }>): void {
  const dir = join(
    ORCHESTRATION,
    read(INSTANCE_ID_FILE),
    'document/orchestration',
    m.commandId,
    'awsrunShellScript/0.awsrunShellScript',
  );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const script = join(dir, '_script.sh');
  writeFileSync(script, m.script, { mode: 0o700 });
  const child = spawn('sh', ['-c', script], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const state: Running = { child, cancelled: false, timedOut: false };
  running.set(m.commandId, state);
  const stdout = capture(child.stdout, STDOUT_LIMIT);
  const stderr = capture(child.stderr, STDERR_LIMIT);
  const timer = setTimeout(() => {
    state.timedOut = true;
    kill(child);
  }, m.executionTimeoutS * 1000);
  log(`running ${m.commandId} (executionTimeout ${m.executionTimeoutS} s)`);
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    running.delete(m.commandId);
    const exit = code ?? (signal ? STOPPED : 1);
    const outcome = state.cancelled
      ? 'cancelled'
      : state.timedOut || exit === STOPPED
        ? 'timedout'
        : exit === 0
          ? 'success'
          : 'failed';
    log(`${m.commandId}: ${outcome} (exit ${exit})`);
    void reply({
      commandId: m.commandId,
      outcome,
      code: state.cancelled || state.timedOut ? STOPPED : exit,
      stdout: stdout(),
      stderr: stderr(),
    }).finally(next);
  });
}

function kill(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function next(): void {
  while (running.size < WORKERS && queue.length > 0) start(queue.shift()!);
}

async function main(): Promise<void> {
  let backoff = 500;
  log(`starting, version ${VERSION}`);
  while (!stopping) {
    let messages: Message[];
    try {
      messages = ((await post('poll', {}, 30_000)) as { messages?: Message[] }).messages ?? [];
      backoff = 500;
    } catch (err) {
      if (stopping) break;
      log(`poll failed (${(err as Error).message}); again in ${backoff} ms`);
      await sleep(backoff);
      backoff = Math.min(2000, backoff * 2);
      continue;
    }
    for (const m of messages) {
      if (m.type === 'run') queue.push(m);
      else if (queue.some((q) => q.commandId === m.commandId)) {
        queue.splice(
          queue.findIndex((q) => q.commandId === m.commandId),
          1,
        );
        void reply({ commandId: m.commandId, outcome: 'cancelled', code: -1, stdout: '', stderr: '' });
      } else {
        const r = running.get(m.commandId);
        if (r) {
          r.cancelled = true;
          kill(r.child);
        }
      }
    }
    next();
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    stopping = true;
    log(`stopping (${signal})`);
    process.exit(0);
  });

void main();
