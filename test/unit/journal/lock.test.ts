// The local run lock: one holder; a live holder refuses (or is waited for); a dead holder's lock is cleared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockFile, writeLockFor } from '../../../src/journal/lock.js';
import { RunFailed } from '../../../src/core/errors.js';

const inventory = () => join(mkdtempSync(join(tmpdir(), 'awslogs-provision-lock-')), 'inventory.yml');
const RUN_A = '20261125T100000Z-aaaaaa';
const RUN_B = '20261125T100000Z-bbbbbb';

test('the lock holds pid, run id and start time beside the journal, and is gone after release', async () => {
  const inv = inventory();
  const held = await acquireRunLock(inv, RUN_A);
  const owner = JSON.parse(readFileSync(lockFile(inv), 'utf8'));
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.run, RUN_A);
  assert.ok(!Number.isNaN(Date.parse(owner.startedAt)));
  assert.match(lockFile(inv), /\.provision\/lock$/);
  await held.release();
  assert.equal(existsSync(lockFile(inv)), false);
});

test('a second taker is refused with the holder named; with a wait it gets the lock once released', async () => {
  const inv = inventory();
  const held = await acquireRunLock(inv, RUN_A);
  await assert.rejects(acquireRunLock(inv, RUN_B), (err: Error) => {
    assert.ok(err instanceof RunFailed);
    assert.match(err.message, new RegExp(`another run \\(${RUN_A}, pid ${process.pid}`));
    return true;
  });
  setTimeout(() => void held.release(), 300);
  const second = await acquireRunLock(inv, RUN_B, 10);
  assert.equal(JSON.parse(readFileSync(lockFile(inv), 'utf8')).run, RUN_B);
  await second.release();
});

test('two takers at once: exactly one wins', async () => {
  const inv = inventory();
  const results = await Promise.allSettled([acquireRunLock(inv, RUN_A), acquireRunLock(inv, RUN_B)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
});

test("a killed run's lock (pid gone) is cleared; an unreadable one too", async () => {
  const inv = inventory();
  const child = spawn('true');
  await new Promise((r) => child.on('close', r));
  await writeLockFor(inv, { pid: child.pid!, run: RUN_A, startedAt: 'then' });
  const held = await acquireRunLock(inv, RUN_B);
  assert.equal(held.clearedStale?.run, RUN_A);
  await held.release();
});
