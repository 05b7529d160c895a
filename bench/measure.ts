// The benchmark's measuring tools: run a command and time it (wall clock from here, CPU and peak RSS from
// GNU time), summarise repetitions, and run one command on many hosts at once.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CGROUP_PARENT, CGROUP_V2_MOUNTS } from '../src/lab/layout.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall clock, measured here around the child's whole life. */
  seconds: number;
}

export interface Timed extends Ran {
  userS: number;
  sysS: number;
  /** Peak resident set size of the command (GNU time's %M, the largest of the process and its waited children). */
  rssMb: number;
  /** Busy CPU seconds of the whole machine meanwhile: the command, the lab, other users of the machine. */
  machineCpuS: number;
  /** CPU seconds of the lab's hosts meanwhile (their cgroup): sshd, sudo, shells, yum, systemd, the agents. */
  hostsCpuS: number;
  /** The same, summed over the hosts by unit (`ssh.service`, `awslogsd.service`, `init.scope`…): the profile. */
  hostsCpuByUnitS: Record<string, number>;
  /** CPU seconds of the processes `options.watch` named meanwhile (the lab's AWS: its SSM endpoint and moto). */
  watchedCpuS: number;
}

// The lab's own cgroup (its slot's: AWSLOGS_LAB_SLOT), under whichever cgroup v2 mount the machine has.
const LAB_CGROUPS = CGROUP_V2_MOUNTS.map((m) => `${m}/${CGROUP_PARENT}/cpu.stat`);

/**
 * CPU seconds each unit of the lab's hosts used since it started, summed over the hosts: systemd's
 * own cgroups inside each host (`init.scope`, `system.slice/<unit>`), and `(outside units)` for what runs in a
 * host's cgroup itself (every process of a host without systemd).
 */
export function hostsCpuByUnit(): Record<string, number> {
  const root = LAB_CGROUPS.map((f) => f.slice(0, -'/cpu.stat'.length)).find((d) => existsSync(d));
  const out: Record<string, number> = {};
  if (!root) return out;
  const usage = (dir: string): number => {
    try {
      const m = /^usage_usec (\d+)/m.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
      return m ? Number(m[1]) / 1e6 : 0;
    } catch {
      return 0;
    }
  };
  const subdirs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  const add = (unit: string, seconds: number) => (out[unit] = (out[unit] ?? 0) + seconds);
  for (const host of subdirs(root)) {
    const hostDir = join(root, host);
    let inUnits = 0;
    for (const top of subdirs(hostDir)) {
      const topS = usage(join(hostDir, top));
      inUnits += topS;
      if (top !== 'system.slice') {
        add(top, topS);
        continue;
      }
      let units = 0;
      for (const unit of subdirs(join(hostDir, top))) {
        const unitS = usage(join(hostDir, top, unit));
        units += unitS;
        add(unit, unitS);
      }
      add('system.slice (other)', topS - units);
    }
    add('(outside units)', usage(hostDir) - inUnits);
  }
  return out;
}

/** `after − before`, unit by unit, rounded to ms; units that used nothing are left out. */
export function unitDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [unit, s] of Object.entries(after)) {
    const d = Math.round((s - (before[unit] ?? 0)) * 1000) / 1000;
    if (d > 0) delta[unit] = d;
  }
  return delta;
}

/** CPU seconds the lab's hosts used since the lab started, from their cgroup; NaN without one. */
export function hostsCpuSeconds(): number {
  for (const file of LAB_CGROUPS) {
    try {
      const m = /^usage_usec (\d+)/m.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]) / 1e6;
    } catch {
      // not this one
    }
  }
  return NaN;
}

/**
 * Waits until the lab's hosts are quiet (under a tenth of a core for half a second; at most `maxS`): agents
 * started by the previous figure finish starting before the next figure is timed.
 */
export async function settle(maxS = 30): Promise<void> {
  const until = Date.now() + maxS * 1000;
  while (Date.now() < until) {
    const before = hostsCpuSeconds();
    await new Promise((r) => setTimeout(r, 500));
    const used = hostsCpuSeconds() - before;
    if (!(used > 0.05)) return;
  }
}

/**
 * CPU seconds a running process has used (user + system, /proc/PID/stat; its waited children too); NaN when it
 * is gone or no pid is given.
 */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // The fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return (f[11]! + f[12]! + f[13]! + f[14]!) / 100;
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole machine since boot (/proc/stat, USER_HZ = 100). */
export function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    });
  });
}

let timeFiles = 0;

/** `command args` under `/usr/bin/time`: its wall clock (ours), CPU seconds and peak RSS. */
export async function timed(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; watch?: () => (number | undefined)[] } = {},
): Promise<Timed> {
  const file = join(tmpdir(), `awslogs-bench-time-${process.pid}-${timeFiles++}`);
  await settle();
  const busy = machineCpuSeconds();
  const hosts = hostsCpuSeconds();
  const units = hostsCpuByUnit();
  const watched = options.watch?.() ?? [];
  const watchedCpu = () => watched.reduce<number>((sum, pid) => sum + processCpuSeconds(pid), 0);
  const watched0 = watchedCpu();
  const r = await run('/usr/bin/time', ['-o', file, '-f', '%U %S %M', command, ...args], options);
  const machineCpuS = machineCpuSeconds() - busy;
  const hostsCpuS = hostsCpuSeconds() - hosts;
  const hostsCpuByUnitS = unitDelta(units, hostsCpuByUnit());
  const watchedCpuS = watched.length ? Math.round((watchedCpu() - watched0) * 1000) / 1000 : NaN;
  const fields = readFileSync(file, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  rmSync(file, { force: true });
  const [userS = NaN, sysS = NaN, rssKb = NaN] = fields;
  return {
    ...r,
    userS,
    sysS,
    rssMb: Math.round((rssKb / 1024) * 10) / 10,
    machineCpuS,
    hostsCpuS,
    hostsCpuByUnitS,
    watchedCpuS,
  };
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { min: round(sorted[0]!), median: round(median), max: round(sorted.at(-1)!) };
}

export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}
