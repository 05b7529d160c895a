// The read positions' seeding, both ways, on files and states built here: where each agent starts in the current
// file, which rotated files are drained and from where, what may arrive twice or is lost; and the seeds in each
// agent's format, read back with the readers the stand-ins use (parseStateFile; the awslogs rows' JSON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, type StateRow } from '../../../../../src/agents/awslogs/restart.js';
import { sourceIdOf } from '../../../../../src/agents/awslogs/source-id.js';
import type { PushState, StreamState } from '../../../../../src/agents/awslogs/state-rows.js';
import { parseStateFile, stateFilePath } from '../../../../../src/agents/cloudwatch-agent/state-folder.js';
import {
  awslogsSeed,
  batchesToAsk,
  cloudwatchStateFiles,
  drainEntries,
  drainLinks,
  planBack,
  planForward,
  type ObservedFile,
  type SeedLog,
} from '../../../../../src/agents/cloudwatch-agent/from-awslogs/index.js';

const SECTION = 'app';
const lines = (from: number, to: number, tag = 'app') =>
  Array.from(
    { length: to - from + 1 },
    (_, i) => `2026-11-25 10:00:${String(from + i).padStart(2, '0')} ${tag} line ${from + i}\n`,
  ).join('');
/** Byte offset where line `n` (1-based) of `text` starts. */
const at = (text: string, n: number) =>
  Buffer.byteLength(
    text
      .split('\n')
      .slice(0, n - 1)
      .join('\n') + (n > 1 ? '\n' : ''),
  );

let inode = 100;
function file(path: string, text: string, extra: Partial<ObservedFile> = {}): ObservedFile {
  const bytes = Buffer.from(text);
  return {
    path,
    size: bytes.length,
    mtimeMs: Date.UTC(2026, 10, 25, 10),
    inode: ++inode,
    current: false,
    head: bytes.subarray(0, 4096),
    window: { offset: 0, bytes },
    ...extra,
  };
}

function log(files: ObservedFile[], extra: Partial<SeedLog> = {}): SeedLog {
  return { section: SECTION, group: '/app', stream: 'i-0abc', files, ...extra };
}

function pushRow(f: ObservedFile, start: number, end: number, mtime = '2026-11-25T10:01:00'): StateRow {
  const id = sourceIdOf(SECTION, f.head, undefined)!;
  const v: PushState = {
    source_id: id,
    start_position: start,
    end_position: end,
    batch_timestamp: Date.UTC(2026, 10, 25, 10, 1),
    first_timestamp: Date.UTC(2026, 10, 25, 10, 0, start === 0 ? 1 : 6),
    first_timestamp_status: 1,
    sequence_token: null,
  };
  return { k: id, v: JSON.stringify(v), ctime: mtime, mtime };
}

function streamRow(sourceId: string, initial: number): StateRow {
  const v: StreamState = { source_id: sourceId, initial_position: initial };
  return { k: SECTION, v: JSON.stringify(v) };
}

const TEXT = lines(1, 10);
const BATCH = { start: at(TEXT, 6), end: at(TEXT, 10) }; // lines 6–9 handed to the publisher last

/** The forward plan of one current file whose last batch CloudWatch Logs does (not) hold. */
function forward(messages: string[] | { error: string }, onUnknown?: 'resend' | 'skip') {
  const current = file('/var/log/app.log', TEXT, { current: true });
  const state = { push: [pushRow(current, BATCH.start, BATCH.end)], stream: [] };
  const logs = [log([current])];
  const asked = batchesToAsk(state, logs);
  assert.equal(asked.length, 1);
  assert.equal(asked[0]!.replay.lastLine, '2026-11-25 10:00:09 app line 9');
  const evidence = Array.isArray(messages)
    ? { events: messages.map((message) => ({ message, timestamp: 0, ingestionTime: Date.UTC(2026, 10, 25, 10, 2) })) }
    : messages;
  const judged = asked.map((a) => judge(a.replay, evidence, 0));
  return planForward(state, logs, judged, onUnknown ? { onUnknown } : {})[0]!;
}

test('forward: the last batch arrived → the CloudWatch agent starts after it', () => {
  const plan = forward(['2026-11-25 10:00:09 app line 9']);
  assert.equal(plan.current?.offset, BATCH.end);
  assert.deepEqual(plan.drains, []);
  assert.deepEqual(plan.mayDuplicate, []);
});

test('forward: the last batch never arrived (push_state is written before the send) → it is sent by the new agent', () => {
  const plan = forward(['2026-11-25 10:00:05 app line 5']);
  assert.equal(plan.current?.offset, BATCH.start);
  assert.deepEqual(plan.mayDuplicate, []);
});

test('forward: CloudWatch Logs cannot be asked → sent again and said (or, with skip, not sent and said)', () => {
  const resend = forward({ error: 'AccessDenied' });
  assert.equal(resend.current?.offset, BATCH.start);
  assert.deepEqual(
    resend.mayDuplicate.map((r) => [r.from, r.to]),
    [[BATCH.start, BATCH.end]],
  );
  const skip = forward({ error: 'AccessDenied' }, 'skip');
  assert.equal(skip.current?.offset, BATCH.end);
  assert.match(skip.notes.join(), /may be lost/);
});

test('forward: a row that replays nothing (trimmed by the restart discipline, or seeded) is the position as it is', () => {
  const current = file('/var/log/app.log', TEXT, { current: true });
  const state = { push: [pushRow(current, BATCH.end, BATCH.end)], stream: [] };
  assert.deepEqual(batchesToAsk(state, [log([current])]), []);
  assert.equal(planForward(state, [log([current])], [])[0]!.current?.offset, BATCH.end);
});

test('forward: a file without a push_state row starts where awslogs would start it', () => {
  const current = file('/var/log/app.log', TEXT, { current: true });
  const id = sourceIdOf(SECTION, current.head, undefined)!;
  const start = (stream: StateRow[], extra: Partial<SeedLog> = {}) =>
    planForward({ push: [], stream }, [log([current], extra)], [])[0]!.current!.offset;
  assert.equal(start([streamRow(id, 42)]), 42, 'stream_state of this very file');
  assert.equal(start([streamRow('another file', 42)]), 0, 'awslogs read an earlier file: this one from its start');
  assert.equal(start([]), 0, 'never read, start_of_file');
  assert.equal(start([], { initialPosition: 'end_of_file' }), current.size, 'never read, end_of_file: its end now');
});

test('forward: a file replaced under its name (shorter than the position) is read from its start', () => {
  const old = file('/var/log/app.log', TEXT);
  const now = file('/var/log/app.log', TEXT.slice(0, at(TEXT, 3)), { current: true, head: old.head });
  const plan = planForward({ push: [pushRow(old, BATCH.end, BATCH.end)], stream: [] }, [log([now])], [])[0]!;
  assert.equal(plan.current?.offset, 0);
  assert.match(plan.notes.join(), /replaced/);
});

test('forward: rotated while neither agent ran → the rotated remainder is drained, the new file read from its start', () => {
  const rotated = file('/var/log/app.log.1', TEXT, { mtimeMs: Date.UTC(2026, 10, 25, 10, 1) });
  const current = file('/var/log/app.log', lines(11, 12), { current: true, mtimeMs: Date.UTC(2026, 10, 25, 10, 2) });
  const older = file('/var/log/app.log.2', lines(1, 3, 'old'), { mtimeMs: Date.UTC(2026, 10, 24) });
  const state = {
    push: [pushRow(rotated, BATCH.end, BATCH.end), pushRow(older, 0, 10, '2026-11-24T10:00:00')],
    stream: [],
  };
  const plan = planForward(state, [log([current, rotated, older])], [])[0]!;
  assert.equal(plan.current?.offset, 0);
  assert.deepEqual(
    plan.drains.map((d) => [d.path, d.offset, d.size, d.inode]),
    [['/var/log/app.log.1', BATCH.end, rotated.size, rotated.inode]],
    'the file awslogs read last is drained from its position; an older file is not resurrected',
  );

  // The seed in the CloudWatch agent's format, read back as the stand-in reads it.
  const links = drainLinks([plan], 'run-1');
  assert.equal(links[0]!.link, '/var/lib/awslogs-provision/drain/run-1/1-app.log.1');
  const files = cloudwatchStateFiles([plan], links);
  assert.deepEqual(
    files.map((f) => [f.stateFile, parseStateFile(f.content).offset, parseStateFile(f.content).path, f.inode]),
    [
      [stateFilePath('/var/log/app.log'), 0, '/var/log/app.log', current.inode],
      [stateFilePath(links[0]!.link), BATCH.end, links[0]!.link, rotated.inode],
    ],
  );
  assert.deepEqual(parseStateFile(files[1]!.content).ranges, [{ from: 0, to: BATCH.end }]);
  const entry = { file_path: '/var/log/app.log', log_group_name: '/app', timestamp_format: '%Y' };
  assert.deepEqual(
    drainEntries(links, (s) => (s === SECTION ? entry : undefined)),
    [{ ...entry, file_path: links[0]!.link }],
  );
});

test('forward: rotated twice while neither ran → the file awslogs never saw is drained whole; a compressed one is lost', () => {
  const last = file('/var/log/app.log.2', TEXT, { mtimeMs: Date.UTC(2026, 10, 25, 10, 1) });
  const unseen = file('/var/log/app.log.1', lines(11, 14), { mtimeMs: Date.UTC(2026, 10, 25, 10, 2) });
  const current = file('/var/log/app.log', lines(15, 16), { current: true, mtimeMs: Date.UTC(2026, 10, 25, 10, 3) });
  const state = { push: [pushRow(last, BATCH.end, BATCH.end)], stream: [] };
  const plan = planForward(state, [log([current, unseen, last])], [])[0]!;
  assert.deepEqual(
    plan.drains.map((d) => [d.path, d.offset]),
    [
      ['/var/log/app.log.2', BATCH.end],
      ['/var/log/app.log.1', 0],
    ],
  );
  const gz = { ...unseen, path: '/var/log/app.log.1.gz', compressed: true };
  const lost = planForward(state, [log([current, gz, last])], [])[0]!;
  assert.deepEqual(
    lost.lost.map((l) => l.path),
    ['/var/log/app.log.1.gz'],
  );
});

test('back: the CloudWatch agent position → a push_state row that replays nothing and a stream_state row', () => {
  const current = file('/var/log/app.log', TEXT, { current: true });
  const logs = [log([current])];
  const plan = planBack([{ path: current.path, offset: BATCH.end, inode: current.inode }], logs)[0]!;
  assert.equal(plan.current?.offset, BATCH.end);
  const seed = awslogsSeed([plan], logs, [], () => undefined, Date.UTC(2026, 11, 1));
  const id = sourceIdOf(SECTION, current.head, undefined)!;
  assert.deepEqual(
    seed.push.map((r) => r.k),
    [id],
  );
  const push = JSON.parse(seed.push[0]!.v) as PushState;
  assert.equal(push.start_position, BATCH.end);
  assert.equal(push.end_position, BATCH.end);
  assert.equal(push.sequence_token, null);
  assert.match(seed.push[0]!.v, /^\{"source_id": "[0-9a-f]{32}", "start_position": \d+, "end_position": \d+, /);
  assert.deepEqual(seed.stream, [{ k: SECTION, v: `{"source_id": "${id}", "initial_position": ${BATCH.end}}` }]);
});

test('back: the path holds a new file (rotated after the CloudWatch agent stopped) → the old one, found by inode, is drained', () => {
  const rotated = file('/var/log/app.log.1', TEXT);
  const current = file('/var/log/app.log', lines(11, 12), { current: true });
  const logs = [log([current, rotated])];
  const plan = planBack([{ path: '/var/log/app.log', offset: BATCH.start, inode: rotated.inode }], logs)[0]!;
  assert.equal(plan.current?.offset, 0);
  assert.deepEqual(
    plan.drains.map((d) => [d.path, d.offset]),
    [['/var/log/app.log.1', BATCH.start]],
  );
  const links = drainLinks([plan], 'run-2');
  const base = { section: SECTION, file: '/var/log/app.log', log_group_name: '/app', log_stream_name: 'x' };
  const seed = awslogsSeed([plan], logs, links, () => base, Date.UTC(2026, 11, 1));
  assert.deepEqual(seed.drainSections, [
    { ...base, section: 'app (drain 1)', file: links[0]!.link, initial_position: 'start_of_file' },
  ]);
  const drainId = sourceIdOf('app (drain 1)', rotated.head, undefined)!;
  assert.equal(JSON.parse(seed.push.find((r) => r.k === drainId)!.v).start_position, BATCH.start);
  assert.ok(seed.stream.some((r) => r.k === 'app (drain 1)'));
});

test('back: no position (nothing arrived) and a shorter file (replaced) both start at 0; an unfinished earlier match is drained', () => {
  const current = file('/var/log/app/b.log', TEXT, { current: true });
  const earlier = file('/var/log/app/a.log', lines(1, 5));
  const logs = [log([current, earlier])];
  assert.equal(planBack([], logs)[0]!.current?.offset, 0);
  const replaced = planBack([{ path: current.path, offset: current.size + 5 }], logs)[0]!;
  assert.equal(replaced.current?.offset, 0);
  assert.match(replaced.notes.join(), /replaced/);
  const plan = planBack([{ path: earlier.path, offset: 10, inode: earlier.inode }], logs)[0]!;
  assert.deepEqual(
    plan.drains.map((d) => [d.path, d.offset]),
    [['/var/log/app/a.log', 10]],
  );
});

test('back: a file with fewer lines than file_fingerprint_lines cannot be seeded: said, with what may arrive twice', () => {
  const current = file('/var/log/app.log', lines(1, 2), { current: true });
  const logs = [log([current], { fingerprintLines: '1-3' })];
  const plan = planBack([{ path: current.path, offset: 20, inode: current.inode }], logs)[0]!;
  const seed = awslogsSeed([plan], logs, [], () => undefined, 0);
  assert.deepEqual(seed.push, []);
  assert.match(seed.unseeded[0]!.reason, /bytes 0-20 may arrive twice/);
});
