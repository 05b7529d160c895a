// The lab's hosts as the benchmark reaches them with plain OpenSSH: the same key, known_hosts and algorithms
// as the tool (curve25519-sha256 key exchange, ed25519 host key, aes128-gcm: what ssh2 negotiates), for the floor, the resets and Ansible.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { hostsCpuSeconds, machineCpuSeconds, run, settle, type Ran } from './measure.js';

export interface BenchHost {
  name: string;
  address: string;
  user: string;
  os: string;
}

export interface LabInventory {
  hosts: BenchHost[];
  key: string;
  knownHosts: string;
}

type Doc = {
  all: {
    vars: Record<string, unknown>;
    children: Record<string, { hosts: Record<string, Record<string, unknown>> }>;
  };
};

export function readLabInventory(file: string): LabInventory {
  const doc = parse(readFileSync(file, 'utf8')) as Doc;
  const hosts: BenchHost[] = [];
  let key = '';
  for (const [group, { hosts: members }] of Object.entries(doc.all.children)) {
    for (const [name, vars] of Object.entries(members ?? {})) {
      hosts.push({ name, address: String(vars.ansible_host), user: String(vars.ansible_user), os: group });
      key = String(vars.ansible_ssh_private_key_file);
    }
  }
  hosts.sort((a, b) => a.name.localeCompare(b.name));
  return { hosts, key, knownHosts: String(doc.all.vars.ssh_known_hosts_file) };
}

/**
 * The connection settings every OpenSSH client of the benchmark uses. The key exchange and host key algorithm
 * are the ones the tool's ssh2 negotiates with the lab's sshd; OpenSSH 9's default (sntrup761x25519) costs
 * about 2.5× more CPU per handshake and would make the floor and Ansible look slower than they need be.
 */
export function sshOptions(lab: LabInventory): string[] {
  return [
    '-i',
    lab.key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${lab.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    ...ALGORITHMS,
  ];
}

export const ALGORITHMS = [
  '-o',
  'KexAlgorithms=curve25519-sha256',
  '-o',
  'HostKeyAlgorithms=ssh-ed25519',
  '-o',
  'Ciphers=aes128-gcm@openssh.com',
];

/** One command on every host at once, each over its own fresh connection (no multiplexing). */
export function onEveryHost(lab: LabInventory, user: 'root' | 'login', command: string): Promise<Ran[]> {
  return Promise.all(
    lab.hosts.map((h) =>
      run('ssh', [
        ...sshOptions(lab),
        '-o',
        'ControlMaster=no',
        '-o',
        'ControlPath=none',
        `${user === 'root' ? 'root' : h.user}@${h.address}`,
        command,
      ]),
    ),
  );
}

/** The floor: `ssh host true` on every host at once; the wall clock until the last one returns. */
export async function sshFloor(
  lab: LabInventory,
): Promise<{ seconds: number; machineCpuS: number; hostsCpuS: number }> {
  await settle();
  const busy = machineCpuSeconds();
  const hosts = hostsCpuSeconds();
  const started = process.hrtime.bigint();
  const results = await onEveryHost(lab, 'login', 'true');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const machineCpuS = machineCpuSeconds() - busy;
  const hostsCpuS = hostsCpuSeconds() - hosts;
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`ssh floor: ${failed.length} host(s) failed: ${failed[0]!.stderr.trim()}`);
  return { seconds, machineCpuS, hostsCpuS };
}

/**
 * Back to a host on which the agent was never installed: the service stopped and disabled, the package removed
 * (the lab's yum runs the package's %preun), then every file the package, the tool or Ansible left: the
 * configuration folder (with .rpmsave and Ansible's backups), the agent's state, the tool's before-images, the
 * agent's log. What stays: the host's own logs, its sshd, and the log groups already created in the lab's AWS.
 */
export const RESET_SCRIPT = `
if [ -d /run/systemd/system ]; then systemctl disable --now awslogsd >/dev/null 2>&1
else service awslogs stop >/dev/null 2>&1; chkconfig --del awslogs >/dev/null 2>&1; fi
yum remove -y -q awslogs >/dev/null 2>&1
rm -rf /etc/awslogs /var/lib/awslogs /var/lib/awslogs-provision /var/log/awslogs.log*
if [ -d /run/systemd/system ]; then systemctl daemon-reload; systemctl reset-failed >/dev/null 2>&1; fi
if rpm -q awslogs >/dev/null 2>&1; then echo "awslogs still installed" >&2; exit 1; fi
`;

export async function resetHosts(lab: LabInventory): Promise<void> {
  const results = await onEveryHost(lab, 'root', RESET_SCRIPT);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`reset: ${failed.length} host(s) failed: ${failed[0]!.stderr.trim()}`);
}
