// The lab's AWS endpoint: a moto server run as a detached process, found again by the pid file in stateDir.
// It runs through src/lab/moto-lab-server.py, which mends moto's handling of gzip request bodies (the awslogs
// agent gzips PutLogEvents bodies over 1 KiB by default; moto 5.2 would answer them with HTTP 500).
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from './layout.js';

/** moto's server with the lab's mend for gzip bodies; takes moto.server's arguments. */
export const MOTO_LAB_SERVER = join(REPO_ROOT, 'src', 'lab', 'moto-lab-server.py');

/** Whether a process's command line (NUL-separated, /proc/PID/cmdline) is the lab's moto. */
export function isMotoCommandLine(cmdline: string): boolean {
  const argv = cmdline.split('\0');
  return argv.includes('moto.server') || argv.some((a) => a.endsWith('moto-lab-server.py'));
}

/**
 * Where the project's set-up (scripts/install-moto.sh) puts moto when the machine's python3 has none: a
 * virtual environment, since Debian's python3 refuses `pip install` outside one. Kept by `lab down`.
 */
export const MOTO_VENV = join(REPO_ROOT, '.cache', 'moto-venv');
export const INSTALL_MOTO = join(REPO_ROOT, 'scripts', 'install-moto.sh');

/** The python that runs moto: the set-up's virtual environment when there is one, else the machine's python3. */
export function motoPython(venv = MOTO_VENV): string {
  const python = join(venv, 'bin', 'python3');
  return existsSync(python) ? python : 'python3';
}

/** moto's own readiness page: it answers without counting as an action (no auth check runs there). */
const READY_PATH = '/moto-api/config';

/** moto is not installed for the machine's python3, nor in the set-up's virtual environment. */
export class MotoMissing extends Error {
  readonly hint: string;
  constructor(readonly python: string) {
    super(`moto is not installed for ${python}: the lab's AWS endpoint needs it`);
    this.hint =
      `run \`bash ${INSTALL_MOTO}\` (it makes a virtual environment in ${MOTO_VENV} and installs ` +
      `'moto[server]' there with pip), or install 'moto[server]' for python3 yourself`;
    this.name = 'MotoMissing';
  }
}

/** moto was started but never answered on its address. */
export class MotoDidNotStart extends Error {
  constructor(
    readonly url: string,
    readonly logFile: string,
    readonly detail: string,
  ) {
    super(`moto did not answer on ${url}: ${detail} (its log: ${logFile})`);
    this.name = 'MotoDidNotStart';
  }
}

export interface MotoOptions {
  host: string;
  port: number;
  /** Holds moto.pid and moto.log. */
  stateDir: string;
  /**
   * How many actions moto serves before it checks signatures and IAM policies (INITIAL_NO_AUTH_ACTION_COUNT).
   * Every request that reaches a service action counts, failed or not; moto's own /moto-api/ pages do not.
   */
  freeActions: number;
  python?: string;
  /** Milliseconds to wait for the first answer. */
  timeoutMs?: number;
}

export interface MotoServer {
  url: string;
  pid: number;
}

export function isMotoInstalled(python = 'python3'): boolean {
  const probe = spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore', env: childEnv({}) });
  return probe.status === 0;
}

export function pidFile(stateDir: string): string {
  return join(stateDir, 'moto.pid');
}

export async function startMoto(options: MotoOptions): Promise<MotoServer> {
  const python = options.python ?? motoPython();
  if (!isMotoInstalled(python)) throw new MotoMissing(python);
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const logFile = join(options.stateDir, 'moto.log');
  const log = await open(logFile, 'a');
  const child = spawn(python, [MOTO_LAB_SERVER, '-H', options.host, '-p', String(options.port)], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: childEnv({
      MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
      INITIAL_NO_AUTH_ACTION_COUNT: String(options.freeActions),
    }),
  });
  await log.close();
  const pid = child.pid;
  if (pid === undefined) throw new MotoDidNotStart(url, logFile, 'the process could not be spawned');
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `it exited (${signal ?? code})`));
  child.unref();
  await writeFile(pidFile(options.stateDir), `${pid}\n`, { mode: 0o600 });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) break;
    if (await answers(url)) return { url, pid };
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (exited === undefined) killQuietly(pid);
  await rm(pidFile(options.stateDir), { force: true });
  throw new MotoDidNotStart(url, logFile, exited ?? 'timed out');
}

/** Stops the moto started in stateDir, by its pid; true when one was running. */
export async function stopMoto(stateDir: string, timeoutMs = 10_000): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile(stateDir), 'utf8'), 10);
  } catch {
    return false;
  }
  await rm(pidFile(stateDir), { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return false;
  // A pid file outlives its process; never signal whatever reused the number.
  if (!(await isMotoProcess(pid))) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url + READY_PATH, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function isMotoProcess(pid: number): Promise<boolean> {
  try {
    return isMotoCommandLine(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  } catch (err) {
    // Without /proc (not Linux) the pid file is all there is to go by.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync('/proc/self');
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The environment of every child the lab starts: never the instance metadata service. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}
