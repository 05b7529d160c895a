// The agent's state file read and repaired on this machine, with whichever SQLite this Node has: node:sqlite
// from Node.js 22.13, better-sqlite3 before. The file is made by Python's sqlite3, as the agent makes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStateRows, rewritePushRow } from '../../../src/agents/awslogs/state/state-file.js';
import { sqliteEngine } from '../../../src/agents/awslogs/state/sqlite.js';

const MAKE = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for t in ('push_state', 'stream_state'):
    db.execute('CREATE TABLE %s (k TEXT PRIMARY KEY NOT NULL, v TEXT NOT NULL, ctime DATETIME, mtime DATETIME)' % t)
db.execute("INSERT INTO push_state VALUES ('a', '{\\"start_position\\": 0}', '2026-01-01T00:00:00', '2026-01-01T00:00:00')")
db.execute("INSERT INTO push_state VALUES ('b', '{\\"start_position\\": 7}', '2026-01-01T00:00:00', '2026-01-01T00:00:00')")
db.execute("INSERT INTO stream_state VALUES ('s', '{}', '2026-01-01T00:00:00', '2026-01-01T00:00:00')")
db.commit()
`;
const READ = `
import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
print(json.dumps(db.execute('SELECT k, v, mtime FROM push_state ORDER BY k').fetchall()))
`;

test('the state file: rows read, one push_state row rewritten, every other row kept', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const native = major > 22 || (major === 22 && minor >= 13);
  assert.equal(sqliteEngine(), native ? 'node:sqlite' : 'better-sqlite3');
  const dir = mkdtempSync(join(tmpdir(), 'state-file-'));
  try {
    const file = join(dir, 'agent-state');
    execFileSync('python3', ['-c', MAKE, file]);
    const bytes = readFileSync(file);
    const rows = readStateRows(bytes);
    assert.deepEqual(
      rows.push.map((r) => [r.k, r.v]),
      [
        ['a', '{"start_position": 0}'],
        ['b', '{"start_position": 7}'],
      ],
    );
    assert.deepEqual(
      rows.stream.map((r) => r.k),
      ['s'],
    );
    const repaired = rewritePushRow(bytes, 'b', '{"start_position": 9}', new Date('2026-02-03T04:05:06Z'));
    writeFileSync(file, repaired);
    assert.deepEqual(JSON.parse(execFileSync('python3', ['-c', READ, file], { encoding: 'utf8' })), [
      ['a', '{"start_position": 0}', '2026-01-01T00:00:00'],
      ['b', '{"start_position": 9}', '2026-02-03T04:05:06'],
    ]);
    assert.throws(() => rewritePushRow(bytes, 'nope', '{}'), /push_state has no row nope/);
    assert.throws(() => readStateRows(Buffer.from('not a database at all, just text')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
