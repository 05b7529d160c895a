import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateHosts } from '../../../../src/agents/awslogs/validate.js';
import { formatProblem } from '../../../../src/core/errors.js';
import { fakeHost } from './fake-host.js';
import { assertReported, assertSubset, type ExpectedProblem } from '../case-asserts.js';

type Expected = ExpectedProblem;
interface Case {
  name: string;
  vars?: Record<string, unknown>;
  log?: Record<string, unknown>;
  logs?: unknown;
  problems?: Expected[];
  warnings?: Expected[];
  spec?: unknown;
}
interface CaseFile {
  base: { vars: Record<string, unknown>; log: Record<string, unknown> };
  cases: Case[];
}

const cases = JSON.parse(
  readFileSync(new URL('../../../../../test/cases/awslogs/validate.json', import.meta.url), 'utf8'),
) as CaseFile;

for (const c of cases.cases) {
  test(`validate: ${c.name}`, () => {
    const vars: Record<string, unknown> = { ...cases.base.vars, ...c.vars };
    vars.awslogs_logs = 'logs' in c ? c.logs : [{ ...cases.base.log, ...c.log }];
    const result = validateHosts([fakeHost('web1', vars)]);
    assertReported(result.problems, c.problems ?? [], 'problems');
    assertReported(result.warnings, c.warnings ?? [], 'warnings');
    if ((c.problems ?? []).length > 0) {
      assert.equal(result.specs.size, 0, 'a host with problems gets no spec');
    } else {
      const spec = result.specs.get('web1');
      assert.ok(spec, 'a valid host gets a spec');
      assert.equal(spec.host, 'web1');
      if (c.spec !== undefined) assertSubset(spec, c.spec, 'spec');
    }
  });
}

const LOG = { file: '/var/log/messages', log_group_name: '/var/log/messages', log_stream_name: '{hostname}' };

test('validate: a problem names the file, line and column where the value was written', () => {
  const host = fakeHost(
    'web1',
    { aws_region: 'ap-northeast-2', awslogs_logs: [{ ...LOG, buffer_duration: 100 }] },
    { file: '/srv/inv/group_vars/web.yml', lines: { awslogs_logs: 4, 'awslogs_logs.0.buffer_duration': 9 } },
  );
  const { problems } = validateHosts([host]);
  assert.deepEqual(problems, [
    {
      file: '/srv/inv/group_vars/web.yml',
      line: 9,
      column: 3,
      path: 'hosts.web1.awslogs_logs[0].buffer_duration',
      rule: 'buffer_duration must be at least 5000 ms',
      expected: 'an integer >= 5000',
      found: '100',
    },
  ]);
});

test('validate: one bad group value shared by many hosts is reported once; host values each', () => {
  const lines = { 'awslogs_logs.0.time_zone': 7 };
  const shared = [{ ...LOG, time_zone: 'KST' }];
  const hosts = ['web1', 'web2', 'web3'].map((name) =>
    fakeHost(name, { aws_region: 'ap-northeast-2', awslogs_logs: shared }, { lines }),
  );
  hosts.push(
    fakeHost(
      'db1',
      { aws_region: 'Seoul', awslogs_logs: [LOG] },
      { file: '/srv/inv/host_vars/db1.yml', lines: { aws_region: 1 } },
    ),
  );
  const { problems, specs } = validateHosts(hosts);
  assert.equal(specs.size, 0);
  assert.deepEqual(
    problems.map((p) => [p.path, p.line]),
    [
      ['hosts.web1.awslogs_logs[0].time_zone', 7],
      ['hosts.db1.aws_region', 1],
    ],
  );
});

test('validate: problems without a line are never merged across hosts', () => {
  const hosts = ['web1', 'web2'].map((name) => fakeHost(name, { aws_region: 'ap-northeast-2' }));
  const { problems } = validateHosts(hosts);
  assert.deepEqual(
    problems.map((p) => p.path),
    ['hosts.web1.awslogs_logs', 'hosts.web2.awslogs_logs'],
  );
});

test('validate: valid hosts get specs even when another host has problems', () => {
  const { specs, problems } = validateHosts([
    fakeHost('good', { aws_region: 'eu-west-1', awslogs_logs: [LOG] }),
    fakeHost('bad', { aws_region: 'eu-west-1', awslogs_logs: [{ ...LOG, batch_size: 0 }] }),
  ]);
  assert.equal(problems.length, 1);
  assert.deepEqual([...specs.keys()], ['good']);
});

test('validate: a secret is never shown in a problem', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const { problems } = validateHosts([
    fakeHost('web1', {
      aws_secret_access_key: secret,
      awslogs_credentials: { source: 'keys', aws_secret_access_key: secret },
      awslogs_logs: [LOG],
    }),
  ]);
  assert.equal(problems.length, 2);
  assert.ok(!JSON.stringify(problems).includes(secret));
});

test('validate: lengths of group and stream names', () => {
  const ok = (over: Record<string, unknown>) =>
    validateHosts([fakeHost('web1', { aws_region: 'us-west-2', awslogs_logs: [{ ...LOG, ...over }] })]).problems;
  assert.equal(ok({ log_group_name: 'g'.repeat(512), log_stream_name: 's'.repeat(512) }).length, 0);
  assert.match(ok({ log_group_name: 'g'.repeat(513) })[0]?.rule ?? '', /longer than 512/);
  assert.match(ok({ log_stream_name: 's'.repeat(513) })[0]?.rule ?? '', /longer than 512/);
});

test('validate: a long hostile value is shown escaped and cut', () => {
  const { problems } = validateHosts([
    fakeHost('web1', {
      aws_region: 'us-west-2',
      awslogs_logs: [{ ...LOG, log_stream_name: 'x\n[evil]\n' + 'y'.repeat(200) }],
    }),
  ]);
  const found = problems[0]?.found ?? '';
  assert.ok(found.startsWith('"x\\n[evil]\\n'));
  assert.ok(!found.includes('\n'));
  assert.ok(found.length <= 80);
});

test('validate: a self-referencing value (a YAML alias loop) does not hang the secret scan', () => {
  const loop: Record<string, unknown> = { name: 'x' };
  loop.self = loop;
  const { problems } = validateHosts([fakeHost('web1', { aws_region: 'us-west-2', app: loop, awslogs_logs: [LOG] })]);
  assert.deepEqual(problems, []);
});

test('validate: a missing value is reported for every host, even where locations fall back to one line', () => {
  const hosts = ['web1', 'web2'].map((name) =>
    fakeHost(name, { aws_region: 'ap-northeast-2' }, { lines: { aws_region: 2 } }),
  );
  // A loader whose every fall-back is the root mapping's line 1.
  for (const h of hosts) {
    const locate = h.locate.bind(h);
    h.locate = (path) => (path.length === 0 || path[0] !== 'aws_region' ? { file: 'inv.yml', line: 1 } : locate(path));
  }
  const { problems } = validateHosts(hosts);
  assert.deepEqual(
    problems.map((p) => [p.path, p.line]),
    [
      ['hosts.web1.awslogs_logs', 1],
      ['hosts.web2.awslogs_logs', 1],
    ],
  );
});

test('validate: a warning is given once per value, where it is written, naming only the hosts it applies to', () => {
  const lines = { 'awslogs_logs.0.log_stream_name': 12 };
  const logs = [{ ...LOG, log_stream_name: '{instance_id}' }];
  const base = { aws_region: 'ap-northeast-2', awslogs_credentials: { source: 'env' }, awslogs_logs: logs };
  const hosts = [
    fakeHost('web1', { ...base, ec2_imdsv2_required: true }, { lines }),
    fakeHost('web2', { ...base, ec2_imdsv2_required: false }, { lines }),
    fakeHost('web3', { ...base, ec2_imdsv2_required: true }, { lines }),
    fakeHost('web4', { ...base, ec2_imdsv2_required: true, provision_acknowledge: ['instance-id-imdsv2'] }, { lines }),
  ];
  const { warnings } = validateHosts(hosts);
  assert.deepEqual(warnings, [
    {
      file: '/srv/inventories/prod.yml',
      line: 12,
      column: 3,
      path: 'awslogs_logs[0].log_stream_name',
      rule:
        'log_stream_name uses {instance_id}, and the instance requires IMDSv2 (HttpTokens: required): ' +
        'the agent reads the id without a token, fails, and names the stream after the hostname',
      warning: 'instance-id-imdsv2',
      hosts: ['web1', 'web3'],
    },
  ]);
  assert.match(
    formatProblem(warnings[0]!),
    /; hosts web1, web3; acknowledge: provision_acknowledge: \[instance-id-imdsv2\]$/,
  );
});
