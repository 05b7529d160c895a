// The two halves of a disciplined restart, run by the local /bin/sh on temporary files (the tool's folder on
// the host moved into a temp folder, the agent's service commands replaced by commands that record calls).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  finishRestartScript,
  parseStopped,
  readRangesScript,
  stopAndReadLines,
} from '../../../src/agents/awslogs/restart/script.js';
import { wholeScript } from '../../../src/operations/remote-script.js';
import { parseApplyOutput } from '../../../src/operations/apply-script.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('restart discipline scripts', () => {
  let dir = '';
  let calls = '';
  const agent = () => ({
    status: 'true',
    reset: 'true',
    isEnabled: 'true',
    disable: 'true',
    start: `sh -c 'echo start >> ${calls}'`,
    stop: `sh -c 'echo stop >> ${calls}'`,
    restart: `sh -c 'echo restart >> ${calls}'`,
  });
  const run = (script: string): string =>
    spawnSync('/bin/sh', ['-c', script.replaceAll('/var/lib/awslogs-provision', join(dir, 'lib'))]).stdout.toString();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-restart-'));
    calls = join(dir, 'calls');
    mkdirSync(join(dir, 'logs'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('first half: stop, the state and each newest log, the lock handed over; second half: adopt, write, start', () => {
    const RUN = '20261201T100000Z-aaaaaa';
    const state = join(dir, 'agent-state');
    const original = Buffer.from([0, 1, 2, 255, 10]);
    writeFileSync(state, original);
    const app = join(dir, 'logs', 'app.log');
    writeFileSync(join(dir, 'logs', 'app.log.1'), 'old\n');
    utimesSync(join(dir, 'logs', 'app.log.1'), new Date(1000), new Date(1000));
    writeFileSync(join(dir, 'logs', 'app.log.2.gz'), 'zipped\n');
    const text = 'first\n' + 'x'.repeat(70 * 1024) + '\nlast\n';
    writeFileSync(app, text);
    const first = wholeScript(
      RUN,
      `take_lock\n${stopAndReadLines({
        agent: agent(),
        statePath: state,
        logs: [
          { pattern: join(dir, 'logs', 'app.log*'), fingerprintEnd: 1 },
          { pattern: join(dir, 'logs', 'none*'), fingerprintEnd: 1 },
        ],
      })}\nsay ok`,
    );
    const out = run(first);
    const stopped = parseStopped(out, 2);
    assert.ok(stopped.stopped && stopped.handedOff, out);
    assert.deepEqual(stopped.state, {
      kind: 'read',
      bytes: original,
      mode: 0o644,
      owner: 'root',
      group: 'root',
      sha256: sha(original),
      journal: false,
    });
    const l = stopped.logs[0]!;
    assert.equal(l.path, app);
    assert.equal(l.size, Buffer.byteLength(text));
    assert.equal(l.head.toString(), 'first\n');
    assert.equal(l.window.offset, l.size - 64 * 1024);
    assert.deepEqual(l.window.bytes, Buffer.from(text).subarray(l.window.offset));
    assert.equal(stopped.logs[1], undefined);
    // The lock stays, held by the watchdog (a live pid), for the second half.
    const lock = join(dir, 'lib', 'lock');
    const holder = readFileSync(join(lock, 'pid'), 'utf8').trim();
    assert.equal(spawnSync('kill', ['-0', holder]).status, 0, 'the watchdog holds the lock');
    assert.equal(readFileSync(join(lock, 'run'), 'utf8').trim(), RUN);
    const ranges = parseStopped(run(readRangesScript(RUN, [{ path: app, from: 0, to: 5 }])), 0).ranges;
    assert.equal(ranges.get(0)?.toString(), 'first');

    const trimmed = Buffer.from('trimmed');
    const second = parseApplyOutput(
      run(
        finishRestartScript({
          runId: RUN,
          agent: agent(),
          agentLogPath: join(dir, 'agent.log'),
          state: {
            path: state,
            expectedSha256: sha(original),
            content: trimmed,
            mode: 0o600,
            owner: 'root',
            group: 'root',
          },
          undo: [],
          unhealthy: 'down',
        }),
      ),
    );
    assert.ok(second.ok, JSON.stringify(second));
    assert.deepEqual(readFileSync(state), trimmed);
    assert.deepEqual(readFileSync(join(dir, 'lib', 'backups', RUN, 'agent-state.before-restart')), original);
    assert.equal(readFileSync(calls, 'utf8'), 'stop\nstart\n');
    assert.ok(!existsSync(lock), 'the lock is released');
    assert.notEqual(spawnSync('kill', ['-0', holder]).status, 0, 'the watchdog is gone');
  });

  test('no second half: the watchdog starts the agent again and frees the lock; a late second half writes nothing', async () => {
    const RUN = '20261201T100001Z-bbbbbb';
    writeFileSync(calls, '');
    const state = join(dir, 'state-2');
    writeFileSync(state, 'before');
    const out = run(
      wholeScript(
        RUN,
        `take_lock\n${stopAndReadLines({ agent: agent(), statePath: state, logs: [], handOffSeconds: 1 })}\nsay ok`,
      ),
    );
    assert.ok(parseStopped(out, 0).handedOff);
    const lock = join(dir, 'lib', 'lock');
    for (let i = 0; i < 40 && existsSync(lock); i++) await sleep(100);
    assert.ok(!existsSync(lock), 'the watchdog freed the lock');
    assert.equal(readFileSync(calls, 'utf8'), 'stop\nstart\n', 'and started the agent');
    const late = parseApplyOutput(
      run(
        finishRestartScript({
          runId: RUN,
          agent: agent(),
          agentLogPath: join(dir, 'agent.log'),
          state: {
            path: state,
            expectedSha256: sha('before'),
            content: Buffer.from('x'),
            mode: 0o600,
            owner: 'root',
            group: 'root',
          },
          undo: [],
          unhealthy: 'down',
        }),
      ),
    );
    assert.equal(late.ok, false);
    assert.equal(late.failedStep, 'restart');
    assert.match(late.messages.join(' '), /already started again by the watchdog/);
    assert.equal(readFileSync(state, 'utf8'), 'before');
  });

  test('a state file that changed after the first half read it is not written; the agent is started', () => {
    const RUN = '20261201T100002Z-cccccc';
    writeFileSync(calls, '');
    const state = join(dir, 'state-3');
    writeFileSync(state, 'read');
    run(wholeScript(RUN, `take_lock\n${stopAndReadLines({ agent: agent(), statePath: state, logs: [] })}\nsay ok`));
    writeFileSync(state, 'changed');
    const out = parseApplyOutput(
      run(
        finishRestartScript({
          runId: RUN,
          agent: agent(),
          agentLogPath: join(dir, 'agent.log'),
          state: {
            path: state,
            expectedSha256: sha('read'),
            content: Buffer.from('x'),
            mode: 0o600,
            owner: 'root',
            group: 'root',
          },
          undo: [],
          unhealthy: 'down',
        }),
      ),
    );
    assert.equal(out.failedStep, 'state');
    assert.equal(readFileSync(state, 'utf8'), 'changed');
    assert.equal(readFileSync(calls, 'utf8'), 'stop\nstart\n');
  });
});
