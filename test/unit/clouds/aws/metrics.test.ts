// The metrics adapter against a real moto server: create, then unchanged, then a changed pattern updates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLogGroupCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import {
  applyDashboard,
  applyMetricFilter,
  createMetricsClients,
  jsonEqual,
  testMetricFilter,
  type DesiredMetricFilter,
  type MetricsClients,
} from '../../../../src/clouds/aws/metrics.js';
import { motoUnavailable, startMoto, type Moto } from './moto-server.js';

const skip = motoUnavailable();
let moto: Moto | undefined;
let clients: MetricsClients;

before(async () => {
  if (skip) return;
  // Credentials from the SDK's default chain: the environment here; never the instance metadata service.
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  moto = await startMoto();
  clients = createMetricsClients({ region: 'ap-northeast-2', endpoint: moto.endpoint });
  await clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/var/log/messages' }));
});

after(async () => {
  clients?.logs.destroy();
  clients?.cloudwatch.destroy();
  await moto?.stop();
});

const errors: DesiredMetricFilter = {
  logGroupName: '/var/log/messages',
  filterName: 'errors',
  filterPattern: '?ERROR ?CRIT',
  metricNamespace: 'Fleet/Logs',
  metricName: 'ErrorCount',
  metricValue: '1',
  defaultValue: 0,
};
const latency: DesiredMetricFilter = {
  logGroupName: '/var/log/messages',
  filterName: 'latency',
  filterPattern: '{ $.latency = * }',
  metricNamespace: 'Fleet/Logs',
  metricName: 'Latency',
  metricValue: '$.latency',
};
const body = JSON.stringify({
  widgets: [{ type: 'text', x: 0, y: 0, width: 6, height: 2, properties: { markdown: 'hi' } }],
});

test('first run creates, second run leaves everything unchanged', { skip }, async () => {
  assert.equal((await applyMetricFilter(clients.logs, errors)).action, 'created');
  assert.equal((await applyMetricFilter(clients.logs, latency)).action, 'created');
  assert.equal((await applyDashboard(clients.cloudwatch, 'fleet-logs', body)).action, 'created');

  assert.equal((await applyMetricFilter(clients.logs, errors)).action, 'unchanged');
  assert.equal((await applyMetricFilter(clients.logs, latency)).action, 'unchanged');
  // Same JSON, other key order and spacing: still unchanged.
  const reordered = JSON.stringify(
    { widgets: [{ properties: { markdown: 'hi' }, height: 2, width: 6, y: 0, x: 0, type: 'text' }] },
    null,
    4,
  );
  assert.equal((await applyDashboard(clients.cloudwatch, 'fleet-logs', reordered)).action, 'unchanged');
});

test('a changed pattern, transformation or body is updated, then unchanged again', { skip }, async () => {
  const changed = { ...errors, filterPattern: '?ERROR ?CRIT ?FATAL' };
  const r = await applyMetricFilter(clients.logs, changed);
  assert.equal(r.action, 'updated');
  assert.deepEqual(r.differences, ['pattern "?ERROR ?CRIT" → "?ERROR ?CRIT ?FATAL"']);
  assert.equal((await applyMetricFilter(clients.logs, changed)).action, 'unchanged');

  const newDefault = { ...changed, defaultValue: 1 };
  const r2 = await applyMetricFilter(clients.logs, newDefault);
  assert.equal(r2.action, 'updated');
  assert.deepEqual(r2.differences, ['default_value 0 → 1']);

  const stored = await clients.logs.send(
    new DescribeMetricFiltersCommand({ logGroupName: '/var/log/messages', filterNamePrefix: 'errors' }),
  );
  assert.equal(stored.metricFilters?.at(-1)?.filterPattern, '?ERROR ?CRIT ?FATAL');

  const newBody = JSON.stringify({ widgets: [] });
  assert.equal((await applyDashboard(clients.cloudwatch, 'fleet-logs', newBody)).action, 'updated');
  const got = await clients.cloudwatch.send(new GetDashboardCommand({ DashboardName: 'fleet-logs' }));
  assert.ok(jsonEqual(JSON.parse(got.DashboardBody ?? ''), { widgets: [] }));
  assert.equal((await applyDashboard(clients.cloudwatch, 'fleet-logs', newBody)).action, 'unchanged');
});

test('TestMetricFilter reports "not available on this endpoint" instead of failing', { skip }, async () => {
  const outcome = await testMetricFilter(clients.logs, 'ERROR', ['ERROR x', 'fine']);
  assert.equal(outcome.available, false);
  assert.ok(!outcome.available && /not available on this endpoint/.test(outcome.reason), JSON.stringify(outcome));
});

test('an unreachable endpoint is a failed item with the error, not a crash', { skip }, async () => {
  const dead = createMetricsClients({ region: 'ap-northeast-2', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
  const r = await applyMetricFilter(dead.logs, errors);
  assert.equal(r.action, 'failed');
  assert.ok(r.error?.message);
  const t = await testMetricFilter(dead.logs, 'ERROR', ['x']);
  assert.ok(!t.available && /^the service could not be asked/.test(t.reason), JSON.stringify(t));
  dead.logs.destroy();
  dead.cloudwatch.destroy();
});

test('jsonEqual ignores key order, not array order', () => {
  assert.ok(jsonEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(!jsonEqual(null, {}));
});
