import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../../src/lab/agent/config.js';
import { AgentLog } from '../../../../src/lab/agent/log.js';
import { resolveIpAddress } from '../../../../src/lab/agent/host.js';

function setup(
  main: string,
  dropIns: Record<string, string> = {},
  instanceId?: string,
  more: { ipAddress?: string | Error; python?: '2.7' | '3' } = {},
) {
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
        host: { instanceIdFile: join(dir, 'instance-id'), ipAddress: more.ipAddress ?? '10.0.0.7' },
        ...(more.python ? { python: more.python } : {}),
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
  assert.equal(s.multiLineStart.pattern, '^[^\\s]');
});

test('no instance id file: the hostname, with the agent warning', () => {
  const { load, logText } = setup(`[general]\n${STREAM}`);
  assert.equal(load().streams[0]!.logStreamName, hostname());
  assert.match(logText(), new RegExp(`Unable to get instance id, use ${hostname()} instead\\.`));
});

test('placeholders in log_stream_name only: {hostname} in a log_group_name stays literal (1.4.0)', () => {
  const { load } = setup(
    '[general]\n[s]\nfile = f\nlog_group_name = g-{hostname}\nlog_stream_name = {hostname}/{ip_address}\n',
  );
  const s = load().streams[0]!;
  assert.equal(s.logGroupName, 'g-{hostname}');
  assert.equal(s.logStreamName, `${hostname()}/10.0.0.7`);
});

test('{ip_address} is gethostbyname(gethostname()); a name that does not resolve fails the command', async () => {
  assert.equal(await resolveIpAddress('localhost'), '127.0.0.1');
  const unresolved = await resolveIpAddress('no-such-host.invalid');
  assert.ok(unresolved instanceof Error);
  const { load } = setup(
    '[general]\n[s]\nfile = f\nlog_group_name = g\nlog_stream_name = {ip_address}\n',
    {},
    undefined,
    {
      ipAddress: unresolved,
    },
  );
  assert.throws(load, (e: unknown) => e instanceof ConfigError && /Name or service not known/.test(e.message));
});

test('file_fingerprint_lines 007 or 01-3: invalid to the agent (warning), the first line is used', () => {
  for (const value of ['007', '01-3']) {
    const { load, logText } = setup(`[general]\n${STREAM}file_fingerprint_lines = ${value}\n`);
    assert.deepEqual(load().streams[0]!.fingerprintLines, { start: 1, end: 1 });
    assert.match(
      logText(),
      new RegExp(`The file fingerprint lines '${value}' is invalid, using first line to calculate file fingerprint`),
    );
  }
  const { load } = setup(`[general]\n${STREAM}file_fingerprint_lines = 2-3\n`);
  assert.deepEqual(load().streams[0]!.fingerprintLines, { start: 2, end: 3 });
});

test('use_gzip_http_content_encoding: configparser booleans; missing or invalid → gzip, with the agent info line', () => {
  const on = setup(`[general]\n${STREAM}`);
  assert.equal(on.load().gzip, true);
  assert.match(
    on.logText(),
    /Missing or invalid value for use_gzip_http_content_encoding config\. Defaulting to use gzip encoding\./,
  );
  assert.equal(setup(`[general]\nuse_gzip_http_content_encoding = Off\n${STREAM}`).load().gzip, false);
  assert.equal(setup(`[general]\nuse_gzip_http_content_encoding = yes\n${STREAM}`).load().gzip, true);
  assert.equal(setup(`[general]\nuse_gzip_http_content_encoding = maybe\n${STREAM}`).load().gzip, true);
});

test('multi_line_start_pattern is checked as the agent Python checks a str pattern', () => {
  // Python 3 refuses an unknown letter escape in a str pattern (default used); Python 2.7 reads it as the letter.
  const three = setup(`[general]\n${STREAM}multi_line_start_pattern = ^\\q\n`, {}, undefined, { python: '3' });
  assert.equal(three.load().streams[0]!.multiLineStart.pattern, '^[^\\s]');
  assert.match(three.logText(), /The multi-line start pattern '\^\\q' is invalid, using default pattern/);
  const two = setup(`[general]\n${STREAM}multi_line_start_pattern = ^\\q\n`, {}, undefined, { python: '2.7' });
  assert.equal(two.load().streams[0]!.multiLineStart.pattern, '^\\q');
  // ^오류 is a valid str pattern on both: it fails later, when the reader compiles it as bytes (Python 3).
  const korean = setup(`[general]\n${STREAM}multi_line_start_pattern = ^오류\n`, {}, undefined, { python: '3' });
  assert.deepEqual(korean.load().streams[0]!.multiLineStart, {
    pattern: '^오류',
    fromDatetimeFormat: false,
    python: '3',
  });
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
