// The watcher's threads as the agent runs them, on a fake CloudWatch Logs and short timings: a publisher that
// dies is replaced only after the restart delay, and its stream replays from push_state; a pattern the
// agent's Python 3 cannot compile fails the stream's refresh every restart delay and nothing is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../../../src/lab/agent/agent.js';
import { CallError, type InputEvent, type LogsApi } from '../../../../src/lab/agent/client.js';
import { loadConfig } from '../../../../src/lab/agent/config.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';
import { StateStore, type PushState } from '../../../../src/lab/agent/state.js';

const TIMINGS = { stepMs: 20, refreshMs: 60, stopGraceMs: 100, restartDelayMs: 400 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function host(extra = '', python: '2.7' | '3' = '2.7') {
  const dir = mkdtempSync(join(tmpdir(), 'agent-threads-'));
  const app = join(dir, 'app.log');
  const state = join(dir, 'state');
  writeFileSync(
    join(dir, 'awslogs.conf'),
    `[general]\nstate_file = ${state}\n[app]\nfile = ${app}\nlog_group_name = g\nlog_stream_name = s\n${extra}`,
  );
  const logFile = join(dir, 'awslogs.log');
  const log = new AgentLog(logFile);
  const config = loadConfig(
    {
      configFile: join(dir, 'awslogs.conf'),
      host: { instanceIdFile: join(dir, 'none') },
      python,
      minBufferDuration: 0,
    },
    log.logger('cwlogs.push'),
  );
  return { app, state, log, config, logText: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') };
}

test('a failed send kills the publisher; after the restart delay a new publisher and reader replay from push_state', async () => {
  const h = host('buffer_duration = 100\n');
  const puts: { events: string[]; at: number }[] = [];
  let refuse = true;
  let rowAtFailure: PushState | undefined;
  const api: LogsApi = {
    putLogEvents: async (_g, _s, events: InputEvent[]) => {
      puts.push({ events: events.map((e) => e.message), at: Date.now() });
      if (refuse) {
        refuse = false;
        const st = new StateStore(h.state);
        rowAtFailure = st.get<PushState>('push_state', [...new Set(puts)].length ? firstSourceId(h.state) : '');
        st.close();
        throw new CallError(
          'AccessDeniedException',
          'An error occurred (AccessDeniedException) when calling the PutLogEvents operation: not authorized',
          false,
        );
      }
      return 'tok';
    },
    createLogGroup: async () => undefined,
    createLogStream: async () => undefined,
  };
  writeFileSync(h.app, 'one\ntwo\n');
  const agent = new Agent(h.config, api, h.log, TIMINGS, '3');
  agent.start();
  try {
    await until('the publisher to die', () => h.logText().includes('Exception caught in'));
    const died = Date.now();
    appendFileSync(h.app, 'three\n');
    await until('the replay to be sent', () => puts.length >= 2);
    assert.ok(puts[1]!.at - died >= TIMINGS.restartDelayMs - 50, 'not before the restart delay');
    assert.deepEqual(puts[0]!.events, ['one', 'two']);
    assert.deepEqual(puts[1]!.events, ['one', 'two'], 'the failed batch is replayed from push_state');
    await until('the line written meanwhile', () => puts.some((p) => p.events.includes('three')));
    assert.deepEqual(
      puts.flatMap((p) => p.events).filter((m) => m === 'three'),
      ['three'],
    );
  } finally {
    await agent.stop();
  }
  assert.deepEqual([rowAtFailure?.start_position, rowAtFailure?.end_position], [0, 8], 'row written before the send');
  const text = h.logText();
  assert.match(
    text,
    /cwlogs\.push\.publisher - WARNING - \d+ - (Thread-\d+) - Caught exception: An error occurred \(AccessDeniedException\)/,
  );
  const thread = /cwlogs\.push\.publisher - WARNING - \d+ - (Thread-\d+) - Caught exception/.exec(text)![1]!;
  assert.match(
    text,
    new RegExp(
      `cwlogs\\.threads - ERROR - \\d+ - ${thread} - Exception caught in <EventBatchPublisher\\(${thread}, started daemon \\d+\\)>\\nTraceback \\(most recent call last\\):\\n  File "/usr/lib/python3\\.7/site-packages/cwlogs/threads\\.py"`,
    ),
  );
  assert.match(
    text,
    /\nbotocore\.exceptions\.ClientError: An error occurred \(AccessDeniedException\) when calling the PutLogEvents operation: not authorized\n/,
  );
  assert.match(text, /Removing dead publisher \[[0-9a-f]{32}, /);
  assert.equal(text.match(/Starting publisher for/g)?.length, 2);
  assert.match(text, /Replay events end at 8\./);
});

test('Python 3 and a pattern beyond Latin-1: "Failed to refresh stream" every restart delay, nothing sent', async () => {
  const h = host('multi_line_start_pattern = ^오류\n', '3');
  let puts = 0;
  const api: LogsApi = {
    putLogEvents: async () => {
      puts++;
      return null;
    },
    createLogGroup: async () => undefined,
    createLogStream: async () => undefined,
  };
  writeFileSync(h.app, '오류 first\n');
  const agent = new Agent(h.config, api, h.log, TIMINGS, '3');
  agent.start();
  try {
    await until('two failed refreshes', () => (h.logText().match(/Failed to refresh stream/g)?.length ?? 0) >= 2);
  } finally {
    await agent.stop();
  }
  const text = h.logText();
  assert.equal(puts, 0);
  assert.match(
    text,
    new RegExp(
      `cwlogs\\.push\\.watcher - ERROR - \\d+ - Thread-\\d+ - Failed to refresh stream: \\{'file': '${h.app.replace(/[.]/g, '\\.')}', 'source_id': None, 'log_group_name': 'g', 'log_stream_name': 's', 'datetime_format': None, 'time_zone': 'LOCAL', 'buffer_duration': 5000, 'init_pos': 'start_of_file', 'encoding': 'utf_8', 'queue': 0\\}, reason: UnicodeEncodeError\\('latin-1', '\\^오류', 1, 3, 'ordinal not in range\\(256\\)'\\)\\.`,
    ),
  );
  const times = [...text.matchAll(/^(\S+ \S+) - cwlogs\.push\.watcher - ERROR/gm)].map((m) => m[1]!);
  const ms = (t: string) => Date.parse(t.replace(' ', 'T').replace(',', '.'));
  assert.ok(
    ms(times[1]!) - ms(times[0]!) >= TIMINGS.restartDelayMs - 10,
    `not retried before the restart delay: ${times.join(', ')}`,
  );
});

test('Python 2.7: the same pattern works byte for byte; U+00A0 starts an event under the default pattern', async () => {
  const h = host('multi_line_start_pattern = ^오류\nbuffer_duration = 0\n', '2.7');
  const sent: string[][] = [];
  const api: LogsApi = {
    putLogEvents: async (_g, _s, events) => {
      sent.push(events.map((e) => e.message));
      return null;
    },
    createLogGroup: async () => undefined,
    createLogStream: async () => undefined,
  };
  writeFileSync(h.app, '오류 first\n detail\n오류 second\n');
  const agent = new Agent(h.config, api, h.log, TIMINGS, '2.7');
  agent.start();
  try {
    await until('two events', () => sent.flat().length >= 2);
  } finally {
    await agent.stop();
  }
  assert.deepEqual(sent.flat(), ['오류 first\n detail', '오류 second']);

  const nbsp = host('buffer_duration = 0\n', '2.7');
  const got: string[] = [];
  writeFileSync(nbsp.app, 'first\n\u00a0second\n third\n');
  const two = new Agent(
    nbsp.config,
    { ...api, putLogEvents: async (_g, _s, events) => (got.push(...events.map((e) => e.message)), null) },
    nbsp.log,
    TIMINGS,
    '2.7',
  );
  two.start();
  try {
    await until('the events', () => got.length >= 2);
  } finally {
    await two.stop();
  }
  assert.deepEqual(got, ['first', '\u00a0second\n third']);
});

function firstSourceId(stateFile: string): string {
  const st = new StateStore(stateFile);
  try {
    return (
      (st as unknown as { db: { prepare(q: string): { get(): { k: string } | undefined } } }).db
        .prepare('SELECT k FROM push_state LIMIT 1')
        .get()?.k ?? ''
    );
  } finally {
    st.close();
  }
}
