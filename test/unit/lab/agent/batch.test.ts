import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBatch, MAX_IN_FUTURE, MAX_IN_PAST } from '../../../../src/lab/agent/batch.js';
import { LogEvent, MAX_EVENT_SIZE } from '../../../../src/lab/agent/event.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';

function setup(): { log: AgentLog; text: () => string } {
  const file = join(mkdtempSync(join(tmpdir(), 'agent-batch-')), 'awslogs.log');
  return { log: new AgentLog(file), text: () => (existsSync(file) ? readFileSync(file, 'utf8') : '') };
}

const NOW = Date.UTC(2020, 10, 5, 10);

function event(log: AgentLog, message: string, ts: number, start = 0): LogEvent {
  const e = new LogEvent('src', start, start + message.length + 1, log.logger('cwlogs.push.event'));
  e.appendLine(message);
  e.timestamp = ts;
  e.complete(undefined, () => NOW);
  return e;
}

function batch(log: AgentLog, count = 1000, size = 32768, now = NOW): EventBatch {
  return new EventBatch(5000, count, size, log.logger('cwlogs.push.batch', 'Thread-4'), () => now);
}

test('an event counts its UTF-8 bytes + 26; joined lines count +1 each', () => {
  const { log } = setup();
  const e = event(log, 'héllo', NOW);
  assert.equal(e.sizeInBytes, 6 + 26);
  e.appendLine('x');
  assert.equal(e.sizeInBytes, 6 + 26 + 2);
  assert.equal(e.message, 'héllo\nx');
});

test('batch_count: the event after the last that fits makes the batch full', () => {
  const { log } = setup();
  const b = batch(log, 2);
  assert.equal(b.add(event(log, 'a', NOW)), 'added');
  assert.equal(b.add(event(log, 'b', NOW)), 'added');
  assert.equal(b.add(event(log, 'c', NOW)), 'full');
  assert.equal(b.forcePublish, true);
  assert.equal(b.shouldPublish(), true);
});

test('batch_size counts message bytes + 26 per event', () => {
  const { log } = setup();
  const b = batch(log, 1000, 2 * (10 + 26));
  assert.equal(b.add(event(log, '0123456789', NOW)), 'added');
  assert.equal(b.add(event(log, '0123456789', NOW)), 'added');
  assert.equal(b.add(event(log, '0', NOW)), 'full');
});

test('a batch spans at most 24 hours', () => {
  const { log } = setup();
  const b = batch(log);
  assert.equal(b.add(event(log, 'a', NOW - 24 * 3_600_000)), 'added');
  assert.equal(b.add(event(log, 'b', NOW)), 'added');
  assert.equal(b.add(event(log, 'c', NOW + 1)), 'full');
});

test('an event more than 2 h after the reference time is skipped with the agent wording', () => {
  const { log, text } = setup();
  const b = batch(log);
  const e = event(log, 'future', NOW + MAX_IN_FUTURE + 1, 61);
  assert.equal(b.add(e), 'invalid');
  assert.equal(b.events.length, 0);
  assert.match(
    text(),
    new RegExp(
      ` - cwlogs\\.push\\.batch - WARNING - \\d+ - Thread-4 - Skip event: \\{'timestamp': ${NOW + MAX_IN_FUTURE + 1}, 'start_position': 61, 'end_position': 68\\}, reason: timestamp is more than 2 hours in future\\.\\n$`,
    ),
  );
  assert.equal(b.add(event(log, 'edge', NOW + MAX_IN_FUTURE)), 'added');
});

test('an event more than 14 days before the reference time is skipped', () => {
  const { log, text } = setup();
  const b = batch(log);
  assert.equal(b.add(event(log, 'old', NOW - MAX_IN_PAST - 1)), 'invalid');
  assert.match(text(), /reason: timestamp is more than 14 days in past\.\n$/);
});

test('blank messages are dropped without a word', () => {
  const { log, text } = setup();
  const b = batch(log);
  assert.equal(b.add(event(log, '   ', NOW)), 'invalid');
  assert.equal(text(), '');
});

test('a replay batch uses the saved batch_timestamp as its reference and is due at the last replayed event', () => {
  const { log } = setup();
  const b = batch(log);
  const saved = NOW - 5 * 3_600_000;
  const old = event(log, 'replayed', NOW);
  old.replay = { isLastReplay: false, batchTimestamp: saved, sequenceToken: 't1' };
  assert.equal(b.add(old), 'invalid'); // 5 h after the saved reference: "in future"
  const ok = event(log, 'replayed', saved + 1000);
  ok.replay = { isLastReplay: true, batchTimestamp: saved, sequenceToken: 't1' };
  assert.equal(b.add(ok), 'added');
  assert.equal(b.batchTimestamp, saved);
  assert.equal(b.sequenceToken, 't1');
  assert.equal(b.shouldPublish(), true);
  // A new event is checked against the replay batch's reference first (as in the agent)…
  assert.equal(b.add(event(log, 'new', NOW)), 'invalid');
  // …and replay and new events never mix.
  assert.equal(b.add(event(log, 'new', saved + 2000)), 'full');
});

test('a new batch is due buffer_duration after its first event', () => {
  const { log } = setup();
  let now = NOW;
  const b = new EventBatch(5000, 1000, 32768, log.logger('cwlogs.push.batch'), () => now);
  b.add(event(log, 'a', NOW));
  now += 4999;
  assert.equal(b.shouldPublish(), false);
  now += 1;
  assert.equal(b.shouldPublish(), true);
});

test('an event over 256 KiB becomes "[TRUNCATED MESSAGE] N bytes are truncated."', () => {
  const { log, text } = setup();
  const big = 'x'.repeat(MAX_EVENT_SIZE);
  const e = event(log, big, NOW);
  assert.equal(e.message, `[TRUNCATED MESSAGE] ${MAX_EVENT_SIZE} bytes are truncated.`);
  assert.match(
    text(),
    /cwlogs\.push\.event - WARNING - .* - Truncate event: .*, reason: single event exceeds size limit\./,
  );
});
