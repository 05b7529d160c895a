import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSsh, type SshOptions, type SshTarget, type SshTransport } from '../../../src/transports/ssh.js';
import {
  BecomeFailed,
  CommandTimeout,
  HostKeyRejected,
  HostUnreachable,
  RemoteCommandFailed,
} from '../../../src/transports/errors.js';
import { ensureSudoUser, freePort, sshdUnavailable, startSshd, type TestSshd } from '../../support/sshd.js';

const skip = sshdUnavailable();

describe('ssh transport against a real sshd', { skip }, () => {
  let sshd: TestSshd;
  let work: string;
  let knownHosts: string;
  let root: SshTransport;
  const base = (): SshTarget => ({
    name: 'test-host',
    host: sshd.host,
    port: sshd.port,
    user: 'root',
    privateKeyFile: sshd.clientKey,
    become: true,
  });
  const opts = (o: Partial<SshOptions> = {}): SshOptions => ({
    knownHostsFile: knownHosts,
    acceptNewHostKeys: false,
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10_000,
    ...o,
  });

  before(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'awslogs-provision-ssh-test-'));
    knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine('ed25519') + '\n');
    root = await connectSsh(base(), opts());
  });
  after(async () => {
    await root?.close();
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('run returns stdout, stderr and the exit code; one connection serves many commands', async () => {
    const before = root.roundTrips;
    const r = await root.run('echo out; echo err >&2; exit 3');
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', code: 3 });
    const again = await root.run('id -un');
    assert.equal(again.stdout, 'root\n');
    assert.equal(root.roundTrips, before + 2);
  });

  test('run feeds stdin, byte for byte', async () => {
    const input = "line 1\n'quoted' $(not run) `nor this`\nünïcødé\n";
    const r = await root.run('cat', { stdin: input });
    assert.equal(r.stdout, input);
  });

  test('commands may run in parallel on the one connection', async () => {
    const rs = await Promise.all([1, 2, 3, 4].map((n) => root.run(`sleep 0.2; echo ${n}`)));
    assert.deepEqual(
      rs.map((r) => r.stdout),
      ['1\n', '2\n', '3\n', '4\n'],
    );
  });

  test('more parallel commands than sshd allows sessions per connection wait their turn', async () => {
    const rs = await Promise.all(Array.from({ length: 24 }, (_, n) => root.run(`sleep 0.1; echo ${n}`)));
    assert.deepEqual(
      rs.map((r) => r.stdout),
      Array.from({ length: 24 }, (_, n) => `${n}\n`),
    );
  });

  test('the SSH agent is used when no key file is given', async () => {
    const sock = join(work, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', [sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env.SSH_AUTH_SOCK = sock;
      const { privateKeyFile: _unused, ...noKey } = base();
      const t = await connectSsh(noKey, opts());
      assert.equal((await t.run('echo agent')).stdout, 'agent\n');
      await t.close();
      delete process.env.SSH_AUTH_SOCK;
      await assert.rejects(
        connectSsh(noKey, opts()),
        (e: unknown) => e instanceof HostUnreachable && e.reason === 'auth',
      );
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      if (agent.pid !== undefined) process.kill(agent.pid, 'SIGTERM');
    }
  });

  test('put then get round-trips text and binary content, hostile path included', async () => {
    const text = join(work, "we'ird $(dir) name.conf");
    await root.put(text, '[general]\nstate_file = /var/lib/awslogs/agent-state\n');
    assert.equal(readFileSync(text, 'utf8'), '[general]\nstate_file = /var/lib/awslogs/agent-state\n');
    assert.equal((await root.get(text)).toString('utf8'), readFileSync(text, 'utf8'));

    const bin = join(work, '-binary');
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    await root.put(bin, bytes, { become: true });
    assert.ok(readFileSync(bin).equals(bytes));
    assert.ok((await root.get(bin)).equals(bytes));
  });

  test('get of a missing file fails with the remote error', async () => {
    await assert.rejects(root.get(join(work, 'nope')), (e: unknown) => {
      assert.ok(e instanceof RemoteCommandFailed);
      assert.match(e.stderr, /No such file/);
      return true;
    });
  });

  test('become as root runs the command plainly', async () => {
    const r = await root.run('id -u; echo "$SUDO_USER"', { become: true });
    assert.equal(r.stdout, '0\n\n');
  });

  test('a command over its timeout is abandoned with CommandTimeout', async () => {
    const started = Date.now();
    await assert.rejects(root.run('sleep 4', { timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof CommandTimeout);
      assert.equal(e.timeoutMs, 300);
      return true;
    });
    assert.ok(Date.now() - started < 3000);
    // The connection is still usable afterwards.
    assert.equal((await root.run('echo still here')).stdout, 'still here\n');
  });

  describe('become through sudo for a non-root user', () => {
    const nopw = 'apssh-nopw';
    const pw = 'apssh-pw';
    const cleanups: (() => void)[] = [];
    before(() => {
      cleanups.push(ensureSudoUser(nopw, true), ensureSudoUser(pw, false));
    });
    after(() => cleanups.forEach((c) => c()));

    test('passwordless sudo: run, put and get as root', async () => {
      const t = await connectSsh({ ...base(), user: nopw }, opts());
      try {
        assert.equal((await t.run('id -un', { become: false })).stdout, `${nopw}\n`);
        assert.equal((await t.run('id -un')).stdout, 'root\n', "the target's become is the default");
        const r = await t.run('id -un; printf \'%s\' "$SUDO_USER"', { become: true });
        assert.equal(r.stdout, `root\n${nopw}`);
        const file = join(work, 'root-only.conf');
        await t.put(file, 'secret\n', { become: true });
        execFileSync('chmod', ['600', file]);
        assert.equal(statSync(file).uid, 0);
        assert.equal((await t.get(file, { become: true })).toString(), 'secret\n');
        await assert.rejects(t.get(file, { become: false }), RemoteCommandFailed); // permission denied
        const piped = await t.run('cat > /dev/null; wc -c < /etc/hostname >/dev/null; echo ok', {
          become: true,
          stdin: 'x',
        });
        assert.equal(piped.stdout, 'ok\n');
      } finally {
        await t.close();
      }
    });

    test('a sudo that asks for a password fails fast and says so', async () => {
      const t = await connectSsh({ ...base(), user: pw, name: 'web1' }, opts());
      try {
        const started = Date.now();
        await assert.rejects(t.run('true', { become: true }), (e: unknown) => {
          assert.ok(e instanceof BecomeFailed);
          assert.equal(e.reason, 'password-required');
          assert.match(e.message, /sudo requires a password on web1/);
          return true;
        });
        await assert.rejects(t.put(join(work, 'x'), 'x', { become: true }), BecomeFailed);
        assert.ok(Date.now() - started < 5000);
      } finally {
        await t.close();
      }
    });
  });

  describe('host keys', () => {
    test('an unknown host is refused, with its fingerprint', async () => {
      const file = join(work, 'empty_known_hosts');
      await assert.rejects(connectSsh(base(), opts({ knownHostsFile: file })), (e: unknown) => {
        assert.ok(e instanceof HostKeyRejected);
        assert.equal(e.problem, 'unknown');
        assert.match(e.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
        const expected = execFileSync('ssh-keygen', ['-l', '-f', join(sshd.dir, 'host_ed25519.pub')]).toString();
        assert.ok(expected.includes(e.fingerprint), `${expected} should contain ${e.fingerprint}`);
        return true;
      });
    });

    test('an unknown host is accepted with acceptNewHostKeys, and its key recorded', async () => {
      const file = join(work, 'sub', 'new_known_hosts');
      const t = await connectSsh(base(), opts({ knownHostsFile: file, acceptNewHostKeys: true }));
      await t.close();
      const text = readFileSync(file, 'utf8');
      assert.equal(text, sshd.knownHostsLine('ed25519') + '\n');
      // Recorded: the next connection needs no flag.
      await (await connectSsh(base(), opts({ knownHostsFile: file }))).close();
      // Existing lines are kept.
      writeFileSync(
        file,
        '# mine\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      );
      await (await connectSsh(base(), opts({ knownHostsFile: file, acceptNewHostKeys: true }))).close();
      assert.match(readFileSync(file, 'utf8'), /^# mine\nother\.example .*\n\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
    });

    test('a changed key is refused, even with acceptNewHostKeys', async () => {
      const file = join(work, 'changed_known_hosts');
      const other = join(work, 'other_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      const [kt, b64] = readFileSync(`${other}.pub`, 'utf8').split(' ');
      const original = `[127.0.0.1]:${sshd.port} ${kt} ${b64}\n`;
      writeFileSync(file, original);
      await assert.rejects(
        connectSsh(base(), opts({ knownHostsFile: file, acceptNewHostKeys: true })),
        (e: unknown) => e instanceof HostKeyRejected && e.problem === 'changed' && /CHANGED/.test(e.message),
      );
      assert.equal(readFileSync(file, 'utf8'), original, 'known_hosts must not be touched');
    });

    test('a hashed entry is honoured', async () => {
      const file = join(work, 'hashed_known_hosts');
      writeFileSync(file, sshd.knownHostsLine('ed25519') + '\n');
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      assert.match(readFileSync(file, 'utf8'), /^\|1\|/);
      await (await connectSsh(base(), opts({ knownHostsFile: file }))).close();
    });

    test('a recorded ecdsa key is preferred in negotiation over the default ed25519', async () => {
      const file = join(work, 'ecdsa_known_hosts');
      writeFileSync(file, `127.0.0.2,${sshd.knownHostsLine('ecdsa')}\n`);
      await (await connectSsh(base(), opts({ knownHostsFile: file }))).close();
    });

    test('a recorded rsa key is verified (signed with rsa-sha2-*, recorded as ssh-rsa)', async () => {
      const file = join(work, 'rsa_known_hosts');
      writeFileSync(file, sshd.knownHostsLine('rsa') + '\n');
      await (await connectSsh(base(), opts({ knownHostsFile: file }))).close();
    });
  });

  describe('unreachable hosts', () => {
    test('connection refused', async () => {
      const port = await freePort();
      await assert.rejects(
        connectSsh({ ...base(), port }, opts()),
        (e: unknown) => e instanceof HostUnreachable && e.reason === 'refused' && e.host === '127.0.0.1',
      );
    });

    test('a TCP listener that never speaks SSH times out within connectTimeoutMs', async () => {
      const sockets: Socket[] = [];
      const server: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      try {
        const started = Date.now();
        await assert.rejects(connectSsh({ ...base(), port }, opts({ connectTimeoutMs: 700 })), (e: unknown) => {
          assert.ok(e instanceof HostUnreachable);
          assert.equal(e.reason, 'timeout');
          return true;
        });
        const took = Date.now() - started;
        assert.ok(took >= 600 && took < 3000, `took ${took} ms`);
      } finally {
        sockets.forEach((s) => s.destroy());
        await new Promise((r) => server.close(r));
      }
    });

    test('a passphrase-protected key without its passphrase fails as auth', async () => {
      const key = join(work, 'locked');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', key]);
      await assert.rejects(
        connectSsh({ ...base(), privateKeyFile: key }, opts()),
        (e: unknown) => e instanceof HostUnreachable && e.reason === 'auth',
      );
    });

    test('an unauthorised key fails as auth', async () => {
      const key = join(work, 'stranger');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      await assert.rejects(
        connectSsh({ ...base(), privateKeyFile: key }, opts()),
        (e: unknown) => e instanceof HostUnreachable && e.reason === 'auth',
      );
    });
  });
});
