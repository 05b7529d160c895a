// The bench's reading of the migrate dry run: the CloudWatch agent's JSON, from the diff of a file not yet there,
// is what the Ansible baseline writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTwoFilesPatch } from 'diff';
import { addedText, jsonByHost } from '../../../bench/migrate.js';

const PATH = '/opt/aws/amazon-cloudwatch-agent/etc/awslogs-provision.json';
const JSON_TEXT = '{\n  "logs": {\n    "force_flush_interval": 5\n  }\n}\n';

test('a new file’s diff gives back its text, final newline or not', () => {
  assert.equal(addedText(createTwoFilesPatch(PATH, PATH, '', JSON_TEXT)), JSON_TEXT);
  assert.equal(addedText(createTwoFilesPatch(PATH, PATH, '', 'a\nb')), 'a\nb');
});

test('a diff that changes an existing file is refused', () => {
  assert.throws(() => addedText(createTwoFilesPatch(PATH, PATH, 'a\nb\n', 'a\nc\n')), /existing file/);
});

test('each host’s JSON from the dry run’s report; a host without it is an error', () => {
  const diff = createTwoFilesPatch(PATH, PATH, '', JSON_TEXT);
  const hosts = [{ name: 'lab01', status: 'changed', changes: [{ path: '/x' }, { path: PATH, diff }] }];
  assert.deepEqual(jsonByHost({ hosts }), { lab01: JSON_TEXT });
  assert.throws(() => jsonByHost({ hosts: [{ name: 'lab02', status: 'changed', changes: [] }] }), /lab02/);
});
