// The lab CloudWatch agent's pure parts: its first validation phase (the agent's schema, its words), its globs,
// and the lab inventory's Amazon Linux 2023 group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkSchema } from '../../../src/lab/cwagent/schema.js';
import { glob } from '../../../src/lab/cwagent/glob.js';
import { labInventory } from '../../../src/lab/inventory.js';
import { labPaths } from '../../../src/lab/layout.js';
import type { HostRecord } from '../../../src/lab/state.js';
import { validateCloudWatchAgentHosts } from '../../../src/agents/cloudwatch-agent/validate.js';
import { fakeHost } from '../agents/awslogs/fake-host.js';

test("first phase: the agent's schema errors, in its words and paths", () => {
  const errors = checkSchema({
    agent: { anything: true, debug: 'yes' },
    logs: {
      force_flush_interval: 0,
      logs_collected: {
        files: {
          collect_list: [
            { file_path: '/x', from_beginning: true, timezone: 'utc', retention_in_days: 10 },
            { log_group_name: '' },
          ],
        },
      },
    },
  });
  assert.deepEqual(errors, [
    { path: '/agent/debug', message: 'Invalid type. Expected: boolean, given: string' },
    { path: '/logs/force_flush_interval', message: 'Must be greater than or equal to 1' },
    { path: '/logs/logs_collected/files/collect_list/0', message: 'Additional property from_beginning is not allowed' },
    {
      path: '/logs/logs_collected/files/collect_list/0/timezone',
      message: 'timezone must be one of the following: "Local", "LOCAL", "UTC"',
    },
    {
      path: '/logs/logs_collected/files/collect_list/0/retention_in_days',
      message:
        'retention_in_days must be one of the following: -1, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    },
    { path: '/logs/logs_collected/files/collect_list/1', message: 'file_path is required' },
    {
      path: '/logs/logs_collected/files/collect_list/1/log_group_name',
      message: 'String length must be greater than or equal to 1',
    },
  ]);
  // What the tool refuses and the agent takes: an unknown directive, a relative path, an unknown placeholder.
  assert.deepEqual(
    checkSchema({
      logs: {
        logs_collected: {
          files: { collect_list: [{ file_path: 'x.log', timestamp_format: '%j', log_group_name: '{nope}' }] },
        },
      },
    }),
    [],
  );
});

test("globs as Go's filepath.Match with doublestar: dot files match *, ** any depth", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cwagent-glob-'));
  mkdirSync(join(dir, 'a/b'), { recursive: true });
  for (const f of ['x.log', '.hidden.log', 'a/y.log', 'a/b/z.log']) writeFileSync(join(dir, f), '');
  assert.deepEqual(glob(`${dir}/*.log`).sort(), [`${dir}/.hidden.log`, `${dir}/x.log`]);
  assert.deepEqual(glob(`${dir}/**/*.log`).sort(), [
    `${dir}/.hidden.log`,
    `${dir}/a/b/z.log`,
    `${dir}/a/y.log`,
    `${dir}/x.log`,
  ]);
  assert.deepEqual(glob(`${dir}/nope/*.log`), []);
});

test('the lab inventory gives Amazon Linux 2023 hosts the CloudWatch agent', () => {
  const host = (name: string, os: HostRecord['os'], index: number) =>
    ({
      name,
      os,
      index,
      address: `10.0.0.${index}`,
      instanceId: 'i-0',
      netns: '',
      veth: '',
      dir: '',
      hostKey: '',
    }) as unknown as HostRecord;
  const doc = labInventory([host('lab01', 'amzn2', 1), host('lab02', 'amzn2023', 2)], labPaths('/repo')) as {
    all: { children: Record<string, { vars?: Record<string, unknown> }> };
  };
  assert.equal(doc.all.children.amzn2!.vars, undefined);
  const vars = parse(JSON.stringify(doc.all.children.amzn2023!.vars)) as Record<string, unknown>;
  assert.equal(vars.log_agent, 'cloudwatch-agent');
  assert.deepEqual(vars.cloudwatch_agent_credentials, { source: 'keys', profile: 'awslogs-agent' });
  const checked = validateCloudWatchAgentHosts([fakeHost('lab02', { aws_region: 'ap-northeast-2', ...vars })]);
  assert.deepEqual(checked.problems, []);
  assert.deepEqual(checked.warnings, []);
});
