import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, MASK, maskSecretVars } from '../../../src/inventory/mask.js';

const keys: Array<[string, boolean]> = [
  ['aws_secret_access_key', true],
  ['AWS_SECRET_ACCESS_KEY', true],
  ['client_secret', true],
  ['db_password', true],
  ['ansible_become_password', true],
  ['ansible_become_pass', true],
  ['ansible_ssh_pass', true],
  ['key_passphrase', true],
  ['aws_session_token', true],
  ['GithubToken', true],
  ['aws_access_key_id', false],
  ['ansible_ssh_private_key_file', false],
  ['passenger_enabled', false],
  ['aws_region', false],
  ['log_stream_name', false],
];

for (const [key, secret] of keys) {
  test(`${key} ${secret ? 'is' : 'is not'} a secret key`, () => {
    assert.equal(isSecretKey(key), secret);
  });
}

test('maskSecretVars masks at any depth and leaves the original untouched', () => {
  const vars = {
    aws_region: 'ap-northeast-2',
    awslogs_credentials: { source: 'keys', aws_access_key_id: 'AKIAEXAMPLE', aws_secret_access_key: 'wJalr' },
    awslogs_logs: [{ file: '/var/log/messages', api_token: 12345 }],
    db_password: { nested: 'whole value hidden' },
    empty_password: '',
    no_token: null,
  };
  const masked = maskSecretVars(vars);
  assert.deepEqual(masked, {
    aws_region: 'ap-northeast-2',
    awslogs_credentials: { source: 'keys', aws_access_key_id: 'AKIAEXAMPLE', aws_secret_access_key: MASK },
    awslogs_logs: [{ file: '/var/log/messages', api_token: MASK }],
    db_password: MASK,
    empty_password: '',
    no_token: null,
  });
  assert.equal(MASK, '********');
  assert.equal(vars.awslogs_credentials.aws_secret_access_key, 'wJalr');
  assert.notEqual(masked.awslogs_logs, vars.awslogs_logs);
});

test('maskSecretVars copes with shared and cyclic references', () => {
  const shared = { token: 't' };
  const cyclic: Record<string, unknown> = { a: shared, b: shared };
  cyclic['self'] = cyclic;
  const masked = maskSecretVars(cyclic);
  assert.deepEqual(masked['a'], { token: MASK });
  assert.equal(masked['self'], masked);
});
