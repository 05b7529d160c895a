import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamConfig } from '../../../../src/lab/agent/config.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';
import { Publisher } from '../../../../src/lab/agent/publisher.js';
import { StateStore, type StreamState } from '../../../../src/lab/agent/state.js';
import { fingerprint, Stream } from '../../../../src/lab/agent/stream.js';

function setup(pattern: string, over: Partial<StreamConfig> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-stream-'));
  const logFile = join(dir, 'awslogs.log');
  const log = new AgentLog(logFile);
  const state = new StateStore(join(dir, 'state'));
  const config: StreamConfig = {
    key: 'app',
    file: join(dir, pattern),
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
  const stream = new Stream(
    config,
    state,
    { stream: log.logger('cwlogs.push.stream') },
    {
      publisher: () => ({}) as Publisher,
      readerLoggers: () => ({
        reader: log.logger('cwlogs.push.reader'),
        event: log.logger('cwlogs.push.event'),
        batch: log.logger('cwlogs.push.batch'),
      }),
    },
  );
  return { dir, stream, state, logText: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') };
}

test('source id = md5(section name + fingerprint lines)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-fp-'));
  const f = join(dir, 'a.log');
  writeFileSync(f, 'one\ntwo\nthree\n');
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  assert.equal(fingerprint('app', f, { start: 1, end: 1 }), md5('appone\n'));
  assert.equal(fingerprint('app', f, { start: 2, end: 3 }), md5('apptwo\nthree\n'));
  assert.equal(fingerprint('app', f, { start: 4, end: 4 }), undefined);
  writeFileSync(f, '');
  assert.equal(fingerprint('app', f, { start: 1, end: 1 }), undefined);
});

test('no match: the agent warning; archives are ignored; the newest match is read', () => {
  const { dir, stream, logText } = setup('app*');
  stream.refresh();
  assert.match(logText(), new RegExp(`No file is found with given path '${dir}/app\\*'\\.`));
  writeFileSync(join(dir, 'app.1'), 'old\n');
  utimesSync(join(dir, 'app.1'), new Date(1000), new Date(1000));
  writeFileSync(join(dir, 'app.2.gz'), 'zipped\n');
  writeFileSync(join(dir, 'app.2'), 'new\n');
  utimesSync(join(dir, 'app.2'), new Date(2000), new Date(2000));
  stream.refresh();
  assert.match(logText(), /Ignoring archived\/compressed file '.*app\.2\.gz'\./);
  assert.equal([...stream.readers.values()][0]!.file, join(dir, 'app.2'));
});

test('stream_state is saved once: end_of_file starts at the size of the first file', () => {
  const { dir, stream, state } = setup('app.log', { initialPosition: 'end_of_file' });
  writeFileSync(join(dir, 'app.log'), 'already there\n');
  stream.refresh();
  const st = state.get<StreamState>('stream_state', 'app')!;
  assert.equal(st.initial_position, 14);
  assert.equal(st.source_id, stream.sourceId);
});

test('rotation: the old reader finishes the old file, then a reader starts on the new one from 0', () => {
  const { dir, stream, logText } = setup('app.log');
  const file = join(dir, 'app.log');
  writeFileSync(file, 'first file\n');
  stream.refresh();
  const oldId = stream.sourceId!;
  const oldReader = stream.readers.get(oldId)!;
  oldReader.step();
  appendFileSync(file, 'last of old\n');
  renameSync(file, join(dir, 'app.log.1'));
  writeFileSync(file, 'second file\n');
  stream.refresh();
  assert.match(logText(), /cwlogs\.push\.stream - INFO - .* - Detected file rotation, notifying reader\n/);
  assert.match(logText(), /Reader is still alive\./);
  oldReader.step(); // reads "last of old", sends, leaves
  assert.equal(oldReader.alive, false);
  stream.refresh();
  assert.match(logText(), /Removing dead reader/);
  assert.notEqual(stream.sourceId, oldId);
  const messages = stream.queue.items.flatMap((b) => b.events.map((e) => e.message));
  assert.deepEqual(messages, ['first file', 'last of old']);
  assert.match(logText(), /Start reading file from 0\.\n$/);
});
