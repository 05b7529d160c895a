// The lab's AWS front (main.ts) as a detached process of the machine, found again by its pid file: started by
// `lab up` in front of moto, ended by `lab down`.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../layout.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'lab', 'ssm', 'main.js');

export interface FrontProcessOptions {
  host: string;
  port: number;
  motoUrl: string;
  labStateFile: string;
  credentialsFile: string;
  /** Holds front.pid and front.log. */
  stateDir: string;
}

function pidFile(stateDir: string): string {
  return join(stateDir, 'front.pid');
}

async function recordedPid(stateDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(pidFile(stateDir), 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    // A pid file outlives its process: the number must still be this program.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(MAIN) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function frontRunning(stateDir: string): Promise<boolean> {
  return (await recordedPid(stateDir)) !== undefined;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/config`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export async function startFront(o: FrontProcessOptions): Promise<void> {
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  const logFile = join(o.stateDir, 'front.log');
  const log = await open(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      MAIN,
      '--listen',
      `${o.host}:${o.port}`,
      '--moto',
      o.motoUrl,
      '--lab-state',
      o.labStateFile,
      '--credentials',
      o.credentialsFile,
    ],
    { detached: true, stdio: ['ignore', log.fd, log.fd], env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } },
  );
  await log.close();
  if (child.pid === undefined) throw new Error('the lab AWS front could not be spawned');
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `it exited (${signal ?? code})`));
  child.unref();
  await writeFile(pidFile(o.stateDir), `${child.pid}\n`, { mode: 0o600 });
  const url = `http://${o.host}:${o.port}`;
  const deadline = Date.now() + 20_000;
  while (exited === undefined && Date.now() < deadline) {
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopFront(o.stateDir);
  const tail = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`the lab AWS front did not answer on ${url}: ${exited ?? 'timed out'}\n${tail.slice(-1000)}`);
}

export async function stopFront(stateDir: string): Promise<void> {
  const pid = await recordedPid(stateDir);
  await rm(pidFile(stateDir), { force: true });
  if (pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}
