import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestRestorableRun, readRun, type JournalHost } from '../../../src/journal/journal.js';
import { RunJournal } from '../../../src/journal/write-ahead.js';
import { UsageError } from '../../../src/core/errors.js';

const ID = '20260101T000000Z-aaaaaa';
const host = (name: string, extra: Partial<JournalHost> = {}): JournalHost => ({
  name,
  status: 'changed',
  changes: [],
  files: [{ path: '/etc/awslogs/awslogs.conf', sha256Before: 'absent', sha256After: 'a'.repeat(64) }],
  ...extra,
});
const dir = () => {
  const d = join(mkdtempSync(join(tmpdir(), 'awslogs-journal-')), 'runs');
  mkdirSync(d);
  return d;
};

test('RunJournal: in the journal at begin, each host as it comes, finishedAt only at the end', async () => {
  const d = dir();
  const journal = new RunJournal(d, { run: ID, command: 'apply', inventory: 'i.yml', startedAt: 'now' });
  await journal.begin();
  assert.deepEqual((await readRun(d, ID)).hosts, []);
  await journal.host(host('a', { outcomeUnknown: true }));
  await Promise.all([journal.host(host('b')), journal.host(host('a'))]);
  const mid = await readRun(d, ID);
  assert.equal(mid.finishedAt, undefined);
  assert.deepEqual(
    mid.hosts.map((h) => [h.name, h.outcomeUnknown ?? false]),
    [
      ['a', false],
      ['b', false],
    ],
  );
  assert.equal((await latestRestorableRun(d))?.run, ID, 'an unfinished run is restorable');
  await journal.finish([host('b'), host('a')]);
  const end = await readRun(d, ID);
  assert.ok(end.finishedAt);
  assert.deepEqual(
    end.hosts.map((h) => h.name),
    ['b', 'a'],
  );
  assert.deepEqual(readdirSync(d), [`${ID}.json`], 'a temp file was left');
});

test('readRun: a truncated file, a file without hosts, a file naming another run: refused naming the file', async () => {
  const d = dir();
  const file = join(d, `${ID}.json`);
  const whole = JSON.stringify({ run: ID, command: 'apply', inventory: 'i', startedAt: 's', hosts: [host('a')] });
  for (const [text, why] of [
    [whole.slice(0, 40), /is corrupt \(not valid JSON/],
    [JSON.stringify({ run: ID, command: 'apply' }), /is corrupt \(no hosts list\)/],
    [JSON.stringify({ run: ID, command: 'apply', hosts: [{ name: 'a' }] }), /hosts\[0\] has no files list/],
    [whole.replace(ID, '20250101T000000Z-bbbbbb'), /names run "20250101T000000Z-bbbbbb", not 20260101T000000Z-aaaaaa/],
  ] as const) {
    writeFileSync(file, text);
    for (const read of [() => readRun(d, ID), () => latestRestorableRun(d)])
      await assert.rejects(read(), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, why);
        return true;
      });
  }
  await assert.rejects(readRun(d, '20990101T000000Z-cccccc'), /no run 20990101T000000Z-cccccc in the journal/);
  assert.equal(readFileSync(file, 'utf8').length > 0, true);
});
