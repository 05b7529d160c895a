// A real OpenSSH sshd for tests: 127.0.0.1:<free port>, a temporary host key and a throwaway client key.
// Needs root (sshd's privilege separation) and /usr/sbin/sshd (scripts/install-lab-deps.sh installs it).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** Why sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'sshd tests need Linux';
  if (process.getuid?.() !== 0) return 'sshd tests need root';
  if (!existsSync(SSHD)) return `${SSHD} is missing: run scripts/install-lab-deps.sh`;
  return undefined;
}

export interface TestSshd {
  host: string;
  port: number;
  dir: string;
  /** The throwaway client private key, authorised for every user. */
  clientKey: string;
  /** `ssh-ed25519 AAAA…` lines of the host keys, by type. */
  hostPublicKeys: { ed25519: string; ecdsa: string; rsa: string };
  /** A known_hosts line for this server with the given key type. */
  knownHostsLine(type: 'ed25519' | 'ecdsa' | 'rsa'): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function keygen(file: string, type: string): string {
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', 'test', '-f', file], { stdio: 'ignore' });
  const [kt, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
  return `${kt} ${b64}`;
}

async function waitForBanner(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      s.once('error', () => resolve(false));
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 500);
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sshd did not come up');
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-sshd-'));
  chmodSync(dir, 0o755); // sshd reads authorized_keys as the logging-in user; the keys themselves stay 0600
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const ed25519 = keygen(join(dir, 'host_ed25519'), 'ed25519');
  const ecdsa = keygen(join(dir, 'host_ecdsa'), 'ecdsa');
  const rsa = keygen(join(dir, 'host_rsa'), 'rsa');
  const clientPub = keygen(join(dir, 'client'), 'ed25519');
  writeFileSync(join(dir, 'authorized_keys'), clientPub + '\n', { mode: 0o644 });
  const port = await freePort();
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `HostKey ${join(dir, 'host_ecdsa')}`,
    `HostKey ${join(dir, 'host_rsa')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config + '\n');
  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await waitForBanner(port, child, 10_000);
  } catch (err) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    throw new Error(`${(err as Error).message}: ${log}`);
  }
  const hostPublicKeys = { ed25519, ecdsa, rsa };
  return {
    host: '127.0.0.1',
    port,
    dir,
    clientKey: join(dir, 'client'),
    hostPublicKeys,
    knownHostsLine: (type) => `[127.0.0.1]:${port} ${hostPublicKeys[type]}`,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A local user for sudo tests, created if missing and removed by the returned function. `nopasswd` gives it
 * passwordless sudo; otherwise sudo asks for a password it can never get. The account has no password
 * (`*`, not locked) so that key login works with UsePAM no.
 */
export function ensureSudoUser(name: string, nopasswd: boolean): () => void {
  try {
    execFileSync('id', [name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-m', '-s', '/bin/sh', '-p', '*', name], { stdio: 'ignore' });
  }
  const sudoers = `/etc/sudoers.d/${name}`;
  writeFileSync(sudoers, `${name} ALL=(ALL) ${nopasswd ? 'NOPASSWD: ' : ''}ALL\n`, { mode: 0o440 });
  return () => {
    rmSync(sudoers, { force: true });
    try {
      execFileSync('userdel', ['-f', '-r', name], { stdio: 'ignore' });
    } catch {
      // userdel exits non-zero for a missing mail spool, though the user is gone; -f: an sshd session child
      // may still be closing
    }
  };
}
