// The lab end to end through the built CLI: two hosts (amzn2 + amzn1), SSH as both users, the stand-ins,
// the awslogs package and its service, status, idempotent up, and a down that leaves nothing behind.
// Needs root on Linux; anywhere else every test is reported skipped with the reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CGROUP_PARENT, NET, bridgeAddress, hostAddress, labPaths } from '../../../src/lab/layout.js';

/** The bridge and host links of this slot's lab, not another's. */
function ourLink(name: string): boolean {
  return name === NET.bridge || name.startsWith(NET.vethPrefix);
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CLI = path.join(REPO, 'dist', 'src', 'main.js');
const PATHS = labPaths(REPO);
const KEY = PATHS.key;
const KNOWN_HOSTS = PATHS.knownHosts;
const INVENTORY = PATHS.inventory;

function skipReason(): string | false {
  if (process.platform !== 'linux') return `the lab needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `the lab needs root, this runs as uid ${process.getuid?.()}`;
  return false;
}
const reason = skipReason();
if (reason) console.log(`# lab tests skipped: ${reason}`);

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], timeout = 30_000): Promise<Out> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]): Promise<Out> => sh('node', [CLI, ...args], 120_000);

function ssh(user: string, address: string, command: string): Promise<Out> {
  return sh('ssh', [
    '-i',
    KEY,
    '-o',
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    `${user}@${address}`,
    command,
  ]);
}

interface Inventory {
  all: {
    vars: Record<string, unknown>;
    children: Record<string, { hosts: Record<string, Record<string, unknown>> }>;
  };
}

/** Whether /run/netns existed before the lab first ran here (then the lab must leave it). */
let runNetnsBefore = true;

async function machineTraces(): Promise<string[]> {
  const traces: string[] = [];
  if (
    !runNetnsBefore &&
    (await fs.access('/run/netns').then(
      () => true,
      () => false,
    ))
  )
    traces.push('dir: /run/netns');
  const links = await sh('ip', ['-o', 'link', 'show']);
  for (const line of links.stdout.split('\n'))
    if (ourLink(line.split(':')[1]?.trim() ?? '')) traces.push(`link: ${line.split(':')[1]?.trim()}`);
  const netns = await fs.readdir('/run/netns').catch(() => []);
  for (const n of netns) if (n.startsWith(NET.netnsPrefix)) traces.push(`netns: ${n}`);
  for (const root of [`/sys/fs/cgroup/unified/${CGROUP_PARENT}`, `/sys/fs/cgroup/${CGROUP_PARENT}`]) {
    if (
      await fs.access(root).then(
        () => true,
        () => false,
      )
    )
      traces.push(`cgroup: ${root}`);
  }
  const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8');
  for (const line of mounts.split('\n')) if (line.includes(PATHS.stateDir)) traces.push(`mount: ${line}`);
  if (
    await fs.access(PATHS.hostsDir).then(
      () => true,
      () => false,
    )
  )
    traces.push('dir: .lab/hosts');
  if (
    await fs.access(INVENTORY).then(
      () => true,
      () => false,
    )
  )
    traces.push('file: inventories/lab.yml');
  return traces;
}

async function alive(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return what();
}

test('lab refuses to run without root and points to docker-compose.yml', { skip: reason }, async () => {
  const r = await sh('runuser', ['-u', 'nobody', '--', process.execPath, CLI, 'lab', 'status']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /needs root/);
  assert.match(r.stderr, /docker-compose\.yml/);
});

describe('lab with one amzn2 and one amzn1 host', { skip: reason }, () => {
  let inv: Inventory;
  let amzn2 = '';
  let amzn1 = '';
  let pids: number[] = [];

  before(async () => {
    await cli('lab', 'down');
    runNetnsBefore = await fs.access('/run/netns').then(
      () => true,
      () => false,
    );
    const r = await cli('lab', 'up', '--hosts', '2', '--os', 'mixed');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), INVENTORY);
    inv = parse(await fs.readFile(INVENTORY, 'utf8')) as Inventory;
    amzn2 = Object.values(inv.all.children.amzn2?.hosts ?? {})[0]?.ansible_host as string;
    amzn1 = Object.values(inv.all.children.amzn1?.hosts ?? {})[0]?.ansible_host as string;
  });

  after(async () => {
    await cli('lab', 'down');
  });

  test('the inventory is Ansible YAML with one group per flavour and the lab vars', () => {
    const vars = inv.all.vars;
    assert.equal(vars.aws_region, 'ap-northeast-2');
    assert.equal(vars.aws_endpoint_url, `http://${bridgeAddress()}:5000`);
    assert.deepEqual(vars.awslogs_credentials, { source: 'keys', profile: 'awslogs-agent' });
    assert.equal(vars.ssh_known_hosts_file, KNOWN_HOSTS);
    const logs = vars.awslogs_logs as { file: string; log_stream_name: string }[];
    assert.deepEqual(
      logs.map((l) => l.file),
      ['/var/log/messages', '/var/log/app/app.log'],
    );
    for (const group of ['amzn1', 'amzn2']) {
      const hosts = Object.values(inv.all.children[group]?.hosts ?? {});
      assert.equal(hosts.length, 1, group);
      assert.deepEqual(
        { ...hosts[0], ansible_host: undefined, instance_id: undefined },
        {
          ansible_host: undefined,
          ansible_port: 22,
          ansible_user: 'ec2-user',
          ansible_become: true,
          ansible_ssh_private_key_file: KEY,
          // As EC2 discovery says it: the instance and whether it requires IMDSv2 (Amazon Linux 2 hosts do).
          instance_id: undefined,
          ec2_imdsv2_required: group === 'amzn2',
        },
      );
      assert.match(String(hosts[0]?.instance_id), /^i-[0-9a-f]{17}$/);
    }
  });

  test('both users log in with plain OpenSSH and strict host keys; ec2-user has sudo -n', async () => {
    for (const address of [amzn2, amzn1]) {
      const r = await ssh('ec2-user', address, 'id -un; sudo -n id -un');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ec2-user\nroot\n');
      const root = await ssh(
        'root',
        address,
        'id -un; cat /var/lib/cloud/data/instance-id /var/lib/awslogs-lab/endpoint_url',
      );
      assert.equal(root.code, 0, root.stderr);
      assert.match(
        root.stdout,
        new RegExp(`^root\ni-[0-9a-f]{17}\nhttp://${bridgeAddress().replaceAll('.', '\\.')}:5000\n$`),
      );
    }
  });

  test('os-release and system-release are Amazon Linux 2 / 2018.03', async () => {
    const two = await ssh('root', amzn2, '. /etc/os-release; echo "$ID $VERSION_ID"; cat /etc/system-release');
    assert.equal(two.stdout, 'amzn 2\nAmazon Linux release 2 (Karoo)\n');
    const one = await ssh('root', amzn1, '. /etc/os-release; echo "$ID $VERSION_ID"; cat /etc/system-release');
    assert.equal(one.stdout, 'amzn 2018.03\nAmazon Linux AMI release 2018.03\n');
  });

  test('yum and rpm: unknown packages fail cleanly, awslogs installs with the stock files', async () => {
    const unknown = await ssh('ec2-user', amzn2, 'sudo -n yum install -y no-such-package');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No package no-such-package available/);
    const notRoot = await ssh('ec2-user', amzn1, 'yum install -y awslogs');
    assert.equal(notRoot.code, 1);
    assert.match(notRoot.stderr, /You need to be root/);
    const before = await ssh('root', amzn2, 'rpm -q awslogs');
    assert.equal(before.code, 1);
    assert.equal(before.stdout, 'package awslogs is not installed\n');
    for (const [address, nevra] of [
      [amzn2, 'awslogs-1.1.4-3.amzn2.noarch'],
      [amzn1, 'awslogs-1.1.4-1.12.amzn1.noarch'],
    ] as const) {
      const r = await ssh(
        'ec2-user',
        address,
        'sudo -n yum install -y awslogs >/dev/null && rpm -q awslogs && sudo -n cat /etc/awslogs/awscli.conf && grep -c "^state_file = /var/lib/awslogs/agent-state$" /etc/awslogs/awslogs.conf && test -d /var/lib/awslogs',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${nevra}\n[plugins]\ncwlogs = cwlogs\n[default]\nregion = us-east-1\n1\n`);
    }
  });

  test('amzn2: systemctl enable --now awslogsd runs it; a bad awslogs.conf makes it fail with the reason logged', async () => {
    const on = await ssh(
      'root',
      amzn2,
      'systemctl enable --now awslogsd 2>/dev/null; systemctl is-enabled awslogsd; sleep 0.5; systemctl is-active awslogsd',
    );
    assert.equal(on.stdout, 'enabled\nactive\n', on.stderr);
    const bad = await ssh(
      'root',
      amzn2,
      'echo "not an option line" >> /etc/awslogs/awslogs.conf; systemctl restart awslogsd',
    );
    assert.equal(bad.code, 0, bad.stderr);
    const failed = await until(
      async () => (await ssh('root', amzn2, 'systemctl is-failed awslogsd')).stdout.trim() === 'failed',
      10_000,
    );
    assert.ok(failed, 'awslogsd did not end failed');
    const log = await ssh('root', amzn2, 'tail -n 5 /var/log/awslogs.log');
    assert.match(log.stdout, / - ERROR - [\s\S]*(ParsingError|parsing errors|not an option line)/);
  });

  test('amzn1: chkconfig and service drive the awslogs SysV script; a bad config fails the start', async () => {
    const r = await ssh(
      'root',
      amzn1,
      'chkconfig awslogs on && chkconfig --list awslogs && service awslogs start && service awslogs status',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^awslogs\s+0:off\s+1:off\s+2:on\s+3:on\s+4:on\s+5:on\s+6:off\n/);
    assert.match(r.stdout, /awslogs \(pid \d+\) is running/);
    const noSystemd = await ssh('root', amzn1, 'command -v systemctl');
    assert.equal(noSystemd.code, 1, 'amzn1 has no systemctl');
    const bad = await ssh('root', amzn1, 'echo "[broken" >> /etc/awslogs/awslogs.conf; service awslogs restart');
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAILED/);
    const status = await ssh('root', amzn1, 'service awslogs status; echo "rc=$?"; tail -n 5 /var/log/awslogs.log');
    assert.match(status.stdout, /rc=[13]\n/);
    assert.match(status.stdout, / - ERROR - [\s\S]*(ParsingError|parsing errors|contains no section headers)/);
  });

  test('status lists both hosts with sshd up and the amzn2 systemd state; --json too', async () => {
    const r = await cli('lab', 'status', '--json');
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as {
      up: boolean;
      hosts: { os: string; sshd: boolean; systemd: string | null; pid: number }[];
    };
    assert.equal(s.up, true);
    assert.deepEqual(s.hosts.map((h) => h.os).sort(), ['amzn1', 'amzn2']);
    for (const h of s.hosts) {
      assert.equal(h.sshd, true);
      assert.equal(h.systemd === null, h.os === 'amzn1');
      if (h.os === 'amzn2') assert.match(h.systemd ?? '', /^(running|degraded)$/);
    }
    pids = s.hosts.map((h) => h.pid);
    const table = await cli('lab', 'status');
    assert.match(
      table.stdout,
      new RegExp(
        `lab01\\s+amzn2\\s+${hostAddress(1).replaceAll('.', '\\.')}\\s+i-[0-9a-f]{17}\\s+up\\s+(running|degraded)`,
      ),
    );
  });

  test('up again keeps the running hosts (idempotent)', async () => {
    const ids = async (): Promise<string> =>
      (await fs.readFile(PATHS.stateFile, 'utf8')).match(/i-[0-9a-f]{17}/g)?.join() ?? '';
    const before = await ids();
    const r = await cli('lab', 'up', '--hosts', '2', '--os', 'mixed');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /started 0, kept 2, removed 0/);
    assert.equal(await ids(), before);
  });

  test('down leaves no namespaces, links, cgroups, mounts, folders or processes; up after down works', async () => {
    assert.ok(pids.length === 2);
    const r = await cli('lab', 'down');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await machineTraces(), []);
    for (const pid of pids) assert.equal(await alive(pid), false, `host PID ${pid} still runs`);
    const again = await cli('lab', 'up', '--hosts', '1', '--os', 'amzn1');
    assert.equal(again.code, 0, again.stderr);
    const who = await ssh('ec2-user', hostAddress(1), 'sudo -n cat /etc/system-release');
    assert.equal(who.stdout, 'Amazon Linux AMI release 2018.03\n');
    assert.equal((await cli('lab', 'down')).code, 0);
    assert.deepEqual(await machineTraces(), []);
  });
});
