// The lab's record of what `up` created, so that `down` ends exactly that: .lab/state.json.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Flavour, Paths } from './layout.js';

export interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): a PID is ours only if it matches. */
  startTime: number;
}

export interface HostRecord {
  name: string;
  index: number;
  os: Flavour;
  address: string;
  instanceId: string;
  netns: string;
  veth: string;
  cgroup: string;
  dir: string;
  hostKey: string;
  /** The `unshare` outside the host's namespaces, and the host's PID 1 as the machine sees it. */
  boot?: ProcessRecord;
  init?: ProcessRecord;
  startedAt: string;
}

export interface LabState {
  version: 1;
  /** The repository that owns the machine's lab (the bridge carries it as its alias). */
  owner: string;
  bridge: { name: string; address: string; prefixLength: number };
  /** True when the lab's first `ip netns add` created /run/netns (a mount of its own): `down` removes it. */
  createdRunNetns?: boolean;
  hosts: HostRecord[];
}

export async function loadState(paths: Paths): Promise<LabState | undefined> {
  try {
    return JSON.parse(await fs.readFile(paths.stateFile, 'utf8')) as LabState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function saveState(paths: Paths, state: LabState): Promise<void> {
  await fs.mkdir(path.dirname(paths.stateFile), { recursive: true });
  const tmp = `${paths.stateFile}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await fs.rename(tmp, paths.stateFile);
}

/** The start time of a live process, or undefined when it is gone (zombies count as gone). */
export async function processStartTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

export async function recordProcess(pid: number): Promise<ProcessRecord | undefined> {
  const startTime = await processStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** True when the recorded process still runs (same PID, same start time). */
export async function isAlive(rec: ProcessRecord | undefined): Promise<boolean> {
  if (!rec) return false;
  return (await processStartTime(rec.pid)) === rec.startTime;
}

/** A lock file holding our PID; a lock whose PID is gone is stale and taken over. */
export async function withLock<T>(paths: Paths, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(paths.stateDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(paths.lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await fs.readFile(paths.lockFile, 'utf8').catch(() => ''));
      if (!holder || (await processStartTime(holder)) === undefined) {
        await fs.rm(paths.lockFile, { force: true });
        continue;
      }
      if (attempt > 600) throw new Error(`the lab is locked by process ${holder} (${paths.lockFile})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(paths.lockFile, { force: true });
  }
}
