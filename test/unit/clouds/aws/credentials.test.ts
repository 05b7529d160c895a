import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveCredentials } from '../../../../src/clouds/aws/credentials.js';
import { UsageError } from '../../../../src/core/errors.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

test('credentials: an instance profile writes nothing', async () => {
  assert.equal(await resolveCredentials({ source: 'instance_profile' }, {}), undefined);
});

test('credentials: env reads the tool environment, session token included', async () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: 'tok' };
  assert.deepEqual(await resolveCredentials({ source: 'env' }, env), {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: SECRET,
    sessionToken: 'tok',
  });
});

test('credentials: env names the missing variables and never prints a secret', async () => {
  await assert.rejects(
    resolveCredentials({ source: 'env' }, { AWS_SECRET_ACCESS_KEY: SECRET }),
    (err: unknown) =>
      err instanceof UsageError && /AWS_ACCESS_KEY_ID is not set/.test(err.message) && !err.message.includes(SECRET),
  );
  await assert.rejects(
    resolveCredentials({ source: 'env' }, {}),
    /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/,
  );
});

function profiles(text: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), 'aws-profiles-'));
  writeFileSync(path.join(dir, 'credentials'), text);
  writeFileSync(path.join(dir, 'config'), '');
  return {
    dir,
    env: { AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'), AWS_CONFIG_FILE: path.join(dir, 'config') },
  };
}

test('credentials: keys read the named profile, default "default"', async () => {
  const { dir, env } = profiles(
    `[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = ${SECRET}\n\n[logs]\naws_access_key_id = AKIALOGS\naws_secret_access_key = other\naws_session_token = tok\n`,
  );
  try {
    assert.deepEqual(await resolveCredentials({ source: 'keys' }, env), {
      accessKeyId: 'AKIADEFAULT',
      secretAccessKey: SECRET,
    });
    assert.deepEqual(await resolveCredentials({ source: 'keys', profile: 'logs' }, env), {
      accessKeyId: 'AKIALOGS',
      secretAccessKey: 'other',
      sessionToken: 'tok',
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('credentials: a missing profile names the profile and the file, not a secret', async () => {
  const { dir, env } = profiles(`[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = ${SECRET}\n`);
  try {
    await assert.rejects(resolveCredentials({ source: 'keys', profile: 'nope' }, env), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /AWS profile "nope" gives no credentials/);
      assert.ok(err.message.includes(path.join(dir, 'credentials')));
      assert.ok(!err.message.includes(SECRET));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('credentials: keys in the config file count; a profile with credential_process is left to the SDK, which runs it', async () => {
  const { dir, env } = profiles('');
  writeFileSync(
    path.join(dir, 'config'),
    [
      '[profile cfg]',
      'aws_access_key_id = AKIACONFIG',
      `aws_secret_access_key = ${SECRET}`,
      '[profile proc]',
      `credential_process = printf '{"Version":1,"AccessKeyId":"AKIAPROCESS","SecretAccessKey":"fromprocess"}'`,
      '',
    ].join('\n'),
  );
  try {
    assert.deepEqual(await resolveCredentials({ source: 'keys', profile: 'cfg' }, env), {
      accessKeyId: 'AKIACONFIG',
      secretAccessKey: SECRET,
    });
    assert.deepEqual(await resolveCredentials({ source: 'keys', profile: 'proc' }, env), {
      accessKeyId: 'AKIAPROCESS',
      secretAccessKey: 'fromprocess',
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
