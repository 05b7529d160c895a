// The repair scripts run by the local /bin/sh on temporary files, the backup root moved into a temp folder
// and the agent's service commands replaced by commands that record what was called.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseStoppedState,
  resetStateScript,
  stopAndReadScript,
  withEndOfFile,
  writeStateScript,
} from '../../../src/operations/repair-script.js';
import { parseApplyOutput } from '../../../src/operations/apply-script.js';

const RUN = '20261125T100000Z-abcdef';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('repair scripts', () => {
  let dir = '';
  let calls = '';
  const agent = () => ({
    status: 'true',
    reset: 'true',
    isEnabled: 'true',
    disable: 'true',
    // Through sh -c: the scripts add their own redirections after the command.
    start: `sh -c 'echo start >> ${calls}'`,
    stop: `sh -c 'echo stop >> ${calls}'`,
    restart: `sh -c 'echo restart >> ${calls}'`,
  });
  const run = (script: string): string =>
    spawnSync('/bin/sh', ['-c', script.replaceAll('/var/lib/awslogs-provision', join(dir, 'lib'))]).stdout.toString();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-repair-'));
    calls = join(dir, 'calls');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('stop and read, then write the repaired bytes with a backup; binary content survives', () => {
    const state = join(dir, 'agent-state');
    const original = Buffer.from([0, 1, 2, 255, 10, 13, 0x27, 0x22, 0x24]);
    writeFileSync(state, original);
    const read = parseStoppedState(run(stopAndReadScript({ runId: RUN, agent: agent(), statePath: state })));
    assert.ok(read.ok);
    assert.deepEqual(read.bytes, original);
    assert.equal(read.sha256, sha(original));
    const repaired = Buffer.from([9, 8, 7, 0, 255]);
    const out = parseApplyOutput(
      run(
        writeStateScript({
          runId: RUN,
          agent: agent(),
          agentLogPath: join(dir, 'agent.log'),
          statePath: state,
          expectedSha256: read.sha256!,
          content: repaired,
          mode: 0o600,
          owner: 'root',
          group: 'root',
        }),
      ),
    );
    assert.ok(out.ok, JSON.stringify(out));
    assert.deepEqual(readFileSync(state), repaired);
    assert.deepEqual(readFileSync(join(dir, 'lib', 'backups', RUN, '0.content')), original);
    assert.deepEqual(out.files, [{ path: state, sha256Before: sha(original), sha256After: sha(repaired) }]);
    assert.equal(readFileSync(calls, 'utf8'), 'stop\nstart\n');
  });

  test('a state file that changed after it was read is not written; the agent is started again', () => {
    const state = join(dir, 'changed-state');
    writeFileSync(state, 'now');
    writeFileSync(calls, '');
    const out = parseApplyOutput(
      run(
        writeStateScript({
          runId: '20261125T100001Z-abcdef',
          agent: agent(),
          agentLogPath: join(dir, 'agent.log'),
          statePath: state,
          expectedSha256: sha('then'),
          content: Buffer.from('x'),
          mode: 0o600,
          owner: 'root',
          group: 'root',
        }),
      ),
    );
    assert.equal(out.ok, false);
    assert.equal(out.failedStep, 'state');
    assert.equal(readFileSync(state, 'utf8'), 'now');
    assert.equal(readFileSync(calls, 'utf8'), 'start\n');
  });

  test('reset: state backed up and removed, end_of_file for one start, the config put back', () => {
    const state = join(dir, 'reset-state');
    const conf = join(dir, 'awslogs.conf');
    writeFileSync(state, 'rows');
    const text = '[general]\nstate_file = x\n\n[app]\nfile = /a\ninitial_position = start_of_file\n';
    writeFileSync(conf, text);
    writeFileSync(calls, '');
    // The fake agent records the config it starts with and writes a new state file.
    const a = {
      ...agent(),
      start: `cp ${conf} ${join(dir, 'conf-at-start')}; echo new > ${state}; echo start >> ${calls}`,
    };
    const out = parseApplyOutput(
      run(
        resetStateScript({
          runId: '20261125T100002Z-abcdef',
          agent: a,
          agentLogPath: join(dir, 'agent.log'),
          statePath: state,
          settleS: 0,
          endOfFile: { confPath: conf, conf: withEndOfFile(text), mode: 0o644, owner: 'root', group: 'root' },
        }),
      ),
    );
    assert.ok(out.ok, JSON.stringify(out));
    assert.match(
      readFileSync(join(dir, 'conf-at-start'), 'utf8'),
      /\[app\]\nfile = \/a\ninitial_position = end_of_file\n$/,
    );
    assert.equal(readFileSync(conf, 'utf8'), text);
    assert.equal(readFileSync(join(dir, 'lib', 'backups', '20261125T100002Z-abcdef', '0.content'), 'utf8'), 'rows');
    assert.equal(out.files[0]?.sha256After, 'absent');
    assert.ok(existsSync(state));
  });

  test('withEndOfFile: every log section, not [general]; an existing initial_position replaced', () => {
    assert.equal(
      withEndOfFile('[general]\nstate_file = s\n[a]\ninitial_position = start_of_file\nfile = x\n[b]\nfile = y\n'),
      '[general]\nstate_file = s\n[a]\ninitial_position = end_of_file\nfile = x\n[b]\ninitial_position = end_of_file\nfile = y\n',
    );
  });

  test('withEndOfFile: only the sections named (those with bytes to skip); the others left as they are', () => {
    const conf = '[general]\nstate_file = s\n[a]\ninitial_position = start_of_file\nfile = x\n[empty]\nfile = y\n';
    assert.equal(
      withEndOfFile(conf, new Set(['a'])),
      '[general]\nstate_file = s\n[a]\ninitial_position = end_of_file\nfile = x\n[empty]\nfile = y\n',
    );
    assert.equal(withEndOfFile(conf, new Set()), conf);
    assert.equal(
      withEndOfFile('[a]\nfile = x\ninitial_position = start_of_file\n[b]\nfile = y', new Set(['a', 'b'])),
      '[a]\nfile = x\ninitial_position = end_of_file\n[b]\ninitial_position = end_of_file\nfile = y',
      'replaced where it stands; added after the header where missing, also in the last section',
    );
  });
});
