// The dry run's key-by-key table and inventory change: stops first, every key on its line with its note, values
// from a host escaped (a control character cannot act on the operator's terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { formatFateTable, formatInventoryChange } from '../../../src/ui/migration-table.js';
import type { KeyFate } from '../../../src/agents/cloudwatch-agent/from-awslogs/index.js';

const fates: KeyFate[] = [
  {
    section: 'app',
    option: 'file',
    value: '/var/log/app.log',
    fate: 'kept',
    target: 'file_path',
    result: '/var/log/app.log',
    note: 'the same file',
  },
  { section: 'app', option: 'datetime_format', value: '%j\u001b[2J', fate: 'stop', note: '%j has no equivalent' },
  { section: 'app', option: 'batch_count', fate: 'dropped', note: 'up to 10,000 events' },
];

test('the table: stops first, each key with its value, fate, target and note; control characters escaped', () => {
  const text = formatFateTable('web1', fates);
  const lines = text.split('\n');
  assert.equal(lines[0], 'web1: not migrated, 1 key(s) cannot be carried over:');
  assert.equal(lines[1], '  ✖ app datetime_format: %j has no equivalent');
  assert.match(text, /^SECTION +OPTION +AWSLOGS +FATE +CLOUDWATCH AGENT$/m);
  assert.match(text, /^app +file +\/var\/log\/app\.log +kept +file_path = \/var\/log\/app\.log$/m);
  assert.match(text, /^app +batch_count +\(not set\) +dropped +-$/m);
  assert.match(text, /^ {4}up to 10,000 events$/m);
  assert.ok(!text.includes('\u001b'), 'no raw escape character');
  assert.match(text, /%j\\x1b\[2J/);
  assert.equal(formatFateTable('web2', [fates[0]!]).split('\n')[0], 'web2: 1 awslogs key(s), every one carried over');
});

test('the inventory change: YAML under the host name that reads back as the variables', () => {
  const vars = {
    log_agent: 'cloudwatch-agent',
    cloudwatch_agent_logs: [{ file_path: '/x', log_stream_name: '{instance_id}' }],
  };
  const text = formatInventoryChange('web1', vars, ['awslogs_logs']);
  assert.match(text, /^# web1: the CloudWatch agent's variables/);
  assert.deepEqual(parse(text), { web1: vars });
});
