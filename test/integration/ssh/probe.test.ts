import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSsh, type SshTransport } from '../../../src/transports/ssh.js';
import { parseFacts, PROBE_COMMAND, probeScript } from '../../../src/facts/probe.js';
import { ensureSudoUser, sshdUnavailable, startSshd, type TestSshd } from '../../support/sshd.js';

describe('the probe over ssh', { skip: sshdUnavailable() }, () => {
  let sshd: TestSshd;
  let work: string;
  let known: string;
  before(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'awslogs-provision-probe-ssh-'));
    known = join(work, 'known_hosts');
    writeFileSync(known, sshd.knownHostsLine('ed25519') + '\n');
  });
  after(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const connect = (user: string): Promise<SshTransport> =>
    connectSsh(
      { name: 'probe-host', host: sshd.host, port: sshd.port, user, privateKeyFile: sshd.clientKey, become: true },
      { knownHostsFile: known, acceptNewHostKeys: false, connectTimeoutMs: 5000, commandTimeoutMs: 10_000 },
    );

  test('one round trip gathers the facts of real files, hostile names included', async () => {
    const conf = join(work, 'awslogs.conf');
    writeFileSync(conf, '[general]\nstate_file = /var/lib/awslogs/agent-state\n');
    chmodSync(conf, 0o600);
    const hostile = join(work, "it's $(touch pwned); `id` \n.conf");
    writeFileSync(hostile, 'x');
    symlinkSync(conf, join(work, 'link.conf'));
    const paths = [conf, hostile, join(work, 'link.conf'), join(work, 'absent.conf')];
    const t = await connect('root');
    try {
      const r = await t.run(PROBE_COMMAND, {
        stdin: probeScript({ paths, packageName: 'awslogs', services: { amzn1: 'awslogs', amzn2: 'awslogsd' } }),
        become: true,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(t.roundTrips, 1);
      const f = parseFacts(r.stdout, paths);
      assert.deepEqual(f.files[conf], {
        exists: true,
        content: '[general]\nstate_file = /var/lib/awslogs/agent-state\n',
        mode: 0o600,
        owner: 'root',
        group: 'root',
        size: 52,
        sha256: createHash('sha256').update('[general]\nstate_file = /var/lib/awslogs/agent-state\n').digest('hex'),
      });
      const h = f.files[hostile];
      assert.ok(h?.exists && h.content === 'x');
      const l = f.files[join(work, 'link.conf')];
      assert.ok(l?.exists && l.isSymlink && l.mode === 0o600);
      assert.deepEqual(f.files[join(work, 'absent.conf')], { exists: false });
      assert.ok(['systemd', 'sysv'].includes(f.init));
      assert.ok(f.hostname);
      assert.ok(Math.abs(f.clockMs - Date.now()) < 60_000);
      assert.equal(f.package.installed, false);
    } finally {
      await t.close();
    }
  });

  test('through sudo, a non-root user sees root-only files', async () => {
    const user = 'apssh-probe';
    const cleanup = ensureSudoUser(user, true);
    const secret = join(work, 'awscli.conf');
    writeFileSync(secret, '[default]\naws_secret_access_key = s3cr3t\n');
    chmodSync(secret, 0o600);
    chownSync(secret, 0, 0);
    chmodSync(work, 0o755);
    const t = await connect(user);
    try {
      const r = await t.run(PROBE_COMMAND, {
        stdin: probeScript({
          paths: [secret],
          packageName: 'awslogs',
          services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
        }),
        become: true,
      });
      const fact = parseFacts(r.stdout, [secret]).files[secret];
      assert.ok(fact?.exists && !fact.unreadable && fact.content.includes('s3cr3t'));
      const plain = await t.run(PROBE_COMMAND, {
        stdin: probeScript({
          paths: [secret],
          packageName: 'awslogs',
          services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
        }),
        become: false,
      });
      const unreadable = parseFacts(plain.stdout, [secret]).files[secret];
      assert.ok(unreadable?.exists && unreadable.unreadable && unreadable.content === '');
    } finally {
      await t.close();
      cleanup();
    }
  });
});
