// `provision lab up|down|status`: the lab's use cases. Hosts are lab01…labNN; `up` converges to the asked
// hosts (starts the missing, replaces the dead or re-flavoured, ends the extra), `down` removes every trace.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { must } from './exec.js';
import {
  CGROUP_PARENT,
  FLAVOURS,
  NET,
  REPO_ROOT,
  SYSTEMD_FLAVOURS,
  bridgeAddress,
  flavourOf,
  hostAddress,
  hostName,
  labPaths,
  type Flavour,
  type Paths,
} from './layout.js';
import {
  bootHost,
  cgroup2Root,
  hostMemory,
  type HostMemory,
  hostCgroup,
  killHost,
  removeHostDir,
  setInstanceId,
  sshBanner,
  systemdState,
  waitForSsh,
  waitForSystemd,
} from './hosts.js';
import { renderEc2Inventory, renderInventory, renderKnownHosts, renderSsmInventory } from './inventory.js';
import {
  RUN_NETNS,
  removeRunNetns,
  addHostLink,
  bridgeOwner,
  ensureBridge,
  linkExists,
  netnsExists,
  removeBridge,
  removeHostLink,
} from './network.js';
import { freeUserId, newInstanceId, prepareUpper } from './rootfs.js';
import { isAlive, loadState, saveState, withLock, type HostRecord, type LabState } from './state.js';

import { ensureLabAws, stopLabAws, waitForSsmAgents } from './aws-endpoint.js';

export type OsChoice = Flavour | 'mixed';

export interface UpOptions {
  hosts: number;
  os: OsChoice;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface UpResult {
  inventory: string;
  hosts: HostRecord[];
  started: string[];
  kept: string[];
  removed: string[];
  seconds: number;
}

export interface HostStatus {
  name: string;
  os: Flavour;
  address: string;
  instanceId: string;
  running: boolean;
  sshd: boolean;
  /** `systemctl is-system-running` on amzn2/amzn2023; null on amzn1 (no systemd) or when the host is down. */
  systemd: string | null;
  pid: number | null;
  memory: HostMemory;
}

export interface StatusResult {
  up: boolean;
  owner: string | null;
  bridge: { name: string; address: string } | null;
  inventory: string | null;
  knownHosts: string | null;
  key: string | null;
  hosts: HostStatus[];
}

const DOCKER_LAB = 'the Docker lab (`docker compose up -d` with docker-compose.yml at the repository root)';

/** The lab builds namespaces, overlay mounts and cgroups: root on Linux only. */
export function assertLabPossible(): void {
  if (process.platform !== 'linux') {
    throw new UsageError(
      `the lab needs Linux (network namespaces, overlayfs, cgroups) and this is ${process.platform}; use ${DOCKER_LAB} instead.`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new UsageError(
      `the lab needs root (it creates network namespaces, overlay mounts and cgroups) and this runs as uid ${uid}. ` +
        `Run it as root (sudo), or use ${DOCKER_LAB}.`,
    );
  }
}

const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  pivot_root: 'util-linux',
  setfattr: 'attr',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  '/usr/sbin/sshd': 'openssh-server',
  sudo: 'sudo',
  '/usr/bin/python3': 'python3',
  '/lib/systemd/systemd': 'systemd',
};

async function checkTools(): Promise<void> {
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const found = tool.startsWith('/')
      ? await fs.access(tool).then(
          () => true,
          () => false,
        )
      : (await must('sh', ['-c', `command -v ${tool} || true`])).trim() !== '';
    if (!found) missing.push(`${tool} (${pkg})`);
  }
  if (missing.length > 0) {
    throw new UsageError(
      `the lab needs ${missing.join(', ')}; install them with: sudo bash scripts/install-lab-deps.sh`,
    );
  }
}

async function ensureKey(paths: Paths): Promise<string> {
  await fs.mkdir(path.dirname(paths.key), { recursive: true, mode: 0o700 });
  const exists = await fs.access(paths.key).then(
    () => true,
    () => false,
  );
  if (!exists)
    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'awslogs-provision-lab', '-f', paths.key]);
  return fs.readFile(`${paths.key}.pub`, 'utf8');
}

async function stopHost(host: HostRecord): Promise<void> {
  await killHost(host);
  await removeHostLink(host.netns, host.veth);
  await removeHostDir(host);
}

export async function up(options: UpOptions, paths: Paths = labPaths()): Promise<UpResult> {
  assertLabPossible();
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > NET.maxHosts) {
    throw new UsageError(`--hosts must be an integer from 1 to ${NET.maxHosts}, got ${options.hosts}`);
  }
  if (options.os !== 'mixed' && !FLAVOURS.includes(options.os)) {
    throw new UsageError(`--os must be amzn1, amzn2, amzn2023 or mixed, got ${String(options.os)}`);
  }
  await checkTools();
  const t0 = Date.now();
  return withLock(paths, async () => {
    const owner = REPO_ROOT;
    const previous = await loadState(paths);
    const currentOwner = await bridgeOwner();
    if (currentOwner !== undefined && currentOwner !== owner) {
      throw new UsageError(
        `a lab is already up on this machine, owned by ${currentOwner || 'an unknown repository'}; run \`provision lab down\` there first`,
      );
    }
    const state: LabState = previous ?? {
      version: 1,
      owner,
      bridge: { name: NET.bridge, address: bridgeAddress(), prefixLength: NET.prefixLength },
      hosts: [],
    };
    state.createdRunNetns ??= !(await fs.access(RUN_NETNS).then(
      () => true,
      () => false,
    ));
    await ensureBridge(owner);
    const authorizedKey = await ensureKey(paths);
    const cgroupRoot = await cgroup2Root();
    const ec2UserId = await freeUserId();

    // What stays, what goes
    const kept: HostRecord[] = [];
    const removed: string[] = [];
    for (const h of state.hosts) {
      const wanted = h.index <= options.hosts && flavourOf(options.os, h.index) === h.os;
      if (wanted && (await isAlive(h.init)) && (await sshBanner(h.address, 1000))) kept.push(h);
      else {
        log(`${h.name}: ${wanted ? 'not answering, replacing it' : 'not wanted, removing it'}`);
        await stopHost(h);
        removed.push(h.name);
      }
    }
    state.hosts = kept;
    await saveState(paths, state);

    const fresh: HostRecord[] = [];
    for (let i = 1; i <= options.hosts; i++) {
      if (kept.some((h) => h.index === i)) continue;
      const name = hostName(i);
      fresh.push({
        name,
        index: i,
        os: flavourOf(options.os, i),
        address: hostAddress(i),
        instanceId: newInstanceId(),
        netns: `${NET.netnsPrefix}${name}`,
        veth: `${NET.vethPrefix}${i}`,
        cgroup: hostCgroup(cgroupRoot, name),
        dir: path.join(paths.hostsDir, name),
        hostKey: '',
        startedAt: new Date().toISOString(),
      });
    }
    // Leftovers of a crashed run under the same names are ours: clear them first.
    await Promise.all(
      fresh.map(async (h) => {
        if ((await netnsExists(h.netns)) || (await linkExists(h.veth))) await removeHostLink(h.netns, h.veth);
        await killHost(h);
        await removeHostDir(h);
      }),
    );
    // Record the hosts before anything starts, so that `down` finds whatever a failure leaves behind.
    state.hosts = [...kept, ...fresh].sort((a, b) => a.index - b.index);
    await saveState(paths, state);

    await Promise.all(
      fresh.map(async (h) => {
        h.hostKey = await prepareUpper(h, { ec2UserId, authorizedKey });
        await addHostLink(h.netns, h.veth, h.address);
        const { boot, init } = await bootHost(h);
        h.boot = boot;
        h.init = init;
      }),
    );
    await saveState(paths, state);
    await Promise.all(
      fresh.map(async (h) => {
        await waitForSsh(h, 60_000);
        if (SYSTEMD_FLAVOURS.includes(h.os)) await waitForSystemd(h, 30_000);
        log(`${h.name}: ${h.os} at ${h.address} is up`);
      }),
    );

    // Each host takes the id of its EC2 instance, as cloud-init would write it on EC2.
    const ids = await ensureLabAws(paths, state.hosts, log);
    for (const host of state.hosts) {
      const id = ids.get(host.name);
      if (id && id !== host.instanceId) {
        await setInstanceId(host, id);
        host.instanceId = id;
      }
    }
    await saveState(paths, state);
    await waitForSsmAgents(paths, state.hosts);
    await fs.writeFile(paths.knownHosts, renderKnownHosts(state.hosts));
    await fs.mkdir(path.dirname(paths.inventory), { recursive: true });
    await fs.writeFile(paths.inventory, renderInventory(state.hosts, paths));
    await fs.writeFile(paths.ec2Inventory, renderEc2Inventory(state.hosts, paths));
    await fs.writeFile(paths.ssmInventory, renderSsmInventory(state.hosts, paths));
    return {
      inventory: paths.inventory,
      hosts: state.hosts,
      started: fresh.map((h) => h.name),
      kept: kept.map((h) => h.name),
      removed,
      seconds: (Date.now() - t0) / 1000,
    };
  });
}

export interface DownResult {
  removed: string[];
}

export async function down(
  paths: Paths = labPaths(),
  log: (line: string) => void = () => undefined,
): Promise<DownResult> {
  assertLabPossible();
  const hadState = await fs.access(paths.stateDir).then(
    () => true,
    () => false,
  );
  if (!hadState && (await bridgeOwner()) !== REPO_ROOT) return { removed: [] };
  return withLock(paths, async () => {
    const state = await loadState(paths);
    const hosts = state?.hosts ?? [];
    await Promise.all(
      hosts.map(async (h) => {
        await stopHost(h);
        log(`${h.name}: removed`);
      }),
    );
    await stopLabAws(paths);
    const cgroupParent = path.join(await cgroup2Root(), CGROUP_PARENT);
    await fs.rmdir(cgroupParent).catch(() => undefined);
    if ((await bridgeOwner()) === REPO_ROOT) await removeBridge();
    if (state?.createdRunNetns) await removeRunNetns();
    await fs.rm(paths.hostsDir, { recursive: true, force: true });
    await fs.rm(path.dirname(paths.key), { recursive: true, force: true });
    await fs.rm(paths.stateFile, { force: true });
    await fs.rm(paths.inventory, { force: true });
    await fs.rm(paths.ec2Inventory, { force: true });
    await fs.rm(paths.ssmInventory, { force: true });
    return { removed: hosts.map((h) => h.name) };
  }).finally(async () => {
    // The state folder goes too when nothing else (another part of the lab) keeps files there.
    await fs.rmdir(paths.stateDir).catch(() => undefined);
  });
}

export async function status(paths: Paths = labPaths()): Promise<StatusResult> {
  assertLabPossible();
  const state = await loadState(paths);
  const owner = (await bridgeOwner()) ?? null;
  if (!state) {
    return { up: false, owner, bridge: null, inventory: null, knownHosts: null, key: null, hosts: [] };
  }
  const hosts = await Promise.all(
    state.hosts.map(async (h): Promise<HostStatus> => {
      const running = await isAlive(h.init);
      return {
        name: h.name,
        os: h.os,
        address: h.address,
        instanceId: h.instanceId,
        running,
        sshd: running && (await sshBanner(h.address, 1000)),
        systemd: (await systemdState(h)) ?? null,
        pid: running && h.init ? h.init.pid : null,
        memory: await hostMemory(h),
      };
    }),
  );
  return {
    up: hosts.length > 0 && owner === state.owner,
    owner,
    bridge: { name: state.bridge.name, address: state.bridge.address },
    inventory: paths.inventory,
    knownHosts: paths.knownHosts,
    key: paths.key,
    hosts,
  };
}
