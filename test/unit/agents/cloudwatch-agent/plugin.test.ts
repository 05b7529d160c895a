// The CloudWatch agent's plug-in over host facts: preflight (the file it tails, run_as_user's read asked on the
// host, timestamp_format with the agent's semantics, the discard window, first-start bytes), the agent log's
// faults, the doctor's state-folder read, and the probe line's stamp and names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCloudWatchAgentHosts } from '../../../../src/agents/cloudwatch-agent/validate.js';
import type { CloudWatchAgentSpec } from '../../../../src/agents/cloudwatch-agent/spec.js';
import { hostChecks, logChecks } from '../../../../src/agents/cloudwatch-agent/preflight.js';
import { classifyAgentLog } from '../../../../src/agents/cloudwatch-agent/doctor/agent-log.js';
import { parseStates, readStatesScript } from '../../../../src/agents/cloudwatch-agent/doctor/state-script.js';
import { dateFormatOf, ec2Hostname, resolveName } from '../../../../src/agents/cloudwatch-agent/plugin.js';
import type { HostFacts, LogFileFact } from '../../../../src/core/types.js';
import { fakeHost } from '../awslogs/fake-host.js';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const STATE_DIR = '/opt/aws/amazon-cloudwatch-agent/logs/state';

function spec(entry: Record<string, unknown>, agent: Record<string, unknown> = {}): CloudWatchAgentSpec {
  const r = validateCloudWatchAgentHosts([
    fakeHost('web1', {
      aws_region: 'ap-northeast-2',
      cloudwatch_agent_logs: [entry],
      ...(Object.keys(agent).length ? { cloudwatch_agent_config: { agent } } : {}),
    }),
  ]);
  assert.deepEqual(r.problems, []);
  return r.specs.get('web1')!;
}

function facts(files: Partial<LogFileFact>[], tail: string, over: Partial<HostFacts> = {}): HostFacts {
  const list = files.map((f) => ({
    path: '/var/log/app.log',
    role: 'match' as const,
    readable: true,
    kind: 'file' as const,
    mtimeMs: NOW - 1000,
    size: Buffer.byteLength(tail),
    compressed: false,
    ...f,
  }));
  return {
    os: { id: 'amzn', version: '2023', flavour: 'amzn2023' },
    init: 'systemd',
    package: { installed: true },
    files: {},
    service: { active: true, enabled: true },
    hostname: 'web1',
    ipAddress: '10.0.0.7',
    clockMs: NOW,
    utcOffsetMinutes: 0,
    timeZoneName: 'UTC',
    logs: [{ pattern: '/var/log/app.log', files: list, tail: { path: list[0]!.path, text: tail, truncated: false } }],
    ...over,
  };
}

const ENTRY = {
  file_path: '/var/log/app.log',
  log_group_name: '/app',
  timestamp_format: '%Y-%m-%d %H:%M:%S',
  timezone: 'UTC',
};
const LINES = '2026-11-25 09:59:00 one\n2026-11-25 09:59:30 two\n';

test('preflight: the newest file, its timestamps read as the agent reads them, and the bytes its first start sends', () => {
  const checks = logChecks(spec(ENTRY), facts([{}], LINES), 0);
  assert.deepEqual(
    checks.map((c) => [c.check, c.level]),
    [
      ['file', 'ok'],
      ['first_start', 'warning'],
      ['timestamp_format', 'ok'],
    ],
  );
  assert.match(checks[1]!.message, /first start sends 48 bytes of lines already there/);
  assert.match(checks[2]!.message, /^2 of 2 events \(100%\)/);
  // With a state file for it, the first start is past.
  const withState = facts([{}], LINES, { dirs: { [STATE_DIR]: [{ name: '_var_log_app.log', kind: 'file' }] } });
  assert.ok(!logChecks(spec(ENTRY), withState, 0).some((c) => c.check === 'first_start'));
});

test('preflight: the format is searched anywhere in the line; none matching is an error with a sample', () => {
  const inside = logChecks(spec(ENTRY), facts([{}], '[app] at 2026-11-25 09:59:00 started\n'), 0);
  assert.equal(inside.find((c) => c.check === 'timestamp_format')?.level, 'ok');
  const none = logChecks(spec(ENTRY), facts([{}], 'Nov 25 09:59:00 web1 app: one\n'), 0);
  const check = none.find((c) => c.check === 'timestamp_format')!;
  assert.equal(check.level, 'error');
  assert.match(check.message, /stamps every event with the last valid timestamp/);
  assert.equal(check.sample, 'Nov 25 09:59:00 web1 app: one');
});

test('preflight: events the agent would discard, 3 h ahead and 20 days old', () => {
  const lines = '2026-11-25 13:00:00 ahead\n2026-11-05 10:00:00 old\n';
  const checks = logChecks(spec(ENTRY), facts([{}], lines), 0);
  assert.equal(checks.find((c) => c.check === 'future')?.level, 'error');
  assert.match(checks.find((c) => c.check === 'future')!.message, /out of accepted time range/);
  assert.equal(checks.find((c) => c.check === 'past')?.level, 'warning');
});

test('preflight: run_as_user that may not read the file (as the host said) is an error; a missing user too', () => {
  const asUser = spec(ENTRY, { run_as_user: 'cwagent' });
  const refused = logChecks(asUser, facts([{ readableAsAgent: false }], LINES), 0);
  assert.deepEqual(
    refused.map((c) => [c.check, c.level]),
    [['run_as_user', 'error']],
  );
  assert.match(refused[0]!.message, /^agent\.run_as_user cwagent cannot read \/var\/log\/app\.log/);
  assert.equal(logChecks(asUser, facts([{ readableAsAgent: true }], LINES), 0)[0]!.level, 'ok');
  const missing = hostChecks(asUser, facts([{}], LINES, { runAs: { name: 'cwagent', missing: true } }), {
    midpointMs: NOW,
    roundTripMs: 10,
  });
  assert.equal(missing.find((c) => c.check === 'run_as_user')?.level, 'error');
});

test('preflight: a glob tails only its newest uncompressed match', () => {
  const s = spec({ ...ENTRY, file_path: '/var/log/app*.log' });
  const f = facts(
    [
      { path: '/var/log/app2.log', mtimeMs: NOW - 10 },
      { path: '/var/log/app1.log', mtimeMs: NOW - 99 },
    ],
    LINES,
  );
  assert.match(logChecks(s, f, 0)[0]!.message, /^tails \/var\/log\/app2\.log \(the newest match/);
});

test('the agent log: its faults by name, current since the last start, history before it', () => {
  const log = [
    '2026-11-25T09:00:00Z E! [outputs.cloudwatchlogs] Aws error received when sending logs to /app/web1: AccessDeniedException: denied',
    '2026-11-25T09:00:01Z I! Starting AmazonCloudWatchAgent 1.300071.0b1234 with log file',
    '2026-11-25T09:00:02Z E! [inputs.logfile] Failed to tail file /var/log/secure with error: open /var/log/secure: permission denied',
    '2026-11-25T09:00:03Z E! [outputs.cloudwatchlogs] The log entry in (/app/web1) with timestamp (2026-11-01 00:00:00 +0000 UTC) comparing to the current time (2026-11-25 09:00:03 +0000 UTC) is out of accepted time range. Discard the log entry.',
    '2026-11-25T09:00:04Z W! [inputs.logfile] Unable to parse timestamp, using last valid timestamp found in the logs 2026-11-25T09:00:00.000Z: /var/log/app.log',
  ].join('\n');
  const faults = classifyAgentLog(log, false);
  assert.deepEqual(
    faults.map((f) => [f.fault, f.current, f.about]),
    [
      ['credentials-denied', false, []],
      ['unreadable-as-user', true, ['/var/log/secure']],
      ['out-of-time-range', true, ['/app/web1']],
      ['timestamp-fallback', true, ['/var/log/app.log']],
    ],
  );
});

test("the doctor's state read: each tailed file's state file, parsed as the agent writes it", () => {
  const script = readStatesScript(['/var/log/app.log', '/var/log/gone.log']);
  assert.match(script, /read_state 0 '\/opt\/aws\/amazon-cloudwatch-agent\/logs\/state\/_var_log_app\.log'/);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const out = `@@cwstate 0 ok ${b64('123\n/var/log/app.log\n0-123')}\n@@cwstate 1 absent\n@@cwstate-end\n`;
  assert.deepEqual(parseStates(out, 2), [
    { state: 'ok', record: { offset: 123, path: '/var/log/app.log', ranges: [{ from: 0, to: 123 }] } },
    { state: 'absent' },
  ]);
  assert.equal(parseStates('@@cwstate 0 absent\n', 1), undefined, 'a read cut short says nothing');
});

test("the probe line's stamp and the names verify looks for", () => {
  assert.equal(dateFormatOf('%Y-%m-%dT%H:%M:%S.%f%z'), '%Y-%m-%dT%H:%M:%S.%3N%z');
  assert.equal(ec2Hostname('10.0.0.7', 'ap-northeast-2'), 'ip-10-0-0-7.ap-northeast-2.compute.internal');
  assert.equal(ec2Hostname('10.0.0.7', 'us-east-1'), 'ip-10-0-0-7.ec2.internal');
  const s = spec(ENTRY);
  const f = facts([{}], LINES, { instanceId: 'i-0123456789abcdef0' });
  assert.equal(
    resolveName('{instance_id}/{local_hostname}/{hostname}/{aws_region}/{date}', s, f),
    'i-0123456789abcdef0/web1/ip-10-0-0-7.ap-northeast-2.compute.internal/ap-northeast-2/2026-11-25',
  );
});
