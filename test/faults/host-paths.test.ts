// Paths someone else controls on a host (issue 10, item 2): a log folder, a log file's link or the state
// file's folder owned by an unprivileged user. Root never reads or writes through them: the verify probe
// line and preflight's reads act with that user's rights; the doctor's state copy too; a write (a repair's
// backup and restore) is refused with the reason. A rotation link root owns keeps working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { labDown, labSkipReason, labUp, mustOnHost, onHost, type LabHost } from '../support/lab.js';
import { LAB_AWS_ENV, logSection, stamp, type Json } from '../integration/doctor/support.js';
import { assertHostClean, fileSha, logsInventory } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# host path tests skipped: ${skip}`);

const MALLORY = 'mallory';
const SECRET_LINE = 'TOPSECRET-root-only-line-7f3a';

/** `provision ARGS --json` in the lab's AWS environment (instance_profile credentials: no secret to pass). */
async function run(args: string[]): Promise<{ code: number; json?: Json; out: string }> {
  const r = await runCli([...args, '--json'], { env: LAB_AWS_ENV, timeoutMs: 240_000 });
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed:\n${r.stderr}`);
  let json: Json | undefined;
  try {
    json = JSON.parse(r.stdout) as Json;
  } catch {
    json = undefined;
  }
  return { code: r.code, json, out: r.stdout + r.stderr };
}

const asMallory = (host: LabHost, command: string) =>
  mustOnHost(host.address, `setpriv --reuid=${MALLORY} --regid=${MALLORY} --clear-groups sh -c '${command}'`);

describe('fault: paths someone else controls on a host', { skip }, () => {
  let host: LabHost;

  before(async () => {
    [host] = (await labUp(1, 'amzn2')) as [LabHost];
    await mustOnHost(
      host.address,
      `id ${MALLORY} >/dev/null 2>&1 || useradd -M -s /bin/sh ${MALLORY}
       mkdir -p /var/log/mal /var/lib/mal /var/log/rot && chown ${MALLORY}:${MALLORY} /var/log/mal /var/lib/mal
       printf '%s\\n' 'root only: nobody else may read or change this' > /root/target.log && chmod 600 /root/target.log
       printf '%s\\n' '${SECRET_LINE} (no timestamp here)' > /root/secret.log && chmod 600 /root/secret.log`,
    );
  });
  after(async () => {
    await labDown();
  });

  test('verify: a link the log folder’s owner planted is written as that owner, never as root; their own file gets the line', async (t) => {
    await asMallory(
      host,
      `ln -sfn /root/target.log /var/log/mal/app.log; printf "%s\\n" "${stamp()} own line" > /var/log/mal/own.log`,
    );
    t.after(() => mustOnHost(host.address, 'rm -f /var/log/mal/app.log /var/log/mal/own.log'));
    const before = await fileSha(host, '/root/target.log');
    const inv = logsInventory([
      logSection('planted', '/var/log/mal/app.log', '/lab/planted'),
      logSection('own', '/var/log/mal/own.log', '/lab/own'),
    ]);
    const r = await run(['verify', '--inventory', inv, '--timeout', '2']);
    assert.ok(r.json, r.out);
    assert.equal(await fileSha(host, '/root/target.log'), before, 'root appended the probe line through the link');
    const checks = r.json.hosts[0]!.checks as { log: string; state: string; probe?: string }[];
    const planted = checks.find((c) => c.log === 'planted')!;
    assert.equal(planted.state, 'not written', JSON.stringify(checks));
    assert.match(planted.probe ?? '', /as mallory \(uid \d+, owner of \/var\/log\/mal\/app\.log\).*Permission denied/);
    // The owner's own file: the line is there, and the file is still the owner's.
    const own = await mustOnHost(host.address, `stat -c %U /var/log/mal/own.log; tail -n 1 /var/log/mal/own.log`);
    assert.match(own, /^mallory\n.*awslogs-provision-verify-/);
    assert.notEqual(checks.find((c) => c.log === 'own')!.state, 'not written');
  });

  test('preflight: no sample of a root-only file read through such a link; the file is read as its folder’s owner', async (t) => {
    await asMallory(host, 'ln -sfn /root/secret.log /var/log/mal/app.log');
    t.after(() => mustOnHost(host.address, 'rm -f /var/log/mal/app.log'));
    const inv = logsInventory([logSection('planted', '/var/log/mal/app.log', '/lab/planted')]);
    for (const args of [
      ['--dry-run', '--inventory', inv],
      ['doctor', '--preflight', '--inventory', inv],
    ]) {
      const r = await run(args);
      assert.ok(r.json, r.out);
      assert.ok(!r.out.includes('TOPSECRET'), `root-only content in the output of ${args[0]}:\n${r.out}`);
      const file = r.json.hosts[0]!.preflight!.find((c) => c.check === 'file' && c.log === 'planted')!;
      assert.match(file.message, /as mallory \(uid \d+, owner of \/var\/log\/mal\/app\.log\)/, JSON.stringify(file));
      assert.match(file.message, /not readable/);
    }
  });

  test('a rotation link root owns keeps working: preflight reads its target, verify appends to it', async () => {
    await mustOnHost(
      host.address,
      `printf '%s\\n' '${stamp(-60_000)} first' '${stamp()} second' > /var/log/rot/app-1.log && ln -sfn app-1.log /var/log/rot/app.log`,
    );
    const inv = logsInventory([logSection('rotated', '/var/log/rot/app.log', '/lab/rotated')]);
    const dry = await run(['--dry-run', '--inventory', inv]);
    assert.ok(dry.json, dry.out);
    const checks = dry.json.hosts[0]!.preflight!.filter((c) => c.log === 'rotated');
    assert.match(checks.find((c) => c.check === 'file')!.message, /^reads \/var\/log\/rot\/app\.log \(\d+ bytes\)$/);
    assert.match(checks.find((c) => c.check === 'datetime_format')!.message, /^2 of 2 event lines \(100%\)/);
    const verify = await run(['verify', '--inventory', inv, '--timeout', '2']);
    assert.ok(verify.json, verify.out);
    assert.match(await mustOnHost(host.address, 'tail -n 1 /var/log/rot/app-1.log'), /awslogs-provision-verify-/);
    assert.equal((await mustOnHost(host.address, 'stat -c %F /var/log/rot/app.log')).trim(), 'symbolic link');
  });

  test('doctor: the state file behind a link in a folder someone else owns is read with their rights, not root’s', async (t) => {
    await mustOnHost(
      host.address,
      `python3 -c "import sqlite3; c = sqlite3.connect('/root/secret-state'); c.execute('create table push_state (k, v, ctime, mtime)'); c.execute('create table stream_state (k, v, ctime, mtime)'); c.commit()" && chmod 600 /root/secret-state`,
    );
    await asMallory(host, 'ln -sfn /root/secret-state /var/lib/mal/agent-state');
    t.after(() => mustOnHost(host.address, 'rm -f /var/lib/mal/agent-state'));
    const inv = logsInventory([logSection('app', '/var/log/app/app.log', '/lab/app')], {
      state_file: '/var/lib/mal/agent-state',
    });
    const r = await run(['doctor', '--inventory', inv]);
    assert.ok(r.json, r.out);
    const state = (r.json.hosts[0] as { state?: { present: boolean; error?: string } }).state;
    assert.match(
      state?.error ?? '',
      /as mallory \(uid \d+, owner of \/var\/lib\/mal\/agent-state\).*Permission denied/,
      JSON.stringify(state),
    );
  });

  test('a repair never writes in a folder someone else owns: refused before the agent is stopped, nothing written', async () => {
    const inv = logsInventory([logSection('app', '/var/log/app/app.log', '/lab/app')], {
      state_file: '/var/lib/mal/agent-state',
    });
    const apply = await run(['--inventory', inv, '--no-verify']);
    assert.equal(apply.code, 0, apply.out);
    const state = '/var/lib/mal/agent-state';
    const until = Date.now() + 30_000;
    while ((await onHost(host.address, `test -s ${state}`)).code !== 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 500));
    // The agent writes its state as it hands its first batch over (buffer_duration, 5 s): wait until the file
    // has settled for longer than that.
    for (let last = ''; Date.now() < until + 30_000; await new Promise((r) => setTimeout(r, 7000))) {
      const sha = await fileSha(host, state);
      if (sha === last) break;
      last = sha;
    }
    const before = {
      sha: await fileSha(host, state),
      pid: (await mustOnHost(host.address, 'systemctl show -p MainPID --value awslogsd')).trim(),
      listing: await mustOnHost(host.address, 'ls -A /var/lib/mal'),
    };
    const r = await run(['doctor', '--reset-state', '--yes', '--inventory', inv, '--verify-timeout', '5']);
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.json?.hosts[0]?.error?.message ?? '',
      /refused: \/var\/lib\/mal is owned by mallory.*the tool does not write where another user can/,
      r.out,
    );
    assert.equal(await fileSha(host, state), before.sha, 'the state file was written');
    assert.equal(await mustOnHost(host.address, 'ls -A /var/lib/mal'), before.listing);
    assert.equal((await mustOnHost(host.address, 'systemctl show -p MainPID --value awslogsd')).trim(), before.pid);
    await assertHostClean(host);
  });
});
