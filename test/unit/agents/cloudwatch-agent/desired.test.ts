import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCloudWatchAgentHosts } from '../../../../src/agents/cloudwatch-agent/validate.js';
import {
  commonConfigToml,
  desiredState,
  stableJson,
  unsupportedFlavour,
} from '../../../../src/agents/cloudwatch-agent/desired.js';
import { fakeHost } from '../awslogs/fake-host.js';

const ENTRY = { file_path: '/var/log/messages', log_group_name: '/m', multi_line_start_pattern: '^\\S' };

function spec(vars: Record<string, unknown>) {
  const r = validateCloudWatchAgentHosts([fakeHost('web1', { aws_region: 'ap-northeast-2', ...vars })]);
  assert.deepEqual(r.problems, []);
  return r.specs.get('web1')!;
}

test('the JSON is stable: sorted keys, lists in order, two spaces, a trailing newline', () => {
  const a = stableJson({ logs: { b: 1, a: [{ y: 1, x: 2 }, 3] }, agent: { region: 'r' } });
  const b = stableJson({ agent: { region: 'r' }, logs: { a: [{ x: 2, y: 1 }, 3], b: 1 } });
  assert.equal(a, b);
  assert.equal(
    a,
    '{\n  "agent": {\n    "region": "r"\n  },\n  "logs": {\n    "a": [\n      {\n        "x": 2,\n        "y": 1\n      },\n      3\n    ],\n    "b": 1\n  }\n}\n',
  );
});

test('instance profile: the JSON and a common-config.toml without credentials; no credentials file', () => {
  const s = spec({ cloudwatch_agent_credentials: 'instance_profile', cloudwatch_agent_logs: [ENTRY] });
  const d = desiredState(s, undefined);
  assert.deepEqual(
    d.files.map((f) => [f.path, f.mode.toString(8), f.owner, f.notifies]),
    [
      ['/opt/aws/amazon-cloudwatch-agent/etc/awslogs-provision.json', '644', 'root', false],
      ['/opt/aws/amazon-cloudwatch-agent/etc/common-config.toml', '644', 'root', true],
    ],
  );
  assert.equal(
    JSON.parse(d.files[0]!.content).logs.logs_collected.files.collect_list[0].file_path,
    '/var/log/messages',
  );
  assert.doesNotMatch(commonConfigToml(s), /^\[credentials\]/m);
  assert.equal(
    d.installCommand,
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/aws/amazon-cloudwatch-agent/etc/awslogs-provision.json -s',
  );
  assert.equal(
    d.installedConfigPath,
    '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.d/file_awslogs-provision.json',
  );
});

test("keys: a credentials file root owns and run_as_user's group reads (0640), its secrets masked, named in common-config.toml", () => {
  const s = spec({
    cloudwatch_agent_credentials: { source: 'keys', profile: 'p' },
    cloudwatch_agent_config: { agent: { run_as_user: 'cwagent' } },
    cloudwatch_agent_logs: [ENTRY],
  });
  const d = desiredState(s, { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'SECRET/abc', sessionToken: 'TOKEN' });
  const creds = d.files.find((f) => f.path.endsWith('awslogs-provision-credentials'))!;
  // Root's: the tool never writes through a file another user owns (path-guard.ts).
  assert.equal(creds.mode, 0o640);
  assert.deepEqual([creds.owner, creds.group], ['root', 'cwagent']);
  assert.deepEqual(creds.secrets, ['SECRET/abc', 'TOKEN']);
  assert.equal(
    creds.content,
    '[AmazonCloudWatchAgent]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = SECRET/abc\naws_session_token = TOKEN\n',
  );
  assert.match(
    commonConfigToml(s),
    /\[credentials\]\n {3}shared_credential_profile = "AmazonCloudWatchAgent"\n {3}shared_credential_file = "\/opt\/aws\/amazon-cloudwatch-agent\/etc\/awslogs-provision-credentials"\n/,
  );
  for (const f of d.files.filter((x) => x !== creds)) assert.doesNotMatch(f.content, /SECRET|TOKEN/);
});

test('Amazon Linux 1 is refused, 2 and 2023 are not', () => {
  assert.match(unsupportedFlavour('amzn1') ?? '', /keep log_agent: awslogs/);
  assert.equal(unsupportedFlavour('amzn2'), undefined);
  assert.equal(unsupportedFlavour('amzn2023'), undefined);
  assert.match(unsupportedFlavour('unknown') ?? '', /Amazon Linux 2/);
});
