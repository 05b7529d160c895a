import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamConfig } from '../../../../src/lab/agent/config.js';
import { DateTimeParser } from '../../../../src/lab/agent/datetime-parser.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';
import { BatchQueue, FileReader } from '../../../../src/lab/agent/reader.js';
import type { PushState } from '../../../../src/lab/agent/state.js';

const NOW = Date.UTC(2020, 10, 5, 10);

function streamConfig(over: Partial<StreamConfig> = {}): StreamConfig {
  return {
    key: 's',
    file: '',
    fingerprintLines: { start: 1, end: 1 },
    logGroupName: 'g',
    logStreamName: 's',
    timeZone: 'UTC',
    bufferDuration: 5000,
    initialPosition: 'start_of_file',
    encoding: 'utf_8',
    multiLineStart: { pattern: '^[^\\s]', fromDatetimeFormat: false, python: '2.7' },
    batchCount: 1000,
    batchSize: 32768,
    ...over,
  };
}

function setup(
  content: string,
  over: Partial<StreamConfig> = {},
  push?: PushState,
): { reader: FileReader; queue: BatchQueue; file: string; logText: () => string; clock: { now: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-reader-'));
  const file = join(dir, 'app.log');
  writeFileSync(file, content);
  const logFile = join(dir, 'awslogs.log');
  const log = new AgentLog(logFile);
  const queue = new BatchQueue();
  const clock = { now: NOW };
  const reader = new FileReader(
    'src',
    file,
    streamConfig(over),
    push,
    { source_id: 'src', initial_position: 0 },
    queue,
    {
      reader: log.logger('cwlogs.push.reader'),
      event: log.logger('cwlogs.push.event'),
      batch: log.logger('cwlogs.push.batch'),
    },
    () => clock.now,
  );
  reader.open();
  return { reader, queue, file, logText: () => readFileSync(logFile, 'utf8'), clock };
}

const messages = (q: BatchQueue): string[] => q.items.flatMap((b) => b.events.map((e) => e.message));

test('default pattern: indented lines join the event before them', () => {
  const { reader, queue, clock } = setup('first\n  at a\n  at b\nsecond\n');
  reader.step();
  clock.now += 5000;
  reader.step();
  assert.deepEqual(messages(queue), ['first\n  at a\n  at b', 'second']);
  const [a, b] = queue.items[0]!.events;
  assert.deepEqual([a!.startPosition, a!.endPosition, b!.startPosition, b!.endPosition], [0, 20, 20, 27]);
});

test('{datetime_format} pattern: a line holding a timestamp starts an event (case-insensitive)', () => {
  const parser = new DateTimeParser('%b %d %H:%M:%S', 'UTC', () => new Date(NOW));
  const { reader, queue, clock } = setup('nov 05 09:00:00 boom\nTraceback\nNov 05 09:00:01 ok\n', {
    dateTimeParser: parser,
    multiLineStart: { pattern: parser.compiled.source, fromDatetimeFormat: true, python: '2.7' },
  });
  reader.step();
  clock.now += 5000;
  reader.step();
  assert.deepEqual(messages(queue), ['nov 05 09:00:00 boom\nTraceback', 'Nov 05 09:00:01 ok']);
  assert.equal(queue.items[0]!.events[0]!.timestamp, Date.UTC(2020, 10, 5, 9));
});

test('a partial last line waits for its newline; CRLF is stripped', () => {
  const { reader, queue, file, clock } = setup('one\r\ntw');
  reader.step();
  appendFileSync(file, 'o\n');
  reader.step();
  clock.now += 5000;
  reader.step();
  assert.deepEqual(messages(queue), ['one', 'two']);
});

test('unparsable timestamps fall back to the previous event time, else to now, with warnings', () => {
  const parser = new DateTimeParser('%Y-%m-%d %H:%M:%S', 'UTC');
  const { reader, queue, clock, logText } = setup('no time\n2020-11-05 09:00:00 a\nstill none\n', {
    dateTimeParser: parser,
  });
  reader.step();
  clock.now += 5000;
  reader.step();
  const ts = queue.items[0]!.events.map((e) => e.timestamp);
  assert.deepEqual(ts, [NOW, Date.UTC(2020, 10, 5, 9), Date.UTC(2020, 10, 5, 9)]);
  assert.match(
    logText(),
    /cwlogs\.push\.reader - WARNING - .* - Fall back to current time: \{'timestamp': \d+, 'start_position': 0, 'end_position': 8\}, reason: timestamp could not be parsed from message\. \n/,
  );
  assert.match(
    logText(),
    /Fall back to previous event time: \{'timestamp': 1604566800000, 'start_position': 30, 'end_position': 41\}, previousEventTime: 1604566800000, reason: timestamp could not be parsed from message\.\n/,
  );
});

test('batch_count splits a burst into several batches', () => {
  const { reader, queue, clock } = setup('a\nb\nc\nd\ne\n', { batchCount: 2 });
  reader.step();
  clock.now += 5000;
  reader.step();
  assert.deepEqual(
    queue.items.map((b) => b.events.length),
    [2, 2, 1],
  );
});

test('with a push_state row: replay from start_position to end_position against the saved batch_timestamp', () => {
  const saved = NOW - 5 * 3_600_000;
  const content = '2020-11-05 10:00:00 a\n2020-11-05 10:00:01 b\n2020-11-05 10:00:02 new\n';
  const { reader, queue, logText, clock } = setup(
    content,
    { dateTimeParser: new DateTimeParser('%Y-%m-%d %H:%M:%S', 'UTC') },
    {
      source_id: 'src',
      start_position: 0,
      end_position: 44,
      batch_timestamp: saved,
      first_timestamp: NOW,
      first_timestamp_status: 1,
      sequence_token: 'tok',
    },
  );
  reader.step();
  clock.now += 5000;
  reader.step();
  // Both replayed events are > 2 h after the saved reference: skipped; the new one is checked against now.
  assert.deepEqual(messages(queue), ['2020-11-05 10:00:02 new']);
  assert.equal(queue.items[0]!.isReplay, false);
  const skips = logText().match(/Skip event: .*, reason: timestamp is more than 2 hours in future\./g) ?? [];
  assert.equal(skips.length, 2);
  assert.match(logText(), /Replay events end at 44\./);
});

test('exiting (rotation): the reader sends what is left and stops', () => {
  const { reader, queue } = setup('a\nb\n');
  reader.exiting = true;
  reader.step();
  assert.deepEqual(messages(queue), ['a', 'b']);
  assert.equal(reader.alive, false);
});

test('encoding: latin_1 is decoded; undecodable UTF-8 is replaced with a warning', () => {
  const { reader, queue, file, clock } = setup('', { encoding: 'latin_1' });
  writeFileSync(file, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  reader.step();
  clock.now += 5000;
  reader.step();
  assert.deepEqual(messages(queue), ['café']);
  const utf = setup('');
  writeFileSync(utf.file, Buffer.from([0x62, 0xff, 0x0a]));
  utf.reader.step();
  utf.clock.now += 5000;
  utf.reader.step();
  assert.deepEqual(messages(utf.queue), ['b\ufffd']);
  assert.match(utf.logText(), /Decode event with replace: .*, reason: unable to decode with utf_8\./);
});
