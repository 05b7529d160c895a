import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBatch } from '../../../../src/lab/agent/batch.js';
import { CallError, type InputEvent, type LogsApi } from '../../../../src/lab/agent/client.js';
import { LogEvent } from '../../../../src/lab/agent/event.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';
import { Publisher, PublisherDied } from '../../../../src/lab/agent/publisher.js';
import { BatchQueue } from '../../../../src/lab/agent/reader.js';
import type { PushState } from '../../../../src/lab/agent/state.js';

const NOW = Date.now();

interface Call {
  op: string;
  events?: InputEvent[];
  token?: string | null;
}

function fakeApi(script: ((call: Call) => string | null | CallError)[]): { api: LogsApi; calls: Call[] } {
  const calls: Call[] = [];
  const next = (call: Call): unknown => {
    calls.push(call);
    const step = script.shift();
    const out = step ? step(call) : null;
    if (out instanceof CallError) throw out;
    return out;
  };
  return {
    calls,
    api: {
      putLogEvents: async (_g, _s, events, token) => next({ op: 'put', events, token }) as string | null,
      createLogGroup: async () => void next({ op: 'group' }),
      createLogStream: async () => void next({ op: 'stream' }),
    },
  };
}

function setup(api: LogsApi) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-pub-'));
  const logFile = join(dir, 'awslogs.log');
  const log = new AgentLog(logFile);
  const queue = new BatchQueue();
  const saved: PushState[] = [];
  const publisher = new Publisher({
    api,
    group: 'g',
    stream: 's',
    queue,
    record: (_id, st) => saved.push(st),
    log: { publisher: log.logger('cwlogs.push.publisher'), batch: log.logger('cwlogs.push.batch') },
    sleep: async () => {},
    stopping: () => false,
    signal: new AbortController().signal,
  });
  return { publisher, queue, saved, logText: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') };
}

function batchOf(messages: string[], replay?: { batchTimestamp: number; token: string | null }): EventBatch {
  const log = new AgentLog('/dev/null');
  const b = new EventBatch(5000, 1000, 32768, log.logger('b'), () => NOW);
  let pos = 0;
  messages.forEach((m, i) => {
    const e = new LogEvent('src', pos, pos + m.length + 1, log.logger('e'));
    pos += m.length + 1;
    e.appendLine(m);
    e.timestamp = NOW - (messages.length - i);
    e.complete(undefined, () => NOW);
    if (replay) {
      e.replay = {
        isLastReplay: i === messages.length - 1,
        batchTimestamp: replay.batchTimestamp,
        sequenceToken: replay.token,
      };
    }
    b.add(e);
  });
  b.forcePublish = true;
  return b;
}

const err = (code: string, message: string, retryable = false): CallError =>
  new CallError(code, `An error occurred (${code}) when calling the PutLogEvents operation: ${message}`, retryable);

test('an accepted batch is recorded with the token it was sent with; the next one uses the returned token', async () => {
  const { api, calls } = fakeApi([() => 'tok-1', () => 'tok-2']);
  const { publisher, queue, saved, logText } = setup(api);
  queue.items.push(batchOf(['a', 'b']), batchOf(['c']));
  await publisher.drain();
  assert.deepEqual(
    calls.map((c) => c.token),
    [null, 'tok-1'],
  );
  assert.deepEqual(
    saved.map((s) => [s.start_position, s.end_position, s.sequence_token, s.batch_timestamp, s.first_timestamp_status]),
    [
      [0, 4, null, NOW, 1],
      [0, 2, 'tok-1', NOW, 1],
    ],
  );
  assert.match(
    logText(),
    /Log group: g, log stream: s, queue size: \d+, Publish batch: \{'source_id': 'src', 'num_of_events': 2/,
  );
});

test('ResourceNotFound: the group and stream are created (AlreadyExists ignored), then the batch is sent', async () => {
  const { api, calls } = fakeApi([
    () => err('ResourceNotFoundException', 'The specified log group does not exist.'),
    () => new CallError('ResourceAlreadyExistsException', 'exists', false),
    () => null,
    () => 'tok',
  ]);
  const { publisher, queue, saved, logText } = setup(api);
  queue.items.push(batchOf(['a']));
  await publisher.drain();
  assert.deepEqual(
    calls.map((c) => c.op),
    ['put', 'group', 'stream', 'put'],
  );
  assert.equal(saved.length, 1);
  assert.match(logText(), /Caught exception: An error occurred \(ResourceNotFoundException\)/);
  assert.match(logText(), /cwlogs\.push\.batch - INFO - .* - Creating log group g\./);
});

test('InvalidSequenceToken: retried with the token the message names, with the agent warning', async () => {
  const { api, calls } = fakeApi([
    () =>
      err(
        'InvalidSequenceTokenException',
        'The given sequenceToken is invalid. The next expected sequenceToken is: 4958',
      ),
    () => 'next',
  ]);
  const { publisher, queue, logText } = setup(api);
  queue.items.push(batchOf(['a']));
  await publisher.drain();
  assert.deepEqual(
    calls.map((c) => c.token),
    [null, '4958'],
  );
  assert.match(logText(), /Multiple agents might be sending log events to log stream \(g s\)/);
  assert.equal(publisher.sequenceToken, 'next');
});

test('DataAlreadyAccepted: the batch is dropped (its row was written before the send) and the token from the message kept', async () => {
  const { api, calls } = fakeApi([
    () =>
      err(
        'DataAlreadyAcceptedException',
        'The given batch of log events has already been accepted. The next batch can be sent with sequenceToken: 777',
      ),
  ]);
  const { publisher, queue, saved } = setup(api);
  queue.items.push(batchOf(['a']));
  await publisher.drain();
  assert.equal(calls.length, 1);
  assert.equal(saved.length, 1);
  assert.equal(publisher.sequenceToken, '777');
});

test('push_state is written when the batch is handed over, before PutLogEvents: a failed send leaves the row', async () => {
  let savedAtCall = -1;
  const { publisher, queue, saved } = setup({
    putLogEvents: async () => {
      savedAtCall = saved.length;
      throw new CallError('EndpointConnectionError', 'Could not connect to the endpoint URL: "http://x/"', true);
    },
    createLogGroup: async () => undefined,
    createLogStream: async () => undefined,
  });
  queue.items.push(batchOf(['a', 'b']));
  await assert.rejects(publisher.drain(), PublisherDied);
  assert.equal(savedAtCall, 1, 'the row was there when the call went out');
  assert.deepEqual(
    saved.map((s) => [s.start_position, s.end_position]),
    [[0, 4]],
  );
});

test('an error botocore gave up on (connection, 5xx, credentials, access denied) kills the publisher: nothing more is sent', async () => {
  for (const e of [
    new CallError('EndpointConnectionError', 'Could not connect to the endpoint URL: "http://x/"', true),
    err('ServiceUnavailableException', 'down', true),
    err('AccessDeniedException', 'not authorized'),
    new CallError('NoCredentials', 'Unable to locate credentials', false),
  ]) {
    const { api, calls } = fakeApi([() => e, () => 'never']);
    const { publisher, queue, logText } = setup(api);
    queue.items.push(batchOf(['a']), batchOf(['b']));
    const died = await publisher.drain().then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(died instanceof PublisherDied, e.code);
    assert.equal(died.error, e);
    assert.equal(calls.length, 1, `${e.code}: one call, then the thread is gone`);
    assert.equal(publisher.died, died);
    assert.equal(queue.items.length, 1, 'the next batch stays queued');
    assert.equal(logText().match(/Caught exception: /g)?.length, 1);
    await publisher.drain();
    assert.equal(calls.length, 1, 'a dead publisher sends nothing');
  }
});

test('InvalidParameter: the batch is skipped with the agent wording', async () => {
  const { api } = fakeApi([() => err('InvalidParameterException', 'bad')]);
  const { publisher, queue, logText } = setup(api);
  queue.items.push(batchOf(['a']));
  await publisher.drain();
  assert.match(logText(), /Skip batch: \{'source_id': 'src'.*\}, reason: invalid parameter exception\./);
});

test("a replay batch is sent again with its saved token (today's CloudWatch Logs accepts it): the last batch twice", async () => {
  const { api, calls } = fakeApi([() => 'tok']);
  const { publisher, queue, saved } = setup(api);
  queue.items.push(batchOf(['a', 'b'], { batchTimestamp: NOW - 1000, token: 'old' }));
  await publisher.drain();
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.token, 'old');
  assert.deepEqual(
    calls[0]!.events!.map((e) => e.message),
    ['a', 'b'],
  );
  assert.deepEqual(
    saved.map((s) => [s.batch_timestamp, s.sequence_token]),
    [[NOW - 1000, 'old']],
  );
});
