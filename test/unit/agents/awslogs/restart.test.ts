// The restart discipline's decisions: which batch a restart replays, how it is recognised in CloudWatch Logs,
// and what becomes of its row (trimmed, left, or named as a possible duplicate); a reset's resume positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  identify,
  judge,
  pendingReplays,
  resumeRows,
  rowTime,
  trimmedRow,
  WRITE_TIME_SLACK_MS,
  type ReadLog,
  type ReplaySection,
} from '../../../../src/agents/awslogs/restart.js';
import type { PushState } from '../../../../src/agents/awslogs/state-rows.js';

const FILE = ['2026-12-01 10:00:00 one', '2026-12-01 10:00:01 two', '2026-12-01 10:00:02 three', ''].join('\n');
const bytes = Buffer.from(FILE);
const endOf = (line: string) => FILE.indexOf(line) + line.length + 1;
const sourceId = createHash('md5')
  .update(Buffer.concat([Buffer.from('app'), bytes.subarray(0, endOf('2026-12-01 10:00:00 one'))]))
  .digest('hex');
const push = (start: number, end: number): PushState => ({
  source_id: sourceId,
  start_position: start,
  end_position: end,
  batch_timestamp: Date.UTC(2026, 11, 1, 10, 0, 5),
  first_timestamp: Date.UTC(2026, 11, 1, 10, 0, 1),
  first_timestamp_status: 1,
  sequence_token: null,
});
const row = (p: PushState, mtime = '2026-12-01T10:00:06') => ({ k: p.source_id, v: JSON.stringify(p), mtime });
const log = (offset = 0): ReadLog => ({
  path: '/var/log/app.log',
  size: bytes.length,
  head: bytes,
  window: { offset, bytes: bytes.subarray(offset) },
});
const section = (l: ReadLog | null = log()): ReplaySection => ({
  section: 'app',
  group: '/app',
  stream: 'web1',
  ...(l ? { log: l } : {}),
});
const batch = push(endOf('2026-12-01 10:00:00 one'), bytes.length);

test('the replayed batch is the row of the file the agent reads (its source id); its last line identifies it', () => {
  const [r] = pendingReplays([row(batch), row({ ...batch, source_id: 'f'.repeat(32) })], [section()]);
  assert.equal(r?.sourceId, sourceId);
  assert.equal(r?.lastLine, '2026-12-01 10:00:02 three');
  assert.equal(r?.unidentified, undefined);
  assert.equal(r?.writtenAtMs, rowTime('2026-12-01T10:00:06'));
  // A row that replays nothing (already trimmed), or a file without its row: nothing to decide.
  assert.deepEqual(pendingReplays([row(trimmedRow(batch))], [section()]), []);
  assert.deepEqual(pendingReplays([row(batch)], [section(null)]), []);
});

test('a batch before the bytes read asks for them; a repeated or blank last line cannot tell the batch', () => {
  const [far] = pendingReplays([row(batch)], [section(log(bytes.length - 10))]);
  assert.deepEqual(far?.read, { path: '/var/log/app.log', from: batch.start_position, to: batch.end_position });
  const filled = identify(far!, log(bytes.length - 10), undefined, {
    from: batch.start_position,
    bytes: bytes.subarray(batch.start_position),
  });
  assert.equal(filled.lastLine, '2026-12-01 10:00:02 three');
  const repeated = Buffer.from('x\nsame\nsame\n');
  const l: ReadLog = { path: 'f', size: repeated.length, head: repeated, window: { offset: 0, bytes: repeated } };
  const r = identify(
    { ...pendingReplays([], [])[0]!, section: 'app', group: 'g', stream: 's', sourceId, push: push(7, 12) },
    l,
  );
  assert.match(r.unidentified ?? '', /also ends an earlier line/);
  assert.match(judge(r, { events: [] }).reason, /cannot be told/);
  assert.equal(judge(r, { events: [] }).verdict, 'unknown');
});

test('judge: in the stream and ingested after the row was written → arrived; absent → missing; not asked → unknown', () => {
  const [r] = pendingReplays([row(batch)], [section()]);
  const written = rowTime('2026-12-01T10:00:06')!;
  const message = '2026-12-01 10:00:01 two\n2026-12-01 10:00:02 three';
  assert.equal(judge(r!, { events: [{ message, timestamp: 1, ingestionTime: written + 500 }] }, 0).verdict, 'arrived');
  assert.equal(judge(r!, { events: [{ message: 'other', timestamp: 1 }] }, 0).verdict, 'missing');
  assert.equal(judge(r!, { streamMissing: true }, 0).verdict, 'missing');
  // The same line ingested long before the row was written is not this batch.
  const old = judge(r!, { events: [{ message, timestamp: 1, ingestionTime: written - WRITE_TIME_SLACK_MS - 1 }] }, 0);
  assert.equal(old.verdict, 'missing');
  // The host's clock 10 min ahead: its write time is read on this machine's clock.
  assert.equal(
    judge(r!, { events: [{ message, timestamp: 1, ingestionTime: written - 600_000 + 500 }] }, 600_000).verdict,
    'arrived',
  );
  const asked = judge(r!, { error: 'AccessDenied' });
  assert.equal(asked.verdict, 'unknown');
  assert.match(asked.reason, /could not be asked.*AccessDenied/);
  assert.equal(trimmedRow(batch).start_position, batch.end_position);
});

test('reset: resume after an arrived batch, at the start of one that did not, and keep stream_state otherwise', () => {
  const [r] = pendingReplays([row(batch)], [section()]);
  const arrived = judge(r!, { events: [{ message: '2026-12-01 10:00:02 three', timestamp: 1 }] });
  const missing = judge(r!, { events: [] });
  assert.deepEqual(resumeRows([row(batch)], [], [section()], [arrived]), [
    { key: 'app', value: { source_id: sourceId, initial_position: batch.end_position } },
  ]);
  assert.deepEqual(resumeRows([row(batch)], [], [section()], [missing]), [
    { key: 'app', value: { source_id: sourceId, initial_position: batch.start_position } },
  ]);
  assert.deepEqual(resumeRows([row(trimmedRow(batch))], [], [section()], []), [
    { key: 'app', value: { source_id: sourceId, initial_position: batch.end_position } },
  ]);
  const kept = { k: 'app', v: JSON.stringify({ source_id: sourceId, initial_position: 7 }) };
  assert.deepEqual(resumeRows([], [kept], [section()], []), [
    { key: 'app', value: { source_id: sourceId, initial_position: 7 } },
  ]);
});
