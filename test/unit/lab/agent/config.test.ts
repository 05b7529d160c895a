import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../../src/lab/agent/config.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';

function setup(main: string, dropIns: Record<string, string> = {}, instanceId?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
  writeFileSync(join(dir, 'awslogs.conf'), main);
  mkdirSync(join(dir, 'config'));
  for (const [name, text] of Object.entries(dropIns)) writeFileSync(join(dir, 'config', name), text);
  if (instanceId) writeFileSync(join(dir, 'instance-id'), instanceId + '\n');
  const logFile = join(dir, 'awslogs.log');
  const log = new AgentLog(logFile).logger('cwlogs.push');
  const load = () =>
    loadConfig(
      {
        configFile: join(dir, 'awslogs.conf'),
        configDir: join(dir, 'config'),
        host: { instanceIdFile: join(dir, 'instance-id') },
      },
      log,
    );
  return { load, logText: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') };
}

const STREAM = '[s]\nfile = /var/log/messages\nlog_group_name = g\nlog_stream_name = {instance_id}\n';

test('defaults of awscli-cwlogs 1.4.0 and the instance id from the cloud-init file', () => {
  const { load } = setup(`[general]\nstate_file = /tmp/x\n${STREAM}`, {}, 'i-0abc');
  const cfg = load();
  assert.equal(cfg.stateFile, '/tmp/x');
  const s = cfg.streams[0]!;
  assert.equal(s.logStreamName, 'i-0abc');
  assert.deepEqual(
    [s.bufferDuration, s.batchCount, s.batchSize, s.initialPosition, s.timeZone, s.encoding],
    [5000, 1000, 32768, 'start_of_file', 'LOCAL', 'utf_8'],
  );
  assert.equal(s.multiLineStart.source, '^[^\\s]');
});

test('no instance id file: the hostname, with the agent warning', () => {
  const { load, logText } = setup(`[general]\n${STREAM}`);
  assert.equal(load().streams[0]!.logStreamName, hostname());
  assert.match(logText(), new RegExp(`Unable to get instance id, use ${hostname()} instead\\.`));
});

test('{hostname} and {ip_address} come from the host', () => {
  const { load } = setup(
    '[general]\n[s]\nfile = f\nlog_group_name = g-{hostname}\nlog_stream_name = {hostname}/{ip_address}\n',
  );
  const s = load().streams[0]!;
  assert.equal(s.logGroupName, `g-${hostname()}`);
  assert.match(s.logStreamName, new RegExp(`^${hostname()}/\\d+\\.\\d+\\.\\d+\\.\\d+$`));
});

test('invalid values are warnings and defaults, as in the agent', () => {
  const { load, logText } = setup(
    `[general]\n${STREAM}buffer_duration = 100\ninitial_position = middle\ntime_zone = KST\n` +
      `datetime_format = %Q\nbatch_count = lots\nfile_fingerprint_lines = x\nmulti_line_start_pattern = {datetime_format}\n`,
  );
  const s = load().streams[0]!;
  assert.equal(s.bufferDuration, 5000);
  assert.equal(s.initialPosition, 'start_of_file');
  assert.equal(s.timeZone, 'LOCAL');
  assert.equal(s.dateTimeParser, undefined);
  assert.equal(s.batchCount, 1000);
  const text = logText();
  for (const line of [
    'The buffer_duration is set to MIN_BUFFER_DURATION (5000)',
    "The initial position 'middle' is unknown, using default initial position (start_of_file)",
    "The time zone 'KST' is unknown, using default time zone (LOCAL)",
    'The datetime format (%Q) is invalid, will use current time.',
    "The batch count 'lots' is invalid, using default batch count (1000)",
    "The file fingerprint lines 'x' is invalid, using first line to calculate file fingerprint",
    'The multi-line start pattern uses {datetime_format} but datetime_format is invalid or not specified.',
  ]) {
    assert.ok(text.includes(line), line);
  }
});

test('drop-ins add streams; their [general] and sections already defined are ignored', () => {
  const { load } = setup(`[general]\nstate_file = /main\n${STREAM}`, {
    'a.conf':
      '[general]\nstate_file = /other\n[s]\nfile = /nope\nlog_group_name = x\nlog_stream_name = y\n' +
      '[t]\nfile = /var/log/t\nlog_group_name = t\nlog_stream_name = t\n',
    'b.conf': 'garbage',
  });
  const cfg = load();
  assert.equal(cfg.stateFile, '/main');
  assert.deepEqual(
    cfg.streams.map((s) => [s.key, s.file]),
    [
      ['s', '/var/log/messages'],
      ['t', '/var/log/t'],
    ],
  );
});

test('fatal: no [general], a missing required option, a parse error, a missing file', () => {
  assert.throws(
    () => setup(STREAM).load(),
    (e: unknown) => e instanceof ConfigError && e.message === "No section: 'general'",
  );
  assert.throws(
    () => setup('[general]\n[s]\nfile = f\nlog_group_name = g\n').load(),
    (e: unknown) => e instanceof ConfigError && e.message === "No option 'log_stream_name' in section: 's'",
  );
  assert.throws(() => setup('[general\nx').load(), ConfigError);
  assert.throws(
    () =>
      loadConfig(
        { configFile: '/nonexistent/awslogs.conf', host: { instanceIdFile: '/x' } },
        new AgentLog().logger('x'),
      ),
    /No such file or directory: '\/nonexistent\/awslogs.conf'/,
  );
});
