import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MotoMissing, isMotoInstalled, pidFile, startMoto, stopMoto } from '../../../src/lab/moto.js';

test('without moto, starting says how to install it', async () => {
  assert.equal(isMotoInstalled('/nonexistent/python3'), false);
  await assert.rejects(
    startMoto({ host: '127.0.0.1', port: 1, stateDir: '/nonexistent', freeActions: 3, python: '/nonexistent/python3' }),
    (err) => {
      assert.ok(err instanceof MotoMissing);
      assert.match(err.message, /pip install 'moto\[server\]'/);
      return true;
    },
  );
});

test('stopMoto signals nothing but moto: a stale pid file naming another process is only removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moto-stale-'));
  try {
    await writeFile(pidFile(dir), `${process.pid}\n`);
    assert.equal(await stopMoto(dir), false);
    assert.equal(await stopMoto(dir), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
