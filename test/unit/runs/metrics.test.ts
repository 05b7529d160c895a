import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { InputError } from '../../../src/core/errors.js';
import { metricsSpecs, pathText, type VarPath } from '../../../src/metrics/schema.js';
import { clientsFor, metricsApply, metricsTest, type MetricFilterTester } from '../../../src/runs/metrics.js';
import type { MetricsClients } from '../../../src/clouds/aws/metrics.js';
import { motoUnavailable, startMoto, type Moto } from '../clouds/aws/moto-server.js';

const locate = (path: VarPath) => ({ file: 'inv.yml', line: 100 + pathText(path).length });

function vars(extra: Record<string, unknown> = {}) {
  return {
    aws_region: 'ap-northeast-2',
    awslogs_logs: [{ file: '/var/log/secure', log_group_name: '/var/log/secure' }],
    cloudwatch_metric_filters: [
      {
        log_group_name: '/var/log/messages',
        filter_name: 'errors',
        pattern: '?ERROR ?CRIT',
        metric_namespace: 'Fleet/Logs',
        metric_name: 'ErrorCount',
        default_value: 0,
        samples: { match: ['kernel: CRIT disk failure', 'ERROR boot'], no_match: ['all good'] },
      },
    ],
    cloudwatch_dashboard: { name: 'fleet-logs' },
    ...extra,
  };
}

const tester = (verdicts: (pattern: string, lines: string[]) => ReturnType<MetricFilterTester['test']>) => ({
  test: verdicts,
});

test('local only: every sample is compared with the expectation, AWS is n/a', async () => {
  const report = await metricsTest(metricsSpecs(vars(), locate));
  assert.equal(report.summary.samples, 3);
  assert.equal(report.summary.disagreements, 0);
  assert.equal(report.filters[0]?.aws, 'n/a');
  assert.deepEqual(
    report.filters[0]?.samples.map((s) => [s.expected, s.local, s.aws, s.agree]),
    [
      ['match', true, 'n/a', true],
      ['match', true, 'n/a', true],
      ['no_match', false, 'n/a', true],
    ],
  );
});

test('an AWS verdict that differs from the local one is flagged', async () => {
  const report = await metricsTest(
    metricsSpecs(vars(), locate),
    tester(async (_p, lines) => ({ available: true, matched: lines.map((l) => l.includes('CRIT')) })),
  );
  assert.equal(report.summary.awsTested, 1);
  assert.equal(report.summary.disagreements, 1);
  const bad = report.filters[0]?.samples.find((s) => !s.agree);
  assert.deepEqual(bad, { line: 'ERROR boot', expected: 'match', local: true, aws: false, agree: false });
  assert.equal(report.filters[0]?.ok, false);
});

test('a pattern the service rejects is a disagreement; an endpoint without TestMetricFilter is not', async () => {
  const specs = metricsSpecs(vars(), locate);
  const rejected = await metricsTest(
    specs,
    tester(async () => ({ available: true, rejected: 'Invalid pattern' })),
  );
  assert.equal(rejected.filters[0]?.aws, 'rejected');
  assert.equal(rejected.summary.disagreements, 1);
  const na = await metricsTest(
    specs,
    tester(async () => ({ available: false, reason: 'not available on this endpoint' })),
  );
  assert.equal(na.summary.disagreements, 0);
  assert.equal(na.filters[0]?.awsNote, 'not available on this endpoint');
});

test('apply refuses, before contacting anything, a sample the pattern does not honour', async () => {
  const v = vars();
  v.cloudwatch_metric_filters[0]!.samples.no_match.push('ERROR but expected not to match');
  const unreachable = {} as MetricsClients; // any call would throw
  await assert.rejects(metricsApply(metricsSpecs(v, locate), unreachable), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.path, 'cloudwatch_metric_filters[0].samples.no_match[1]');
    assert.equal(err.problems[0]?.line, 100 + 'cloudwatch_metric_filters[0].samples.no_match[1]'.length);
    return true;
  });
});

const skip = motoUnavailable();
let moto: Moto | undefined;
let clients: MetricsClients | undefined;

before(async () => {
  if (skip) return;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  moto = await startMoto();
});

after(async () => {
  clients?.logs.destroy();
  clients?.cloudwatch.destroy();
  await moto?.stop();
});

test(
  'apply against moto: filters and dashboard created, then unchanged; the dashboard shows every log group',
  { skip },
  async () => {
    const specs = metricsSpecs(vars({ aws_endpoint_url: moto?.endpoint }), locate);
    clients = clientsFor(specs);
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/var/log/messages' }));
    const first = await metricsApply(specs, clients);
    assert.deepEqual(first.summary, { created: 2, updated: 0, unchanged: 0, failed: 0 });
    const second = await metricsApply(specs, clients);
    assert.deepEqual(second.summary, { created: 0, updated: 0, unchanged: 2, failed: 0 });

    const dash = await clients.cloudwatch.send(new GetDashboardCommand({ DashboardName: 'fleet-logs' }));
    const body = JSON.parse(dash.DashboardBody ?? '{}') as { widgets: { properties: { metrics: string[][] } }[] };
    assert.deepEqual(
      body.widgets.map((w) => w.properties.metrics[0]),
      [
        ['Fleet/Logs', 'ErrorCount'],
        ['AWS/Logs', 'IncomingLogEvents', 'LogGroupName', '/var/log/secure'],
        ['AWS/Logs', 'IncomingLogEvents', 'LogGroupName', '/var/log/messages'],
      ],
    );

    const v = vars({ aws_endpoint_url: moto?.endpoint });
    v.cloudwatch_metric_filters[0]!.pattern = '?ERROR ?CRIT ?FATAL';
    const third = await metricsApply(metricsSpecs(v, locate), clients);
    assert.deepEqual(third.summary, { created: 0, updated: 1, unchanged: 1, failed: 0 });
  },
);

test('space-delimited samples report the extracted fields', async () => {
  const v = vars();
  v.cloudwatch_metric_filters[0] = {
    ...v.cloudwatch_metric_filters[0]!,
    pattern: '[level=ERROR, ..., bytes]',
    samples: { match: ['ERROR GET /x 512'], no_match: ['INFO 1'] },
  };
  const report = await metricsTest(metricsSpecs(v, locate));
  assert.deepEqual(report.filters[0]?.samples[0]?.fields, { $level: 'ERROR', $2: 'GET', $3: '/x', $bytes: '512' });
  assert.equal(report.filters[0]?.samples[1]?.fields, undefined);
});
