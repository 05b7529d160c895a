// The drains' hard links, run by the local /bin/sh on temporary files: a link is made only to the file planned
// (its inode), whatever is swapped in at the path — a symlink to a root-only file, another file — even between a
// check and the `ln` (the swap injected just before it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plannedLinkLines, type PlannedLink } from '../../../src/operations/planned-link.js';
import { wholeScript } from '../../../src/operations/remote-script.js';
import { parseApplyOutput } from '../../../src/operations/apply-script.js';

const RUN = '20261203T120000Z-abcdef';

describe('hard links to files someone else may control', () => {
  let dir = '';
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'planned-link-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A rotated log and a root-only secret in a fresh folder; the link planned to the log's inode. */
  const setUp = () => {
    const logs = join(dir, `logs${++n}`);
    mkdirSync(logs);
    const rotated = join(logs, 'app.log.1');
    const secret = join(logs, 'shadow');
    writeFileSync(rotated, 'rotated\n');
    writeFileSync(secret, 'root:secret\n', { mode: 0o600 });
    const links = join(dir, `drain${n}`, RUN);
    const planned: PlannedLink[] = [{ path: rotated, inode: statSync(rotated).ino, link: join(links, '1-app.log.1') }];
    return { logs, rotated, secret, links, planned };
  };
  /** Runs the lines; `beforeLn` is shell run just before `ln` (the swap an attacker races in). */
  const run = (links: readonly PlannedLink[], beforeLn = '') => {
    let body = plannedLinkLines(links, (p) => `fail moved ${JSON.stringify(`${p} moved`)}`);
    if (beforeLn) body = body.replace('ln -P -f --', `${beforeLn}; ln -P -f --`);
    const r = spawnSync('sh', ['-s'], { input: wholeScript(RUN, `${body}\nsay ok`), encoding: 'utf8' });
    return parseApplyOutput(r.stdout);
  };

  test('the file planned: linked, the same inode', () => {
    const { rotated, planned } = setUp();
    const out = run(planned);
    assert.ok(out.ok, JSON.stringify(out));
    assert.equal(statSync(planned[0]!.link).ino, statSync(rotated).ino);
  });

  test('a symlink to a root-only file swapped in before the link is made: refused, no link left', () => {
    const { rotated, secret, links, planned } = setUp();
    rmSync(rotated);
    symlinkSync(secret, rotated);
    const out = run(planned);
    assert.equal(out.failedStep, 'moved', JSON.stringify(out));
    assert.deepEqual(readdirSync(links), []);
  });

  test("another file at the path (its owner's): refused, no link left", () => {
    const { rotated, logs, links, planned } = setUp();
    renameSync(rotated, join(logs, 'kept'));
    writeFileSync(rotated, 'planted\n');
    const out = run(planned);
    assert.equal(out.failedStep, 'moved');
    assert.deepEqual(readdirSync(links), []);
  });

  test('the swap raced in after every check and just before ln: the link made is refused and removed', () => {
    for (const swap of ['symlink', 'file'] as const) {
      const { rotated, secret, links, planned } = setUp();
      const plant =
        swap === 'symlink'
          ? `rm -f ${rotated} && ln -s ${secret} ${rotated}`
          : `mv ${rotated} ${rotated}.kept && echo planted > ${rotated}`;
      const out = run(planned, plant);
      assert.equal(out.failedStep, 'moved', `${swap}: ${JSON.stringify(out)}`);
      assert.deepEqual(readdirSync(links), [], swap);
    }
  });

  test('the second of two links moved: the first is removed too', () => {
    const a = setUp();
    const b = setUp();
    const both = [a.planned[0]!, { ...b.planned[0]!, link: join(a.links, '2-app.log.1') }];
    rmSync(b.rotated);
    const out = run(both);
    assert.equal(out.failedStep, 'moved');
    assert.deepEqual(readdirSync(a.links), []);
    assert.ok(existsSync(a.rotated), 'the rotated file itself is untouched');
  });
});
