// The cut-over's seeding script, run by the local /bin/sh on temporary files (the tool's folder and the CloudWatch
// agent's moved into a temp folder, awslogs' service commands replaced by commands that record calls): the host
// lock handed to a watchdog that, with no apply to take it back, puts awslogs back (its trimmed state, enabled,
// started) and removes what the seeding wrote; an apply in time takes the lock back and nothing is put back; a
// rotated file swapped for a symlink before its drain link is made is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAndReadLines } from '../../../../src/agents/awslogs/restart/script.js';
import {
  seedLines,
  takeBackFromSeeding,
  wayBackLock,
  type SeedScriptInput,
} from '../../../../src/agents/cloudwatch-agent/migrate/seed-script.js';
import { stateFilePath } from '../../../../src/agents/cloudwatch-agent/state-folder.js';
import { wholeScript } from '../../../../src/operations/remote-script.js';
import { parseApplyOutput } from '../../../../src/operations/apply-script.js';

const sha = (b: string): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the cut-over's seeding script", () => {
  let dir = '';
  let calls = '';
  let n = 0;
  const rec = (what: string) => `sh -c 'echo ${what} >> ${calls}'`;
  const awslogs = () => ({
    status: 'true',
    reset: 'true',
    isEnabled: 'true',
    disable: rec('disable'),
    start: rec('start'),
    stop: rec('stop'),
    restart: rec('restart'),
  });
  const run = (script: string) =>
    parseApplyOutput(
      spawnSync('/bin/sh', [
        '-c',
        script
          .replaceAll('/var/lib/awslogs-provision', join(dir, 'lib'))
          .replaceAll('/opt/aws/amazon-cloudwatch-agent', join(dir, 'cw')),
      ]).stdout.toString(),
    );
  const lock = () => join(dir, 'lib', 'lock');
  const waitGone = async (path: string) => {
    for (let i = 0; i < 100 && existsSync(path); i++) await sleep(100);
  };

  /** awslogs stopped by the first half (its watchdog holds the lock); a current log, a rotated one. */
  const setUp = (handOffSeconds: number): { runId: string; input: SeedScriptInput; state: string; rotated: string } => {
    const runId = `20261203T13000${n}Z-abcde${n}`;
    n++;
    writeFileSync(calls, '');
    const state = join(dir, `agent-state-${n}`);
    writeFileSync(state, 'before');
    const app = join(dir, `app-${n}.log`);
    const rotated = `${app}.1`;
    writeFileSync(app, 'new\n');
    writeFileSync(rotated, 'old\n');
    const first = run(
      wholeScript(runId, `take_lock\n${stopAndReadLines({ agent: awslogs(), statePath: state, logs: [] })}\nsay ok`),
    );
    assert.ok(first.ok, JSON.stringify(first));
    const link = join(dir, 'lib', 'drain', runId, `1-app-${n}.log.1`);
    return {
      runId,
      state,
      rotated,
      input: {
        runId,
        awslogs: awslogs(),
        awslogsEnable: rec('enable'),
        stateFiles: [
          { stateFile: stateFilePath(app), path: app, inode: statSync(app).ino, content: `4\n${app}\n0-4\n` },
          {
            stateFile: stateFilePath(link),
            path: link,
            inode: statSync(rotated).ino,
            linkedFrom: rotated,
            content: `0\n${link}\n`,
          },
        ],
        links: [
          { path: rotated, inode: statSync(rotated).ino, link, section: 'app', offset: 0, size: 4, why: 'rotated' },
        ],
        fallback: {
          path: state,
          expectedSha256: sha('before'),
          content: Buffer.from('trimmed'),
          mode: 0o640,
          owner: 'root',
          group: 'root',
        },
        handOffSeconds,
      },
    };
  };
  const local = (p: string) => p.replace('/opt/aws/amazon-cloudwatch-agent', join(dir, 'cw'));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'migrate-seeding-'));
    calls = join(dir, 'calls');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no apply takes the lock back: the watchdog puts awslogs back as it was and says so', async () => {
    const { runId, input, state } = setUp(1);
    const seeded = run(wholeScript(runId, seedLines(input)));
    assert.ok(seeded.ok, JSON.stringify(seeded));
    assert.ok(existsSync(local(input.stateFiles[0]!.stateFile)), 'the state file is seeded');
    assert.ok(existsSync(input.links[0]!.link.replace('/var/lib/awslogs-provision', join(dir, 'lib'))));
    const holder = readFileSync(join(lock(), 'pid'), 'utf8').trim();
    assert.equal(spawnSync('kill', ['-0', holder]).status, 0, 'a watchdog holds the lock');
    assert.equal(readFileSync(calls, 'utf8'), 'stop\ndisable\n');

    await waitGone(lock());
    assert.ok(!existsSync(lock()), 'the watchdog freed the lock');
    assert.equal(readFileSync(calls, 'utf8'), 'stop\ndisable\nenable\nstart\n', 'awslogs enabled and started again');
    assert.equal(readFileSync(state, 'utf8'), 'trimmed', "awslogs' state with its arrived batches trimmed");
    assert.equal(statSync(state).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(join(dir, 'cw', 'logs', 'state')), [], 'the seeded state files removed');
    assert.deepEqual(readdirSync(join(dir, 'lib', 'drain', runId)), [], 'the drain links removed');
    assert.match(
      readFileSync(join(dir, 'lib', 'watchdog.log'), 'utf8'),
      new RegExp(`run ${runId}: .*awslogs put back`),
    );

    // The apply, too late, writes nothing; the way back sees that awslogs is back already.
    const late = run(wholeScript(runId, `${takeBackFromSeeding(runId)}\nsay ok`));
    assert.equal(late.failedStep, 'watchdog');
    assert.match(late.messages.join(' '), /already put awslogs back/);
    assert.equal(run(wholeScript(runId, `${wayBackLock(runId, runId)}\nsay ok`)).failedStep, 'watchdog');
    // So does a later `provision rollback` of that migration (its own run).
    const rollback = '20261203T140000Z-fedcba';
    assert.equal(run(wholeScript(rollback, `${wayBackLock(rollback, runId)}\nsay ok`)).failedStep, 'watchdog');
  });

  test('the apply takes the lock back in time: the watchdog is gone, nothing put back', async () => {
    const { runId, input, state } = setUp(2);
    assert.ok(run(wholeScript(runId, seedLines(input))).ok);
    const holder = readFileSync(join(lock(), 'pid'), 'utf8').trim();
    const apply = run(wholeScript(runId, `${takeBackFromSeeding(runId)}\nsay "done apply"\nsay ok`));
    assert.ok(apply.ok && apply.done.includes('adopt'), JSON.stringify(apply));
    assert.ok(!existsSync(lock()), 'released when the apply script ends');
    assert.ok(!existsSync(join(dir, 'lib', 'backups', runId, 'awslogs-state.trimmed')), 'the staged state removed');
    await sleep(3000);
    assert.notEqual(spawnSync('kill', ['-0', holder]).status, 0, 'the watchdog is gone');
    assert.equal(readFileSync(calls, 'utf8'), 'stop\ndisable\n');
    assert.equal(readFileSync(state, 'utf8'), 'before');
    assert.ok(existsSync(local(input.stateFiles[0]!.stateFile)));
  });

  test('a way back while the watchdog waits takes the lock back from it', () => {
    const { runId, input } = setUp(60);
    assert.ok(run(wholeScript(runId, seedLines(input))).ok);
    const back = run(wholeScript(runId, `${wayBackLock(runId, runId)}\nsay ok`));
    assert.ok(back.ok && back.done.includes('adopt'), JSON.stringify(back));
    assert.ok(!existsSync(lock()));
  });

  test('a failure before the state files (the drain folder behind a link): awslogs started again, trimmed', () => {
    const { runId, input, state } = setUp(60);
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    rmSync(join(dir, 'lib', 'drain'), { recursive: true, force: true });
    symlinkSync(elsewhere, join(dir, 'lib', 'drain'));
    const out = run(wholeScript(runId, seedLines(input)));
    rmSync(join(dir, 'lib', 'drain'));
    assert.match(out.failedStep ?? '', /^file /, JSON.stringify(out));
    assert.match(out.messages.join(' '), /awslogs was started again/);
    assert.equal(readFileSync(calls, 'utf8'), 'stop\nstart\n');
    assert.equal(readFileSync(state, 'utf8'), 'trimmed');
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing made behind the link');
    assert.ok(!existsSync(local(input.stateFiles[0]!.stateFile)), 'no state file written');
    assert.ok(!existsSync(lock()));
  });

  test('a rotated file swapped for a symlink before its link is made: nothing seeded, awslogs started again', () => {
    const { runId, input, state, rotated } = setUp(60);
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'root only\n', { mode: 0o600 });
    rmSync(rotated);
    symlinkSync(secret, rotated);
    const out = run(wholeScript(runId, seedLines(input)));
    assert.equal(out.failedStep, 'moved', JSON.stringify(out));
    assert.deepEqual(readdirSync(join(dir, 'lib', 'drain', runId)), [], 'no link left');
    assert.ok(!existsSync(local(input.stateFiles[0]!.stateFile)), 'no state file written');
    assert.equal(readFileSync(state, 'utf8'), 'trimmed', "awslogs' trimmed state");
    assert.equal(readFileSync(calls, 'utf8'), 'stop\nstart\n');
    assert.ok(!existsSync(lock()));
  });
});
