import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { RunFailed } from '../../../src/core/errors.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { registerMetricsCommands } from '../../../src/cli/metrics.js';
import { motoUnavailable, startMoto, type Moto } from '../clouds/aws/moto-server.js';

const skip = motoUnavailable();
let moto: Moto | undefined;

before(async () => {
  if (skip) return;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  moto = await startMoto();
});

after(async () => {
  await moto?.stop();
});

function inventory(endpoint: string, pattern = 'ERROR'): Inventory {
  const vars = {
    aws_region: 'us-east-1',
    aws_endpoint_url: endpoint,
    cloudwatch_metric_filters: [
      {
        log_group_name: '/app',
        filter_name: 'errors',
        pattern,
        metric_namespace: 'App',
        metric_name: 'Errors',
        samples: { match: ['ERROR one'], no_match: ['INFO two'] },
      },
    ],
    cloudwatch_dashboard: { name: 'app' },
  };
  return {
    file: '/x/inv.yml',
    hosts: [{ name: 'web1', groups: ['all'], vars, locate: () => ({ file: '/x/inv.yml', line: 3 }) }],
    groups: {},
  };
}

async function run(inv: Inventory, args: string[]): Promise<{ out: string; error?: unknown }> {
  let out = '';
  const program = new Command('provision').exitOverride();
  const loaded: string[] = [];
  registerMetricsCommands(program, {
    load: async (file) => {
      loaded.push(file);
      return inv;
    },
    stdout: (t) => (out += t),
  });
  try {
    await program.parseAsync(['node', 'provision', ...args]);
    assert.deepEqual(loaded, ['inv.yml']);
    return { out };
  } catch (error) {
    return { out, error };
  }
}

test('metrics apply --json: created, then unchanged', { skip }, async () => {
  const inv = inventory(moto!.endpoint);
  const first = await run(inv, ['metrics', 'apply', '--inventory', 'inv.yml', '--json']);
  assert.equal(first.error, undefined);
  const doc = JSON.parse(first.out);
  assert.equal(doc.command, 'metrics apply');
  assert.deepEqual(doc.summary, { created: 2, updated: 0, unchanged: 0, failed: 0 });
  const second = JSON.parse((await run(inv, ['metrics', 'apply', '--inventory', 'inv.yml', '--json'])).out);
  assert.deepEqual(second.summary, { created: 0, updated: 0, unchanged: 2, failed: 0 });
  const text = await run(inventory(moto!.endpoint, 'ERROR -DEBUG'), ['metrics', 'apply', '--inventory', 'inv.yml']);
  assert.match(text.out, /^updated {3}metric filter errors on \/app updated\n {10}pattern "ERROR" → "ERROR -DEBUG"$/m);
  assert.match(text.out, /0 created, 1 updated, 1 unchanged, 0 failed\n$/);
});

test('metrics test: AWS n/a on moto, local verdicts shown; a wrong sample fails the run', { skip }, async () => {
  const ok = await run(inventory(moto!.endpoint), ['metrics', 'test', '--inventory', 'inv.yml']);
  assert.equal(ok.error, undefined);
  // Said once, in the summary, not at every filter.
  assert.match(ok.out, /; tested by AWS: 0 \(TestMetricFilter is not available on this endpoint\)\n$/);
  assert.doesNotMatch(ok.out, /^ +AWS: /m);
  assert.match(ok.out, /ok {3}expected=match local=match aws=n\/a {2}"ERROR one"/);

  const bad = await run(inventory(moto!.endpoint, 'INFO'), ['metrics', 'test', '--inventory', 'inv.yml', '--json']);
  assert.ok(bad.error instanceof RunFailed);
  const doc = JSON.parse(bad.out);
  assert.equal(doc.command, 'metrics test');
  assert.equal(doc.summary.disagreements, 2);
});

test('metrics test --local does not need an endpoint', async () => {
  const r = await run(inventory('http://127.0.0.1:9'), [
    'metrics',
    'test',
    '--inventory',
    'inv.yml',
    '--local',
    '--json',
  ]);
  assert.equal(r.error, undefined);
  assert.equal(JSON.parse(r.out).filters[0].awsNote, 'not asked (local test only)');
});
