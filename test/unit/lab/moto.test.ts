import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import {
  INSTALL_MOTO,
  MOTO_VENV,
  MotoMissing,
  isMotoInstalled,
  motoPython,
  pidFile,
  startMoto,
  stopMoto,
} from '../../../src/lab/moto.js';

test("without moto, starting names the set-up's script that brings it", async () => {
  assert.equal(isMotoInstalled('/nonexistent/python3'), false);
  await assert.rejects(
    startMoto({ host: '127.0.0.1', port: 1, stateDir: '/nonexistent', freeActions: 3, python: '/nonexistent/python3' }),
    (err) => {
      assert.ok(err instanceof MotoMissing);
      assert.match(err.message, /moto is not installed for \/nonexistent\/python3/);
      assert.ok(err.hint.includes(`bash ${INSTALL_MOTO}`), err.hint);
      assert.ok(err.hint.includes(MOTO_VENV), err.hint);
      return true;
    },
  );
});

test("moto's python: the set-up's virtual environment when it exists, else the machine's python3", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moto-venv-'));
  try {
    assert.equal(motoPython(dir), 'python3');
    mkdirSync(join(dir, 'bin'));
    await writeFile(join(dir, 'bin', 'python3'), '');
    assert.equal(motoPython(dir), join(dir, 'bin', 'python3'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

test('scripts/install-moto.sh --check: finds moto in the virtual environment, or says what it would do', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moto-setup-'));
  try {
    // A python3 without moto first on PATH; the script's virtual environment in a folder of the test's own.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    await writeFile(join(bin, 'python3'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const venv = join(dir, 'venv');
    const run = () =>
      spawnSync('bash', [INSTALL_MOTO, '--check'], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, AWSLOGS_MOTO_VENV: venv },
      });
    const missing = run();
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(
      missing.stdout,
      new RegExp(
        `^moto: missing for ${bin}/python3 and in ${venv}; would run: python3 -m venv ${venv} && ${venv}/bin/pip install 'moto\\[server\\]'`,
      ),
    );
    mkdirSync(join(venv, 'bin'), { recursive: true });
    await writeFile(join(venv, 'bin', 'python3'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const found = run();
    assert.equal(found.status, 0, found.stderr);
    assert.equal(found.stdout.trim(), `moto: ${venv}/bin/python3`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
