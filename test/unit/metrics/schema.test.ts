import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../../src/core/errors.js';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.js';
import {
  metricsSpecs,
  metricsSpecsFromInventory,
  pathText,
  validateMetricsVars,
  type VarPath,
} from '../../../src/metrics/schema.js';

interface Case {
  name: string;
  vars: Record<string, unknown>;
  problems: { path: string; rule: string }[];
}

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cases = JSON.parse(readFileSync(`${root}test/cases/metrics-schema.json`, 'utf8')) as Case[];

/** A stand-in for the loader's locate(): line = 10 + the length of the path's text. */
const locate = (path: VarPath) => ({ file: 'inv.yml', line: 10 + pathText(path).length, column: 3 });

describe('metrics schema, table-driven (test/cases/metrics-schema.json)', () => {
  for (const c of cases) {
    test(c.name, () => {
      const { specs, problems } = validateMetricsVars(c.vars, locate);
      assert.equal(problems.length, c.problems.length, JSON.stringify(problems, null, 2));
      c.problems.forEach((want, i) => {
        const got = problems[i];
        assert.ok(got);
        assert.equal(got.path, want.path);
        assert.ok(got.rule.includes(want.rule), `${got.rule} should include ${want.rule}`);
        assert.equal(got.file, 'inv.yml');
        assert.equal(got.line, 10 + want.path.length, 'the line comes from locate()');
      });
      assert.equal(specs === undefined, c.problems.length > 0);
    });
  }
});

test('a valid filter becomes a typed spec with defaults', () => {
  const specs = metricsSpecs(cases[0]!.vars, locate);
  assert.equal(specs.region, 'ap-northeast-2');
  assert.equal(specs.filters.length, 1);
  const f = specs.filters[0]!;
  assert.equal(f.metricValue, '1');
  assert.equal(f.defaultValue, undefined);
  assert.equal(f.parsed.kind, 'terms');
  assert.deepEqual(f.samples, { match: ['CRIT disk'], noMatch: ['fine'] });
  assert.deepEqual(f.path, ['cloudwatch_metric_filters', 0]);
  assert.deepEqual(specs.dashboard?.widgets, []);
});

test('metricsSpecs throws an InputError with every problem', () => {
  assert.throws(
    () => metricsSpecs(cases[2]!.vars, locate),
    (err: unknown) => err instanceof InputError && err.problems.length === 6 && /inv\.yml:\d+:3:/.test(err.message),
  );
});

function host(name: string, vars: Record<string, unknown>): InventoryHost {
  return { name, groups: ['all'], vars, locate: (p) => ({ file: `host_vars/${name}.yml`, line: p.length }) };
}

test('from an inventory: one value for every host, else a problem naming the host', () => {
  const vars = cases[0]!.vars;
  const inv: Inventory = {
    file: '/x/inv.yml',
    hosts: [host('web1', vars), host('web2', vars)],
    groups: {},
  };
  assert.equal(metricsSpecsFromInventory(inv).filters.length, 1);
  inv.hosts.push(host('web3', { ...vars, aws_region: 'us-east-1' }));
  assert.throws(
    () => metricsSpecsFromInventory(inv),
    (err: unknown) =>
      err instanceof InputError &&
      err.problems.length === 1 &&
      err.problems[0]?.path === 'hosts.web3.aws_region' &&
      err.problems[0]?.file === 'host_vars/web3.yml',
  );
});

test('an inventory without hosts uses the all group and the inventory file', () => {
  const inv: Inventory = {
    file: '/x/inv.yml',
    hosts: [],
    groups: { all: { name: 'all', hosts: [], children: [], vars: { cloudwatch_dashboard: { name: 'bad name' } } } },
  };
  assert.throws(
    () => metricsSpecsFromInventory(inv),
    (err: unknown) => err instanceof InputError && err.problems[0]?.file === '/x/inv.yml',
  );
});
