// The state file's view: source ids as the agent computes them, positions against the file, and the stale
// batch_timestamp told apart from lines that are really ahead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  pyJson,
  repairedPushState,
  sourceIdOf,
  viewState,
  type PushState,
} from '../../../src/agents/awslogs/doctor/state-view.js';
import type { LogSection } from '../../../src/agents/awslogs/spec.js';
import type { LogSectionFacts } from '../../../src/core/types.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 25, 10);
const section: LogSection = {
  section: 'app',
  file: '/var/log/app.log',
  log_group_name: '/app',
  log_stream_name: 'x',
};
const head = '2026-11-25 09:00:00 first\n';
const id = createHash('md5')
  .update('app' + head)
  .digest('hex');
const logs: LogSectionFacts[] = [
  {
    pattern: section.file,
    files: [
      {
        path: '/var/log/app.log',
        role: 'match',
        readable: true,
        kind: 'file',
        mtimeMs: 0,
        size: 500,
        compressed: false,
        head,
      },
    ],
  },
];
const push = (over: Partial<PushState> = {}): PushState => ({
  source_id: id,
  start_position: 100,
  end_position: 200,
  batch_timestamp: NOW - 60_000,
  first_timestamp: NOW - 70_000,
  first_timestamp_status: 1,
  sequence_token: null,
  ...over,
});
const rows = (p: PushState) => ({
  stream: [{ k: 'app', v: pyJson({ source_id: id, initial_position: 0 }) }],
  push: [{ k: id, v: pyJson(p), mtime: '2026-11-25T09:59:00' }],
});

test('source id: md5(section + fingerprint lines with their line ends), ranges too', () => {
  assert.equal(sourceIdOf('app', head, undefined), id);
  const three = 'a\nb\nc\n';
  assert.equal(sourceIdOf('s', three, '2-3'), createHash('md5').update('sb\nc\n').digest('hex'));
  assert.equal(sourceIdOf('s', '', '1'), undefined);
});

test('a healthy row: positions against the file size, batch age, not stale', () => {
  const [v] = viewState(rows(push()), [section], logs, NOW);
  assert.equal(v?.sourceId, id);
  assert.equal(v?.unsentBytes, 300);
  assert.equal(v?.batchAgeMs, 60_000);
  assert.equal(v?.stale, false);
});

test('a row whose replayed events were skipped "in future" against its batch_timestamp is stale', () => {
  const p = push({ batch_timestamp: NOW - 3 * HOUR });
  const skipped = [{ timestampMs: NOW - 60_000, start: 100, end: 150, atMs: NOW - 30_000 }];
  const [v] = viewState(rows(p), [section], logs, NOW, skipped);
  assert.equal(v?.stale, true);
  assert.match(v!.notes.join(' '), /stale.*1 event/);
});

test("a skip by another file's reader does not make this row stale", () => {
  const p = push({ batch_timestamp: NOW - 3 * HOUR, first_timestamp: NOW - 3 * HOUR });
  const skipped = [{ timestampMs: NOW - 60_000, start: 100, end: 150, atMs: NOW - 30_000, sourceId: 'f'.repeat(32) }];
  const [v] = viewState(rows(p), [section], logs, NOW, skipped);
  assert.equal(v?.stale, false);
});

test('a first_timestamp more than 2 h after batch_timestamp is stale even without log lines', () => {
  const [v] = viewState(
    rows(push({ batch_timestamp: NOW - 5 * HOUR, first_timestamp: NOW - HOUR })),
    [section],
    logs,
    NOW,
  );
  assert.equal(v?.stale, true);
});

test("lines ahead of the agent's own clock are not a stale state", () => {
  const p = push({ batch_timestamp: NOW - 60_000 });
  const skipped = [{ timestampMs: NOW + 3 * HOUR, start: 100, end: 150, atMs: NOW - 30_000 }];
  const [v] = viewState(rows(p), [section], logs, NOW, skipped);
  assert.equal(v?.stale, false);
  assert.match(v!.notes.join(' '), /ahead of the agent's own clock/);
});

test('no state: said so; a repaired row keeps every field but batch_timestamp', () => {
  const [v] = viewState({ push: [], stream: [] }, [section], logs, NOW);
  assert.match(v!.notes[0]!, /no state yet/);
  const p = push({ batch_timestamp: 1 });
  assert.deepEqual(repairedPushState(p, NOW), { ...p, batch_timestamp: NOW });
  assert.equal(pyJson({ a: 1, b: null }), '{"a": 1, "b": null}');
});
