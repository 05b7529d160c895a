// One lab host's life: boot it in its namespaces and cgroup, wait for its sshd, ask its state, end it.
import { spawn } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { must, run } from './exec.js';
import { CGROUP_PARENT, LAB_SOURCE, REPO_ROOT, SYSTEMD_FLAVOURS } from './layout.js';
import { isAlive, recordProcess, type HostRecord, type ProcessRecord } from './state.js';

/** Where the machine mounts cgroup v2: /sys/fs/cgroup/unified on a v1 hybrid machine, else /sys/fs/cgroup. */
export async function cgroup2Root(): Promise<string> {
  const mounts = await fs.readFile('/proc/self/mounts', 'utf8');
  const found = mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup2')
    .map((f) => f[1] as string);
  const root = found.find((m) => m === '/sys/fs/cgroup/unified') ?? found.find((m) => m === '/sys/fs/cgroup');
  if (!root) throw new Error('the lab needs a cgroup v2 hierarchy (none is mounted on this machine)');
  return root;
}

export function hostCgroup(root: string, name: string): string {
  return path.join(root, CGROUP_PARENT, name);
}

/** How long a host's boot script may take to fork the host's PID 1. */
const BOOT_TIMEOUT_MS = 30_000;

/** Starts the host detached from this process; resolves once its PID 1 exists. */
export async function bootHost(host: HostRecord): Promise<{ boot: ProcessRecord; init: ProcessRecord }> {
  await fs.mkdir(host.cgroup, { recursive: true });
  const log = openSync(path.join(host.dir, 'boot.log'), 'a');
  const child = spawn(path.join(LAB_SOURCE, 'host-boot.sh'), ['outer'], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: '/',
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LAB_HOST: host.name,
      LAB_OS: host.os,
      LAB_NETNS: host.netns,
      LAB_HOST_DIR: host.dir,
      LAB_CGROUP: host.cgroup,
      LAB_REPO: REPO_ROOT,
    },
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${host.name}: could not start host-boot.sh`);
  const boot = await recordProcess(pid);
  // The script execs nsenter, then unshare, which forks the host's PID 1. A deadline, not a count of polls: a
  // busy machine (many hosts starting at once, a cold page cache) takes seconds to get there.
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const children = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => undefined);
    if (children === undefined) break;
    const first = Number(children.trim().split(/\s+/)[0]);
    const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (first && comm === 'unshare') {
      const init = await recordProcess(first);
      if (boot && init) return { boot, init };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const tail = await fs.readFile(path.join(host.dir, 'boot.log'), 'utf8').catch(() => '');
  throw new Error(`${host.name}: the host did not boot:\n${tail.trim()}`);
}

/** True when something answers on ADDRESS:22 with an SSH banner within the timeout. */
export function sshBanner(address: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port: 22 });
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(data.startsWith('SSH-')));
  });
}

export async function waitForSsh(host: HostRecord, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await sshBanner(host.address, 500)) return;
    if (!(await isAlive(host.init))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = await fs.readFile(path.join(host.dir, 'boot.log'), 'utf8').catch(() => '');
  throw new Error(`${host.name}: sshd did not answer on ${host.address}:22${tail ? `:\n${tail.trim()}` : ''}`);
}

/** `systemctl is-system-running` inside an amzn2/amzn2023 host; undefined on amzn1 (no systemd) or a dead host. */
export async function systemdState(host: HostRecord): Promise<string | undefined> {
  if (!SYSTEMD_FLAVOURS.includes(host.os) || !host.init || !(await isAlive(host.init))) return undefined;
  const r = await run('nsenter', ['-t', String(host.init.pid), '-m', '-p', 'systemctl', 'is-system-running'], {
    timeoutMs: 5000,
  });
  return r.stdout.trim() || 'unknown';
}

export async function waitForSystemd(host: HostRecord, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let state = await systemdState(host);
  while ((state === 'initializing' || state === 'starting' || state === 'unknown') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    state = await systemdState(host);
  }
  return state;
}

export interface HostMemory {
  processes: number;
  /** Sum of the processes' resident sets (shared pages counted in each). */
  rssKiB: number;
  /** Sum of proportional set sizes: the host's fair share of the machine's memory. */
  pssKiB: number;
}

/** Memory of every process in the host's cgroup (the outside `unshare` included). */
export async function hostMemory(host: HostRecord): Promise<HostMemory> {
  const memory: HostMemory = { processes: 0, rssKiB: 0, pssKiB: 0 };
  for (const dir of await cgroupTree(host.cgroup)) {
    const procs = await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const pid of procs.split('\n').filter(Boolean)) {
      const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const rollup = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
      memory.processes++;
      memory.rssKiB += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      memory.pssKiB += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    }
  }
  return memory;
}

async function cgroupPopulated(dir: string): Promise<boolean> {
  const events = await fs.readFile(path.join(dir, 'cgroup.events'), 'utf8').catch(() => 'populated 0');
  return /populated 1/.test(events);
}

/** The cgroup and every cgroup below it (systemd makes its own), deepest first. */
async function cgroupTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) out.push(...(await cgroupTree(path.join(dir, e.name))));
  out.push(dir);
  return out;
}

/**
 * Ends every process of the host: all of them sit in the host's cgroup, which only `up` put them in;
 * the recorded PIDs are killed too (when they are still the processes `up` started).
 */
export async function killHost(host: HostRecord): Promise<void> {
  const exists = await fs
    .access(host.cgroup)
    .then(() => true)
    .catch(() => false);
  if (exists) await fs.writeFile(path.join(host.cgroup, 'cgroup.kill'), '1').catch(() => undefined);
  for (const rec of [host.init, host.boot]) {
    if (rec && (await isAlive(rec))) process.kill(rec.pid, 'SIGKILL');
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const busy =
      (exists && (await cgroupPopulated(host.cgroup))) || (await isAlive(host.init)) || (await isAlive(host.boot));
    if (!busy) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (exists) {
    for (const dir of await cgroupTree(host.cgroup)) await fs.rmdir(dir).catch(() => undefined);
  }
}

/** Removes the host's folder (upper dir and all); retried while its overlay is still being torn down. */
export async function removeHostDir(host: HostRecord): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await fs.rm(host.dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Writes the host's instance id where cloud-init keeps it, inside the host's own mount namespace. */
export async function setInstanceId(host: HostRecord, instanceId: string): Promise<void> {
  if (!host.init) throw new Error(`${host.name}: not running`);
  await must('nsenter', [
    '-t',
    String(host.init.pid),
    '-m',
    'sh',
    '-c',
    'printf "%s\\n" "$1" > /var/lib/cloud/data/instance-id',
    'sh',
    instanceId,
  ]);
}
