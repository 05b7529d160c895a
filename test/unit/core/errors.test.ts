import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, InputError } from '../../../src/core/errors.js';

test('a problem names file, line, column, value path and rule', () => {
  const text = formatProblem({
    file: 'prod.yml',
    line: 12,
    column: 7,
    path: 'hosts.web1.awslogs_logs[0].buffer_duration',
    rule: 'buffer_duration must be at least 5000 ms',
    expected: 'an integer >= 5000',
    found: '100',
  });
  assert.equal(
    text,
    'prod.yml:12:7: hosts.web1.awslogs_logs[0].buffer_duration: buffer_duration must be at least 5000 ms; expected an integer >= 5000; found 100',
  );
});

test('an InputError carries every problem and exit code 2', () => {
  const err = new InputError([
    { file: 'a.yml', rule: 'one' },
    { file: 'a.yml', rule: 'two' },
  ]);
  assert.equal(err.exitCode, 2);
  assert.equal(err.problems.length, 2);
  assert.match(err.message, /one\n.*two/);
});
