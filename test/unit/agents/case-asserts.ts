// Assertions the table-driven validation cases of every agent share.
import assert from 'node:assert/strict';
import type { Problem } from '../../../src/core/errors.js';

export interface ExpectedProblem {
  path: string;
  rule: string;
}

/** Every expected entry matches one actual entry (exact path, rule substring), and nothing else was reported. */
export function assertReported(actual: Problem[], expected: ExpectedProblem[], what: string): void {
  const shown = JSON.stringify(actual, null, 2);
  assert.equal(actual.length, expected.length, `${what}: expected ${expected.length}, got ${shown}`);
  for (const e of expected) {
    assert.ok(
      actual.some((a) => a.path === e.path && a.rule.includes(e.rule)),
      `${what}: none at ${e.path} with "${e.rule}" in ${shown}`,
    );
  }
}

/** `expected` is contained in `actual`: objects by key, arrays element by element. */
export function assertSubset(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: not a list`);
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((e, i) => assertSubset(actual[i], e, `${where}[${i}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    assert.ok(typeof actual === 'object' && actual !== null, `${where}: not an object`);
    for (const [k, v] of Object.entries(expected))
      assertSubset((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else {
    assert.equal(actual, expected, where);
  }
}
