// Table-driven plan cases (as pyinfra's): every test/cases/plan/*.json is one host, its desired state, its facts
// and what the planner must say. In the JSON, a mode is an octal string ("0644"), and a file content or an exact
// diff may be an array of lines (joined with "\n", with a final "\n"). An expected change lists only the fields
// it checks; `summary` is one substring or several. `noops` and `refusals` are substrings, in order, and their
// counts are exact. `mustNotContain` lists strings that may appear nowhere in the plan (but the desired file
// each file change carries for the apply) nor in its report.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changeReport, hostStatusOf, plan, type PlanResult } from '../../../src/core/plan.js';
import type { Change, DesiredState, HostFacts } from '../../../src/core/types.js';

/** The repository root: tsc does not copy JSON to dist/, so the cases are read from the source tree. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test');
    dir = up;
  }
  return dir;
}

type Lines = string | string[];
interface ExpectedChange {
  kind: Change['kind'];
  action: string;
  path?: string;
  name?: string;
  command?: string;
  notifies?: boolean;
  summary?: Lines;
  diff?: Lines;
}
interface PlanCase {
  description: string;
  desired: unknown;
  facts: unknown;
  expect: {
    status: 'ok' | 'changed' | 'failed';
    changes: ExpectedChange[];
    noops: string[];
    refusals: string[];
    mustNotContain?: string[];
  };
}

const text = (v: Lines): string => (Array.isArray(v) ? (v.length === 0 ? '' : `${v.join('\n')}\n`) : v);

/** Octal mode strings → numbers and line arrays → text, anywhere in desired or facts. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'mode' && typeof v === 'string') out[k] = parseInt(v, 8);
    else if (k === 'content' && Array.isArray(v)) out[k] = text(v as string[]);
    else out[k] = revive(v);
  }
  return out;
}

function loadCases(): [string, PlanCase][] {
  const dir = join(repoRoot(), 'test', 'cases', 'plan');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as PlanCase]);
}

function checkChange(actual: Change | undefined, expected: ExpectedChange, at: string): void {
  assert.ok(actual, `${at}: missing`);
  const a = actual as Record<string, unknown>;
  for (const key of ['kind', 'action', 'path', 'name', 'command', 'notifies'] as const)
    if (expected[key] !== undefined) assert.equal(a[key], expected[key], `${at}.${key}`);
  const summaries = expected.summary === undefined ? [] : [expected.summary].flat();
  for (const s of summaries)
    assert.ok(actual.summary.includes(s), `${at}.summary ${JSON.stringify(actual.summary)} lacks ${JSON.stringify(s)}`);
  if (expected.diff !== undefined) assert.equal(a.diff, text(expected.diff), `${at}.diff`);
}

function checkStrings(actual: string[], expected: string[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${JSON.stringify(actual)}`);
  expected.forEach((s, i) =>
    assert.ok(actual[i]?.includes(s), `${what}[${i}] ${JSON.stringify(actual[i])} lacks ${JSON.stringify(s)}`),
  );
}

const cases = loadCases();

test('there are plan cases', () => {
  assert.ok(cases.length >= 12, `only ${cases.length} cases`);
});

for (const [file, c] of cases) {
  test(`${file}: ${c.description}`, () => {
    const result: PlanResult = plan(revive(c.desired) as DesiredState, revive(c.facts) as HostFacts);
    assert.equal(
      result.changes.length,
      c.expect.changes.length,
      `changes: ${JSON.stringify(result.changes.map((ch) => `${ch.kind}:${ch.action}`))}`,
    );
    c.expect.changes.forEach((e, i) => checkChange(result.changes[i], e, `changes[${i}]`));
    checkStrings(result.noops, c.expect.noops, 'noops');
    checkStrings(result.refusals, c.expect.refusals, 'refusals');
    assert.equal(hostStatusOf(result), c.expect.status);
    const shown = [
      JSON.stringify(result, (key, value: unknown) => (key === 'desired' ? undefined : value)),
      JSON.stringify(result.changes.map(changeReport)),
    ].join('\n');
    for (const secret of c.expect.mustNotContain ?? []) assert.ok(!shown.includes(secret), `${secret} leaked`);
  });
}

test('the planner is pure: same input, same plan, inputs untouched', () => {
  for (const [, c] of cases) {
    const desired = revive(c.desired) as DesiredState;
    const facts = revive(c.facts) as HostFacts;
    const before = JSON.stringify([desired, facts]);
    assert.deepEqual(plan(desired, facts), plan(desired, facts));
    assert.equal(JSON.stringify([desired, facts]), before);
  }
});
