import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileRefused, readRegularFile, replaceFile } from '../../../src/local-files/replace.js';

const temp = () => mkdtempSync(join(tmpdir(), 'awslogs-replace-'));

test('replaceFile: a new file is 0600 in a new 0700 folder; an existing one keeps its mode unless told', async () => {
  const dir = temp();
  const file = join(dir, 'new', 'f');
  await replaceFile(file, 'one\n');
  assert.equal(readFileSync(file, 'utf8'), 'one\n');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o700);
  const kept = join(dir, 'kept');
  writeFileSync(kept, 'x', { mode: 0o644 });
  await replaceFile(kept, 'two\n');
  assert.equal(statSync(kept).mode & 0o777, 0o644);
  await replaceFile(kept, 'three\n', { mode: 0o600 });
  assert.equal(statSync(kept).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['kept', 'new'], 'a temp file was left');
});

test('replaceFile: a link is written through; the link stays a link', async () => {
  const dir = temp();
  mkdirSync(join(dir, 'real'));
  const target = join(dir, 'real', 'known_hosts');
  writeFileSync(target, 'old\n', { mode: 0o640 });
  const link = join(dir, 'known_hosts');
  symlinkSync(target, link);
  await replaceFile(link, 'new\n');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(target, 'utf8'), 'new\n');
  assert.equal(statSync(target).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(join(dir, 'real')), ['known_hosts'], 'a temp file was left beside the target');
});

test('replaceFile: never over a FIFO, a directory, a link to one, or a link to nothing: refused, left as it was', async () => {
  const dir = temp();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  const toFifo = join(dir, 'to-fifo');
  symlinkSync(fifo, toFifo);
  const dangling = join(dir, 'dangling');
  symlinkSync(join(dir, 'absent'), dangling);
  for (const [file, why] of [
    [fifo, /is not a regular file \(a FIFO\): not replaced/],
    [folder, /is not a regular file \(a directory\)/],
    [toFifo, /is not a regular file \(a FIFO, at .*fifo\)/],
    [dangling, /symbolic link to nothing/],
  ] as const) {
    await assert.rejects(
      replaceFile(file, 'x\n'),
      (err: unknown) => err instanceof LocalFileRefused && why.test(String(err)),
    );
  }
  assert.ok(lstatSync(fifo).isFIFO());
  assert.ok(lstatSync(toFifo).isSymbolicLink());
  assert.ok(lstatSync(dangling).isSymbolicLink());
  assert.deepEqual(readdirSync(dir).sort(), ['dangling', 'fifo', 'folder', 'to-fifo']);
});

test('readRegularFile: the text of a file or of a link to one; undefined for absent, a FIFO (without blocking), a directory', async () => {
  const dir = temp();
  const file = join(dir, 'f');
  writeFileSync(file, 'text');
  symlinkSync(file, join(dir, 'link'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.equal(await readRegularFile(file), 'text');
  assert.equal(await readRegularFile(join(dir, 'link')), 'text');
  assert.equal(await readRegularFile(join(dir, 'absent')), undefined);
  assert.equal(await readRegularFile(join(dir, 'fifo')), undefined);
  assert.equal(await readRegularFile(dir), undefined);
});
