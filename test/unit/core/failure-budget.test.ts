import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureBudget } from '../../../src/core/failure-budget.js';

test("Ansible's max_fail_percentage: the run stops once failed / hosts > percentage; unreachable does not count", () => {
  const b = new FailureBudget(10, 30);
  assert.equal(b.remaining(), 3);
  for (let i = 0; i < 3; i++) b.record('failed');
  b.record('unreachable');
  assert.equal(b.exceeded(), false, '3 of 10 is not more than 30%');
  b.record('failed');
  assert.equal(b.exceeded(), true);
  assert.match(b.reason(), /^not run: 4 of 10 host\(s\) failed, more than --max-fail-percentage 30% allows$/);
});

test('0% stops at the first failure; a fraction of a host rounds down; no threshold never stops', () => {
  const zero = new FailureBudget(3, 0);
  assert.equal(zero.remaining(), 0);
  zero.record('failed');
  assert.equal(zero.exceeded(), true);
  assert.equal(new FailureBudget(3, 50).remaining(), 1);
  assert.equal(new FailureBudget(7, 100).remaining(), 7);
  const none = new FailureBudget(3);
  none.record('failed');
  assert.equal(none.remaining(), undefined);
  assert.equal(none.exceeded(), false);
});
