// The migration's host scripts, run by the local /bin/sh on temporary files: what the cut-over reads of a log's
// files and rotations (current file, inodes, windows, compressed siblings), the CloudWatch agent's state folder
// with each path's inode; awslogs' state file seeded for the way back (rows upserted, others kept); and the size of
// the read measured before an SSM host's cut-over (what the read prints, gzip'd as the SSM envelope gzips it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { wholeScript } from '../../../../src/operations/remote-script.js';
import {
  observedSizeLines,
  observedUnsettled,
  observeLines,
  OBSERVE_WINDOW_BYTES,
  parseObserved,
  parseObservedSize,
  parseStateFolder,
  stateFolderLines,
} from '../../../../src/agents/cloudwatch-agent/migrate/observe-script.js';
import { SSM_READ_BUDGET } from '../../../../src/runs/migrate/ssm-room.js';
import { seededState } from '../../../../src/agents/awslogs/migrate/seed-state.js';
import { freshState, readStateRows } from '../../../../src/agents/awslogs/state/state-file.js';
import { parseConf } from '../../../../src/agents/awslogs/migrate/read-conf.js';

const RUN = '20261203T120000Z-abcdef';

function run(body: string): string {
  const r = spawnSync('sh', ['-s'], { input: wholeScript(RUN, `${body}\nsay ok`), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return r.stdout;
}

describe('the migration scripts', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'migrate-scripts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a log's current file and its rotations, newest first, with their inodes and last bytes", () => {
    const app = join(dir, 'app.log');
    const big = Buffer.alloc(OBSERVE_WINDOW_BYTES + 10, 'x');
    writeFileSync(`${app}.2.gz`, 'gz');
    writeFileSync(`${app}.1`, big);
    writeFileSync(app, 'first line\nsecond\n');
    const t = Date.now() / 1000;
    utimesSync(`${app}.2.gz`, t - 300, t - 300);
    utimesSync(`${app}.1`, t - 100, t - 100);
    const [files, none] = parseObserved(run(observeLines([app, join(dir, 'absent.log')])), 2);
    assert.deepEqual(none, []);
    assert.deepEqual(
      files!.map((f) => [f.path, f.current, f.compressed === true, f.size]),
      [
        [app, true, false, 18],
        [`${app}.1`, false, false, big.length],
        [`${app}.2.gz`, false, true, 2],
      ],
    );
    assert.equal(files![0]!.inode, statSync(app).ino);
    assert.equal(files![0]!.head.toString(), 'first line\nsecond\n');
    assert.equal(files![1]!.window.offset, 10);
    assert.equal(files![1]!.window.bytes.length, OBSERVE_WINDOW_BYTES);
    assert.ok(Math.abs(files![1]!.mtimeMs - (t - 100) * 1000) < 1000, String(files![1]!.mtimeMs));
  });

  /**
   * `stat` as a shell function that rotates the log when `rotateOn` holds (calls counted in a file): on the read's
   * own stat (`%s %i`), the file listed is gone by the time it is looked at.
   */
  const rotatingStat = (app: string, rotateOn: string) => `stat() {
  n=$(cat ${dir}/stat-calls 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${dir}/stat-calls
  if ${rotateOn}; then mv ${app} ${app}.r$n; printf 'after rotation %s\\n' $n > ${app}; fi
  command stat "$@"
}`;

  test('a rotation while the files are read: read again, so no rotated file is missed', () => {
    const app = join(dir, 'rot.log');
    writeFileSync(app, 'awslogs read this\n');
    rmSync(join(dir, 'stat-calls'), { force: true });
    rmSync(join(dir, 'rotated-once'), { force: true });
    const once = `[ "$2" = '%s %i' ] && [ ! -e ${dir}/rotated-once ] && touch ${dir}/rotated-once`;
    const out = run(`${rotatingStat(app, once)}\n${observeLines([app])}`);
    assert.equal(observedUnsettled(out), false, out);
    const [files] = parseObserved(out, 1);
    const calls = Number(readFileSync(join(dir, 'stat-calls'), 'utf8'));
    assert.deepEqual(
      files!.map((f) => [f.path.replace(/\.r\d+$/, '.r'), f.current, f.head.toString().replace(/\d+/, 'N')]),
      [
        [app, true, 'after rotation N\n'],
        [`${app}.r`, false, 'awslogs read this\n'],
      ],
      `${calls} stat calls`,
    );
  });

  test('files that keep moving while they are read are marked unsettled', () => {
    const app = join(dir, 'busy.log');
    writeFileSync(app, 'x\n');
    rmSync(join(dir, 'stat-calls'), { force: true });
    const out = run(`${rotatingStat(app, `[ "$2" = '%s %i' ]`)}\n${observeLines([app])}`);
    assert.equal(observedUnsettled(out), true, out);
  });

  test("the CloudWatch agent's state files, each with the inode its path has now", () => {
    const state = join(dir, 'state');
    const log = join(dir, 'x.log');
    writeFileSync(log, 'a\n');
    spawnSync('mkdir', ['-p', state]);
    writeFileSync(join(state, 'one'), `2\n${log}\n0-2\n`);
    writeFileSync(join(state, 'gone'), `5\n${join(dir, 'gone.log')}\n`);
    const read = parseStateFolder(run(stateFolderLines(state)));
    assert.deepEqual(
      read.map((r) => [r.content.split('\n')[1], r.inode]).sort(),
      [
        [join(dir, 'gone.log'), undefined],
        [log, statSync(log).ino],
      ].sort(),
    );
  });

  test("awslogs' state seeded for the way back: rows inserted or replaced, every other row kept", () => {
    const before = freshState([{ key: 'kept', value: '{"source_id": "k", "initial_position": 3}' }]);
    const after = seededState(before, {
      push: [{ k: 'id1', v: '{"source_id": "id1", "start_position": 9, "end_position": 9}' }],
      stream: [{ k: 'kept2', v: '{"source_id": "id1", "initial_position": 9}' }],
    });
    const rows = readStateRows(after);
    assert.deepEqual(
      rows.stream.map((r) => r.k),
      ['kept', 'kept2'],
    );
    assert.deepEqual(
      rows.push.map((r) => [r.k, JSON.parse(r.v).start_position]),
      [['id1', 9]],
    );
    const again = readStateRows(
      seededState(after, {
        push: [{ k: 'id1', v: '{"source_id": "id1", "start_position": 12, "end_position": 12}' }],
        stream: [],
      }),
    );
    assert.equal(JSON.parse(again.push[0]!.v).start_position, 12);
    assert.equal(readStateRows(seededState(undefined, { push: [], stream: [] })).push.length, 0);
  });

  test("awslogs' configuration as read: the main file apart from the drop-ins", () => {
    const b = (s: string) => Buffer.from(s).toString('base64');
    const conf = parseConf(
      [
        `@@conf ${b('/etc/awslogs/awslogs.conf')} ${b('[general]\n')}`,
        `@@conf ${b('/etc/awslogs/config/a.conf')} `,
      ].join('\n'),
    );
    assert.equal(conf.main?.text, '[general]\n');
    assert.deepEqual(conf.dropIns, [{ path: '/etc/awslogs/config/a.conf', text: '' }]);
  });
});

describe("the size of the migration's read over SSM, measured before anything stops", () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'migrate-size-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('what the read prints, gzip’d, plus the state file base64’d; absent files count nothing', () => {
    const app = join(dir, 'app.log');
    writeFileSync(app, 'a line\n'.repeat(5000));
    writeFileSync(`${app}.1`, randomBytes(20_000).toString('hex'));
    const state = join(dir, 'agent-state');
    writeFileSync(state, Buffer.alloc(3000, 1));
    const printed = run(observeLines([app]))
      .split('\n')
      .filter((l) => l.startsWith('@@s'));
    const expected = gzipSync(`${printed.join('\n')}\n`).length + 4000;
    const size = parseObservedSize(run(observedSizeLines([app], state)));
    assert.ok(size !== undefined && Math.abs(size - expected) < expected * 0.02, `${size} against ${expected}`);
    assert.ok(size! < SSM_READ_BUDGET);
    assert.ok(parseObservedSize(run(observedSizeLines([join(dir, 'none*.log')], join(dir, 'none'))))! < 100);
  });

  test('the newest files of a log full of random text do not fit over SSM', () => {
    const api = join(dir, 'api.log');
    for (const suffix of ['', '.1', '.2']) writeFileSync(`${api}${suffix}`, randomBytes(300 * 1024).toString('base64'));
    const size = parseObservedSize(run(observedSizeLines([api], join(dir, 'none'), true)));
    assert.ok(size! > SSM_READ_BUDGET, String(size));
  });
});
