// Fault: two runs at once. The local lock beside the journal lets one changing run per inventory folder in
// (the other waits with --wait-lock or is refused, exit 1); the host-side lock inside the script refuses a
// host another run is applying; a lock left by a killed run (its pid gone) is cleared.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '../support/cli.js';
import { labDown, labInventoryCopy, labSkipReason, labUp, mustOnHost, onHost, type LabHost } from '../support/lab.js';
import { writeLockFor } from '../../src/journal/lock.js';
import { CONF, ENV, assertHostClean, assertJournalClean, hostOf, provision, statuses } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# concurrency fault tests skipped: ${skip}`);

const HOST_LOCK = '/var/lib/awslogs-provision/lock';

/** A pid that existed and is gone now. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('close', r));
  return child.pid ?? 999_999;
}

describe('fault: concurrent runs', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';

  before(async () => {
    hosts = await labUp(3, 'mixed');
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
  });
  after(async () => {
    await labDown();
  });

  test('two runs at once on one inventory: one applies, the other is refused with exit 1 and never writes', async () => {
    const lock = join(dirname(inventory), '.provision', 'lock');
    const first = runCli(['--inventory', inventory, '--no-verify', '--json'], { env: ENV, timeoutMs: 240_000 });
    const t0 = Date.now();
    while (!existsSync(lock) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(lock), 'the first run took no lock');
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; run: string; startedAt: string };
    assert.ok(owner.pid > 0 && /^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(owner.run) && owner.startedAt);
    const second = await provision(['--inventory', inventory]);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`another run \\(${owner.run}, pid ${owner.pid}`));
    const done = await first;
    assert.equal(done.code, 0, done.stderr);
    assert.ok(!existsSync(lock), 'the lock outlived its run');
    // Only the first run is in the journal: the refused one contacted no host.
    const runs = readdirSync(join(dirname(inventory), '.provision', 'runs'));
    assert.deepEqual(runs, [`${owner.run}.json`]);
    assertJournalClean(inventory);
  });

  test('--wait-lock: the second run waits for the first, then finds nothing left to do', async () => {
    for (const h of hosts) await mustOnHost(h.address, `echo '# hand edit' >> ${CONF}`);
    // Both wait: whichever takes the lock first applies, the other waits for it.
    const first = provision(['--inventory', inventory, '--wait-lock', '200']);
    const second = provision(['--inventory', inventory, '--wait-lock', '200']);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    // Serialised: exactly one of them changed the hosts, the other saw them in the desired state.
    const changed = [a, b].map((r) => Object.values(statuses(r.json)).every((s) => s === 'changed'));
    const unchanged = [a, b].map((r) => Object.values(statuses(r.json)).every((s) => s === 'ok'));
    assert.deepEqual(changed.sort(), [false, true], `${a.stdout}\n${b.stdout}`);
    assert.deepEqual(unchanged.sort(), [false, true]);
  });

  test('a local lock left by a killed run (pid gone) is cleared; a live one refuses', async () => {
    await writeLockFor(inventory, { pid: await deadPid(), run: '20261125T000000Z-dead00', startedAt: 'then' });
    const stale = await provision(['--inventory', inventory]);
    assert.equal(stale.code, 0, stale.stderr);
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeLockFor(inventory, { pid: sleeper.pid!, run: '20261125T000000Z-a1a1a1', startedAt: 'now' });
      const t0 = Date.now();
      const live = await provision(['--inventory', inventory, '--wait-lock', '2']);
      assert.equal(live.code, 1);
      assert.match(live.stderr, /another run \(20261125T000000Z-a1a1a1, pid \d+.*waited 2s/);
      assert.ok(Date.now() - t0 >= 2000, 'it did not wait');
      assert.equal(readFileSync(join(dirname(inventory), '.provision', 'lock'), 'utf8').includes('a1a1a1'), true);
    } finally {
      sleeper.kill('SIGKILL');
    }
    // The holder is gone now: the next run clears its lock.
    const after = await provision(['--inventory', inventory]);
    assert.equal(after.code, 0, after.stderr);
  });

  test('host lock: a live run on a host fails that host with a clear error; the others apply', async () => {
    const [busy, ...rest] = hosts as [LabHost, ...LabHost[]];
    for (const h of hosts) await mustOnHost(h.address, `echo '# hand edit' >> ${CONF}`);
    const before = await mustOnHost(busy.address, `sha256sum ${CONF}`);
    // Another run's script holds the lock: a live process on that host.
    const pid = (
      await mustOnHost(
        busy.address,
        `mkdir -p ${HOST_LOCK} && (sleep 120 >/dev/null 2>&1 </dev/null & echo $! > ${HOST_LOCK}/pid; cat ${HOST_LOCK}/pid) && echo 20261125T000000Z-b0b0b0 > ${HOST_LOCK}/run`,
      )
    ).trim();
    try {
      const result = await provision(['--inventory', inventory]);
      assert.equal(result.code, 1);
      const failed = hostOf(result.json, busy.name);
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.error?.message ?? '', /another run \(20261125T000000Z-b0b0b0\) is applying here/);
      for (const h of rest) assert.equal(hostOf(result.json, h.name)?.status, 'changed');
      assert.equal(await mustOnHost(busy.address, `sha256sum ${CONF}`), before, 'the locked host was written');
      assert.equal((await mustOnHost(busy.address, `cat ${HOST_LOCK}/run`)).trim(), '20261125T000000Z-b0b0b0');
    } finally {
      await onHost(busy.address, `kill ${pid}`);
    }
    // Its holder is gone: the lock is stale, cleared, and the host applies.
    const again = await provision(['--inventory', inventory]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(hostOf(again.json, busy.name)?.status, 'changed');
    assert.equal((await onHost(busy.address, `test -e ${HOST_LOCK}`)).code, 1, 'the lock was left behind');
    for (const h of hosts) await assertHostClean(h);
    assertJournalClean(inventory);
  });

  test('host lock: two inventories (two journals) at the same hosts never interleave', async () => {
    const other = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
    for (const h of hosts) await mustOnHost(h.address, `echo '# hand edit' >> ${CONF}`);
    const [a, b] = await Promise.all([provision(['--inventory', inventory]), provision(['--inventory', other])]);
    for (const h of hosts) {
      // Per host: either both saw it in turn (one changed, one ok/failed by the lock), never both writing.
      const pair = [hostOf(a.json, h.name), hostOf(b.json, h.name)];
      const changed = pair.filter((x) => x?.status === 'changed').length;
      const locked = pair.filter((x) => /is applying here/.test(x?.error?.message ?? '')).length;
      // Never both: the second either found the lock, found the file changed since its facts (and wrote
      // nothing), or planned after the first had finished and had nothing to do.
      const stale = pair.filter((x) =>
        /changed on the host after this run read it/.test(x?.error?.message ?? ''),
      ).length;
      assert.equal(changed, 1, JSON.stringify(pair));
      assert.ok(
        pair.every((x) => x?.status === 'changed' || x?.status === 'ok' || locked + stale >= 1),
        JSON.stringify(pair),
      );
      await assertHostClean(h);
      assert.equal((await onHost(h.address, `test -e ${HOST_LOCK}`)).code, 1);
    }
  });

  test('a file changed on the host after the facts were read (a hand edit, another run): nothing written, the edit kept', async () => {
    const [host] = hosts as [LabHost];
    await mustOnHost(host.address, `echo '# hand edit before the run' >> ${CONF}`);
    const before = await mustOnHost(host.address, `cat ${CONF}`);
    // A lock still being written (no pid yet) holds the run's script in take_lock for up to two seconds, after
    // its facts were read; a watcher on the host edits the file the moment the script starts waiting there.
    const watcher = `while ! pgrep -f '^sleep 0[.]25$' >/dev/null; do sleep 0.05; done; echo '# edited meanwhile' >> ${CONF}`;
    await mustOnHost(
      host.address,
      `mkdir -p ${HOST_LOCK} && (timeout 120 sh -c ${JSON.stringify(watcher)} >/dev/null 2>&1 </dev/null &)`,
    );
    const result = await provision(['--inventory', inventory, '--limit', host.name]);
    assert.equal(result.code, 1, result.stdout);
    const h = hostOf(result.json, host.name);
    assert.equal(h?.status, 'failed');
    assert.match(h?.error?.message ?? '', /changed on the host after this run read it .*nothing written; run again/);
    assert.equal(await mustOnHost(host.address, `cat ${CONF}`), `${before}# edited meanwhile\n`);
    assert.equal((await onHost(host.address, `test -e ${HOST_LOCK}`)).code, 1);
    await assertHostClean(host);
    // The next run plans from what is there now and applies.
    const again = await provision(['--inventory', inventory, '--limit', host.name]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(hostOf(again.json, host.name)?.status, 'changed');
  });
});
