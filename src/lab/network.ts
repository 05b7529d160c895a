// The lab's network: one bridge with an address of the machine's, a veth pair and a network namespace
// per host. Nothing is routed or forwarded off the bridge: the bridge's forwarding stays off and hosts
// have no default route, so a host reaches only the bridge's subnet (no 169.254.169.254, no internet).
import { promises as fs } from 'node:fs';
import { must, run } from './exec.js';
import { NET, bridgeAddress } from './layout.js';
import { UsageError } from '../core/errors.js';

async function writeSysctl(file: string, value: string): Promise<void> {
  await fs.writeFile(file, value).catch(() => undefined);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', 'dev', name])).code === 0;
}

/** The owner recorded on the bridge (its alias), or undefined when there is no bridge. */
export async function bridgeOwner(): Promise<string | undefined> {
  const r = await run('ip', ['-j', 'link', 'show', 'dev', NET.bridge]);
  if (r.code !== 0) return undefined;
  const [link] = JSON.parse(r.stdout) as { ifalias?: string }[];
  return link?.ifalias ?? '';
}

/** Refuses a subnet that a route of the machine (not the lab's bridge) already covers. */
async function checkSubnetFree(): Promise<void> {
  const routes = JSON.parse(await must('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as {
    dst: string;
    dev?: string;
  }[];
  const ours = `${NET.prefix}.0/${NET.prefixLength}`;
  for (const r of routes) {
    if (r.dev === NET.bridge || r.dst === 'default') continue;
    const [net, len] = r.dst.split('/');
    if (!net) continue;
    if (overlaps(net, Number(len ?? 32), `${NET.prefix}.0`, NET.prefixLength)) {
      throw new UsageError(`the lab's subnet ${ours} collides with the machine's route ${r.dst} (dev ${r.dev})`);
    }
  }
}

function toInt(ip: string): number {
  return ip.split('.').reduce((a, b) => (a << 8) + Number(b), 0) >>> 0;
}

export function overlaps(a: string, alen: number, b: string, blen: number): boolean {
  const len = Math.min(alen, blen);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return (toInt(a) & mask) === (toInt(b) & mask);
}

export async function ensureBridge(owner: string): Promise<void> {
  const current = await bridgeOwner();
  if (current !== undefined) {
    if (current !== owner) {
      throw new UsageError(
        `a lab is already up on this machine, owned by ${current || 'an unknown repository'}; run \`provision lab down\` there first`,
      );
    }
    return;
  }
  await checkSubnetFree();
  await must('ip', ['link', 'add', NET.bridge, 'type', 'bridge']);
  await must('ip', ['link', 'set', 'dev', NET.bridge, 'alias', owner]);
  await writeSysctl(`/proc/sys/net/ipv4/conf/${NET.bridge}/forwarding`, '0');
  await writeSysctl(`/proc/sys/net/ipv6/conf/${NET.bridge}/disable_ipv6`, '1');
  await must('ip', ['addr', 'add', `${bridgeAddress()}/${NET.prefixLength}`, 'dev', NET.bridge]);
  await must('ip', ['link', 'set', 'dev', NET.bridge, 'up']);
}

export async function removeBridge(): Promise<void> {
  if (await linkExists(NET.bridge)) await must('ip', ['link', 'del', 'dev', NET.bridge]);
}

export async function addHostLink(netns: string, veth: string, address: string): Promise<void> {
  await must('ip', ['netns', 'add', netns]);
  await must('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await writeSysctl(`/proc/sys/net/ipv6/conf/${veth}/disable_ipv6`, '1');
  await must('ip', ['link', 'set', 'dev', veth, 'master', NET.bridge, 'up']);
  await must('ip', ['-n', netns, 'addr', 'add', `${address}/${NET.prefixLength}`, 'dev', 'eth0']);
  await must('ip', ['-n', netns, 'link', 'set', 'dev', 'eth0', 'up']);
  await must('ip', ['-n', netns, 'link', 'set', 'dev', 'lo', 'up']);
}

/** Deletes the veth explicitly (a namespace's teardown is asynchronous), then the namespace. */
export async function removeHostLink(netns: string, veth: string): Promise<void> {
  if (await linkExists(veth)) await run('ip', ['link', 'del', 'dev', veth]);
  await run('ip', ['netns', 'del', netns]);
}

export async function netnsExists(netns: string): Promise<boolean> {
  return fs
    .access(`/run/netns/${netns}`)
    .then(() => true)
    .catch(() => false);
}

export const RUN_NETNS = '/run/netns';

/** Unmounts and removes /run/netns when it is empty (only when the lab created it). */
export async function removeRunNetns(): Promise<void> {
  const entries = await fs.readdir(RUN_NETNS).catch(() => undefined);
  if (!entries || entries.length > 0) return;
  const mountinfo = await fs.readFile('/proc/self/mountinfo', 'utf8');
  if (mountinfo.split('\n').some((l) => l.split(' ')[4] === RUN_NETNS)) await run('umount', [RUN_NETNS]);
  await fs.rmdir(RUN_NETNS).catch(() => undefined);
}
