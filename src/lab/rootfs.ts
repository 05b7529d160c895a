// What one host's upper directory holds before it boots: the files that make a Debian overlay look and
// behave like Amazon Linux 1 or 2 for what the tool uses. Everything written here lands in the host's upper
// dir only; the machine's own files are read, never changed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { must } from './exec.js';
import { LAB_SOURCE, REPO_ROOT, bridgeAddress, endpointUrl, type Flavour } from './layout.js';

export interface HostSpec {
  name: string;
  os: Flavour;
  address: string;
  instanceId: string;
  /** The host's folder: upper/, work/, root/ (mount point), boot.log. */
  dir: string;
}

export interface Accounts {
  /** uid = gid of ec2-user: the first id from 1000 that the machine does not use. */
  ec2UserId: number;
  authorizedKey: string;
}

const OS_RELEASE: Record<Flavour, { osRelease: string; systemRelease: string; cpe: string }> = {
  amzn1: {
    osRelease: [
      'NAME="Amazon Linux AMI"',
      'VERSION="2018.03"',
      'ID="amzn"',
      'ID_LIKE="rhel fedora"',
      'VERSION_ID="2018.03"',
      'PRETTY_NAME="Amazon Linux AMI 2018.03"',
      'ANSI_COLOR="0;33"',
      'CPE_NAME="cpe:/o:amazon:linux:2018.03:ga"',
      'HOME_URL="http://aws.amazon.com/amazon-linux-ami/"',
      '',
    ].join('\n'),
    systemRelease: 'Amazon Linux AMI release 2018.03\n',
    cpe: 'cpe:/o:amazon:linux:2018.03:ga\n',
  },
  amzn2: {
    osRelease: [
      'NAME="Amazon Linux"',
      'VERSION="2"',
      'ID="amzn"',
      'ID_LIKE="centos rhel fedora"',
      'VERSION_ID="2"',
      'PRETTY_NAME="Amazon Linux 2"',
      'ANSI_COLOR="0;33"',
      'CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2"',
      'HOME_URL="https://amazonlinux.com/"',
      'SUPPORT_END="2026-06-30"',
      '',
    ].join('\n'),
    systemRelease: 'Amazon Linux release 2 (Karoo)\n',
    cpe: 'cpe:2.3:o:amazon:amazon_linux:2\n',
  },
  amzn2023: {
    osRelease: [
      'NAME="Amazon Linux"',
      'VERSION="2023"',
      'ID="amzn"',
      'ID_LIKE="fedora"',
      'VERSION_ID="2023"',
      'PLATFORM_ID="platform:al2023"',
      'PRETTY_NAME="Amazon Linux 2023.6.20250115"',
      'ANSI_COLOR="0;33"',
      'CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2023"',
      'HOME_URL="https://aws.amazon.com/linux/amazon-linux-2023/"',
      'SUPPORT_END="2029-06-30"',
      '',
    ].join('\n'),
    systemRelease: 'Amazon Linux release 2023.6.20250115 (Amazon Linux)\n',
    cpe: 'cpe:2.3:o:amazon:amazon_linux:2023\n',
  },
};

/**
 * Units the machine enables (or Debian enables statically) that a lab host must not run: timers and
 * services of the machine, consoles, and logind/dbus (each ssh login would start a user manager).
 */
export const MASKED_UNITS = [
  'postgresql.service',
  'e2scrub_reap.service',
  'e2scrub_all.timer',
  'getty@tty1.service',
  'getty.target',
  'console-getty.service',
  'systemd-pstore.service',
  'systemd-timesyncd.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'fstrim.timer',
  'man-db.timer',
  'systemd-logind.service',
  'dbus.service',
  'dbus.socket',
  'systemd-ask-password-wall.path',
  'systemd-ask-password-console.path',
];

/** Files of the machine a host must not see (they become overlay whiteouts). */
function whiteouts(os: Flavour): string[] {
  const list = [
    'etc/debian_version',
    'etc/ssh/ssh_host_rsa_key',
    'etc/ssh/ssh_host_rsa_key.pub',
    'etc/ssh/ssh_host_ecdsa_key',
    'etc/ssh/ssh_host_ecdsa_key.pub',
  ];
  // Amazon Linux 1 has no systemd and no Debian SysV helpers: tools there (Ansible's service module too)
  // must find chkconfig, not update-rc.d or systemctl.
  if (os === 'amzn1') {
    list.push(
      'usr/bin/systemctl',
      'usr/sbin/update-rc.d',
      'usr/sbin/invoke-rc.d',
      'usr/bin/deb-systemd-helper',
      'usr/bin/deb-systemd-invoke',
    );
  }
  return list;
}

const SSHD_CONFIG = [
  '# The lab host sshd: key login only, as root and ec2-user.',
  'Port 22',
  'HostKey /etc/ssh/ssh_host_ed25519_key',
  'PermitRootLogin prohibit-password',
  'PubkeyAuthentication yes',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'UsePAM yes',
  'PrintMotd no',
  'PrintLastLog no',
  'UseDNS no',
  'MaxStartups 200:30:400',
  'MaxSessions 100',
  'AcceptEnv LANG LC_*',
  'Subsystem sftp /usr/lib/openssh/sftp-server',
  '',
].join('\n');

/** A random 17-hex-digit EC2 instance id: `i-0` + 16 more. */
export function newInstanceId(random: () => number = Math.random): string {
  let hex = '0';
  for (let i = 0; i < 16; i++) hex += Math.floor(random() * 16).toString(16);
  return `i-${hex}`;
}

/** First id from 1000 that neither passwd nor group of the machine uses. */
export async function freeUserId(): Promise<number> {
  const used = new Set<number>();
  for (const file of ['/etc/passwd', '/etc/group']) {
    for (const line of (await fs.readFile(file, 'utf8')).split('\n')) {
      const id = Number(line.split(':')[2]);
      if (Number.isInteger(id)) used.add(id);
    }
  }
  let id = 1000;
  while (used.has(id)) id++;
  return id;
}

class Upper {
  constructor(readonly root: string) {}

  /** Creates the folders of `rel` in the upper dir with the machine's mode and owner, so merged folders keep them. */
  async mkdirs(rel: string): Promise<void> {
    let sofar = '';
    for (const part of rel.split('/').filter(Boolean)) {
      sofar = sofar ? `${sofar}/${part}` : part;
      const target = path.join(this.root, sofar);
      try {
        await fs.lstat(target);
        continue;
      } catch {
        // create below
      }
      let mode = 0o755;
      let uid = 0;
      let gid = 0;
      try {
        const st = await fs.lstat(`/${sofar}`);
        if (st.isSymbolicLink()) throw new Error(`lab: /${sofar} is a symlink on this machine; write its target`);
        mode = st.mode & 0o7777;
        uid = st.uid;
        gid = st.gid;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await fs.mkdir(target, { mode });
      await fs.chmod(target, mode);
      await fs.chown(target, uid, gid);
    }
  }

  async file(rel: string, content: string | Buffer, mode = 0o644, uid = 0, gid = 0): Promise<void> {
    await this.mkdirs(path.dirname(rel));
    const target = path.join(this.root, rel);
    await fs.writeFile(target, content, { mode });
    await fs.chmod(target, mode);
    await fs.chown(target, uid, gid);
  }

  async symlink(rel: string, to: string): Promise<void> {
    await this.mkdirs(path.dirname(rel));
    await fs.symlink(to, path.join(this.root, rel));
  }

  /** A folder the host owns outright (the machine's content does not show through). */
  async ownDir(rel: string, mode: number, uid = 0, gid = 0): Promise<void> {
    await this.mkdirs(path.dirname(rel));
    const target = path.join(this.root, rel);
    await fs.mkdir(target, { recursive: true, mode });
    await fs.chmod(target, mode);
    await fs.chown(target, uid, gid);
    await must('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', target]);
  }
}

async function machineFile(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8');
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Writes the host's upper dir; returns the host's public key line (`ssh-ed25519 AAAA…`). */
export async function prepareUpper(host: HostSpec, accounts: Accounts): Promise<string> {
  const upper = new Upper(path.join(host.dir, 'upper'));
  await fs.mkdir(upper.root, { recursive: true, mode: 0o755 });
  await fs.mkdir(path.join(host.dir, 'work'), { recursive: true, mode: 0o700 });
  await fs.mkdir(path.join(host.dir, 'root'), { recursive: true, mode: 0o755 });
  const id = accounts.ec2UserId;
  const rel = OS_RELEASE[host.os];

  // Identity
  await upper.file('etc/hostname', `${host.name}\n`);
  await upper.file(
    'etc/hosts',
    `127.0.0.1 localhost localhost.localdomain\n${host.address} ${host.name}\n${bridgeAddress()} lab-gateway\n`,
  );
  await upper.file('etc/machine-id', `${host.instanceId.slice(2).padEnd(32, '0')}\n`, 0o444);
  await upper.file('etc/os-release', rel.osRelease);
  await upper.file('etc/system-release', rel.systemRelease);
  await upper.file('etc/system-release-cpe', rel.cpe);
  await upper.file('var/lib/cloud/data/instance-id', `${host.instanceId}\n`);
  await upper.file('var/lib/awslogs-lab/endpoint_url', `${endpointUrl()}\n`);
  await upper.file(
    'var/lib/awslogs-lab/lab.env',
    // LAB_AGENT_PYTHON: the Python the awslogs package installs its agent for (Amazon Linux's runs 2.7; a test
    // may set 3.7 before the install). LAB_AGENT_RESTART_DELAY_S, when a test sets it, shortens the agent's 60 s.
    `LAB_REPO=${REPO_ROOT}\nLAB_OS=${host.os}\nLAB_HOST=${host.name}\nLAB_INSTANCE_ID=${host.instanceId}\nLAB_AGENT_PYTHON=2.7\n`,
  );

  // Accounts: ec2-user with password-less sudo; `*` (no password), not `!` (locked), in shadow.
  const accountLines: Record<string, string> = {
    passwd: `ec2-user:x:${id}:${id}:EC2 Default User:/home/ec2-user:/bin/bash\n`,
    group: `ec2-user:x:${id}:\n`,
    shadow: 'ec2-user:*:19000:0:99999:7:::\n',
    gshadow: 'ec2-user:!::\n',
  };
  for (const [file, line] of Object.entries(accountLines)) {
    const st = await fs.stat(`/etc/${file}`);
    await upper.file(`etc/${file}`, (await machineFile(`/etc/${file}`)) + line, st.mode & 0o7777, st.uid, st.gid);
  }
  await upper.file('etc/sudoers.d/90-cloud-init-users', 'ec2-user ALL=(ALL) NOPASSWD:ALL\n', 0o440);
  await upper.ownDir('root', 0o700);
  await upper.ownDir('home', 0o755);
  await upper.file('root/.ssh/authorized_keys', accounts.authorizedKey, 0o600);
  await fs.chmod(path.join(upper.root, 'root/.ssh'), 0o700);
  await fs.mkdir(path.join(upper.root, 'home/ec2-user/.ssh'), { recursive: true, mode: 0o700 });
  for (const f of ['.bashrc', '.profile', '.bash_logout']) {
    const skel = await fs.readFile(`/etc/skel/${f}`).catch(() => undefined);
    if (skel) await upper.file(`home/ec2-user/${f}`, skel, 0o644, id, id);
  }
  await upper.file('home/ec2-user/.ssh/authorized_keys', accounts.authorizedKey, 0o600, id, id);
  await fs.chmod(path.join(upper.root, 'home/ec2-user'), 0o700);
  await fs.chown(path.join(upper.root, 'home/ec2-user'), id, id);
  await fs.chmod(path.join(upper.root, 'home/ec2-user/.ssh'), 0o700);
  await fs.chown(path.join(upper.root, 'home/ec2-user/.ssh'), id, id);

  // sshd with the host's own key
  await upper.file('etc/ssh/sshd_config', SSHD_CONFIG);
  await upper.mkdirs('etc/ssh');
  const keyFile = path.join(upper.root, 'etc/ssh/ssh_host_ed25519_key');
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${host.name}`, '-f', keyFile]);
  const hostKey = (await fs.readFile(`${keyFile}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');

  // Logs an agent can ship from the first minute
  const now = new Date();
  // syslog's `Nov 25 10:00:00`: month, day, a space, then the time (the agent's `%b %d %H:%M:%S`).
  const syslogStamp = `${now.toString().slice(4, 10)} ${now.toTimeString().slice(0, 8)}`;
  // Amazon Linux 2023 has no rsyslog by default (journald only): no /var/log/messages there.
  if (host.os !== 'amzn2023') {
    await upper.file('var/log/messages', `${syslogStamp} ${host.name} lab: host booted (${host.os})\n`, 0o600);
  }
  const appStamp = now.toISOString().replace('T', ' ').slice(0, 19);
  await upper.file('var/log/app/app.log', `${appStamp} INFO app started on ${host.name}\n`);

  // Package stand-ins
  const standins = path.join(LAB_SOURCE, 'standins');
  if (host.os === 'amzn2023') {
    // dnf, with yum as its alias, as on Amazon Linux 2023; the stand-in words its output as dnf does there.
    await upper.file('usr/bin/dnf', await fs.readFile(path.join(standins, 'yum')), 0o755);
    await upper.symlink('usr/bin/yum', 'dnf');
  } else {
    await upper.file('usr/bin/yum', await fs.readFile(path.join(standins, 'yum')), 0o755);
  }
  await upper.file('usr/bin/rpm', await fs.readFile(path.join(standins, 'rpm')), 0o755);

  if (host.os !== 'amzn1') {
    for (const unit of MASKED_UNITS) await upper.symlink(`etc/systemd/system/${unit}`, '/dev/null');
    // A persistent journal as on Amazon Linux 2, in small files (journald preallocates 8 MB otherwise).
    await upper.file('etc/systemd/journald.conf.d/lab.conf', '[Journal]\nSystemMaxUse=16M\nSystemMaxFileSize=1M\n');
  } else {
    await upper.file('usr/sbin/service', await fs.readFile(path.join(standins, 'service')), 0o755);
    await upper.file('usr/sbin/chkconfig', await fs.readFile(path.join(standins, 'chkconfig')), 0o755);
    await upper.file('usr/sbin/lab-init', await fs.readFile(path.join(LAB_SOURCE, 'init-amzn1.sh')), 0o755);
    // SysV layout of Amazon Linux 1: /etc/rc.d/init.d and rcN.d, with /etc/init.d and /etc/rcN.d as links.
    await upper.file('etc/rc.d/init.d/sshd', await fs.readFile(path.join(standins, 'sshd.init')), 0o755);
    await upper.symlink('etc/init.d', 'rc.d/init.d');
    for (let level = 0; level <= 6; level++) {
      await upper.mkdirs(`etc/rc.d/rc${level}.d`);
      await upper.symlink(`etc/rc${level}.d`, `rc.d/rc${level}.d`);
      const link = level >= 2 && level <= 5 ? 'S55sshd' : 'K25sshd';
      await upper.symlink(`etc/rc.d/rc${level}.d/${link}`, '../init.d/sshd');
    }
  }

  await installSsmAgent(upper, host.os);

  const outs = whiteouts(host.os).map((p) => path.join(upper.root, p));
  for (const p of outs) await upper.mkdirs(path.dirname(path.relative(upper.root, p)));
  await must('sh', ['-c', 'for p; do [ -e "$p" ] || mknod "$p" c 0 0; done', 'sh', ...outs]);
  return hostKey;
}

/**
 * The SSM agent, preinstalled and started at boot as on Amazon Linux AMIs: the lab's stand-in
 * (src/lab/ssm-agent/), as the amazon-ssm-agent systemd unit (amzn2, amzn2023) or SysV service (amzn1; AWS uses upstart
 * there, which the lab has not). Stopping the service makes the host unreachable over SSM.
 */
async function installSsmAgent(upper: Upper, os: Flavour): Promise<void> {
  const dir = path.join(LAB_SOURCE, 'ssm-agent');
  const wrapper = (await fs.readFile(path.join(dir, 'amazon-ssm-agent'), 'utf8')).replaceAll('@LAB_REPO@', REPO_ROOT);
  await upper.file('usr/bin/amazon-ssm-agent', wrapper, 0o755);
  if (os !== 'amzn1') {
    await upper.file(
      'usr/lib/systemd/system/amazon-ssm-agent.service',
      await fs.readFile(path.join(dir, 'amazon-ssm-agent.service')),
    );
    await upper.symlink(
      'etc/systemd/system/multi-user.target.wants/amazon-ssm-agent.service',
      '/usr/lib/systemd/system/amazon-ssm-agent.service',
    );
    return;
  }
  await upper.file(
    'etc/rc.d/init.d/amazon-ssm-agent',
    await fs.readFile(path.join(dir, 'amazon-ssm-agent.init')),
    0o755,
  );
  for (let level = 0; level <= 6; level++) {
    const link = level >= 2 && level <= 5 ? 'S99amazon-ssm-agent' : 'K01amazon-ssm-agent';
    await upper.symlink(`etc/rc.d/rc${level}.d/${link}`, '../init.d/amazon-ssm-agent');
  }
}
