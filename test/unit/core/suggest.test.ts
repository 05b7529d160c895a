import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, didYouMean } from '../../../src/core/suggest.js';

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
