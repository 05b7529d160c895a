import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, didYouMean } from '../../../src/core/suggest.js';
import { formatProblem } from '../../../src/core/errors.js';

test('a typo gets the nearest name; an unrelated word gets none', () => {
  assert.equal(closest('aplly', ['apply', 'rollback', 'render']), 'apply');
  assert.equal(closest('log_strem_name', ['log_group_name', 'log_stream_name']), 'log_stream_name');
  assert.equal(closest('awslogs_log', ['awslogs_logs', 'awslogs_general']), 'awslogs_logs');
  assert.equal(closest('ROLLBACK', ['apply', 'rollback']), 'rollback');
  assert.equal(closest('zzz', ['apply', 'rollback']), undefined);
  assert.equal(closest('ab', ['xy']), undefined);
  assert.equal(didYouMean('rendr', ['render']), ' (did you mean render?)');
  assert.equal(didYouMean('nothing-like-it', ['render']), '');
});

test('a problem whose found is a mistyped name of its expected list says the nearest', () => {
  const where = { file: '/inv.yml', line: 2, column: 3, path: 'all.childen' };
  assert.equal(
    formatProblem({
      ...where,
      rule: 'unknown key in group all',
      expected: 'hosts, children, vars or ec2',
      found: 'childen',
    }),
    '/inv.yml:2:3: all.childen: unknown key in group all; expected hosts, children, vars or ec2; found childen; did you mean children?',
  );
  assert.doesNotMatch(
    formatProblem({
      ...where,
      rule: 'unknown key in group all',
      expected: 'hosts, children, vars or ec2',
      found: 'zzz',
    }),
    /did you mean/,
  );
  assert.doesNotMatch(
    formatProblem({ ...where, rule: 'x (did you mean y?)', expected: 'y or z', found: 'yy' }),
    /; did you mean/,
  );
});
