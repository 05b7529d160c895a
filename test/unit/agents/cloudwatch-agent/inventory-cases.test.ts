// The CloudWatch agent's inventory variables, table-driven (test/cases/cloudwatch-agent/inventory.json): every
// problem names the variable it comes from, and a valid host gets the JSON it will be given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateCloudWatchAgentHosts } from '../../../../src/agents/cloudwatch-agent/validate.js';
import { fakeHost } from '../awslogs/fake-host.js';
import { assertReported, assertSubset, type ExpectedProblem } from '../case-asserts.js';

type Expected = ExpectedProblem;
interface Case {
  name: string;
  vars?: Record<string, unknown>;
  entry?: Record<string, unknown>;
  logs?: unknown;
  problems?: Expected[];
  warnings?: Expected[];
  spec?: unknown;
  config?: unknown;
}
interface CaseFile {
  base: { vars: Record<string, unknown>; entry: Record<string, unknown> };
  cases: Case[];
}

const cases = JSON.parse(
  readFileSync(new URL('../../../../../test/cases/cloudwatch-agent/inventory.json', import.meta.url), 'utf8'),
) as CaseFile;

for (const c of cases.cases) {
  test(`cloudwatch-agent inventory: ${c.name}`, () => {
    const vars: Record<string, unknown> = { ...cases.base.vars };
    for (const [k, v] of Object.entries(c.vars ?? {})) {
      if (v === null) delete vars[k];
      else vars[k] = v;
    }
    const entry = Object.fromEntries(Object.entries({ ...cases.base.entry, ...c.entry }).filter(([, v]) => v !== null));
    const logs = 'logs' in c ? c.logs : [entry];
    if (logs !== null) vars.cloudwatch_agent_logs = logs;
    const result = validateCloudWatchAgentHosts([fakeHost('web1', vars)]);
    assertReported(result.problems, c.problems ?? [], 'problems');
    assertReported(result.warnings, c.warnings ?? [], 'warnings');
    const spec = result.specs.get('web1');
    if ((c.problems ?? []).length > 0) assert.equal(spec, undefined, 'a host with problems gets no spec');
    else {
      assert.ok(spec, 'a valid host gets a spec');
      if (c.spec !== undefined) assertSubset(spec, c.spec, 'spec');
      if (c.config !== undefined) assertSubset(spec.config, c.config, 'config');
    }
  });
}
