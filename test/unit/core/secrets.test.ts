import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MASK,
  isSecretIniKey,
  maskAll,
  maskIniSecretValues,
  maskSecretFileLines,
  maskSecrets,
} from '../../../src/core/secrets.js';

test('MASK is eight asterisks', () => {
  assert.equal(MASK, '********');
});

test('maskSecrets replaces every occurrence of every secret', () => {
  assert.equal(maskSecrets('k=abc; again abc; other xyz', ['abc', 'xyz']), `k=${MASK}; again ${MASK}; other ${MASK}`);
});

test('maskSecrets ignores empty secrets and leaves text without secrets alone', () => {
  assert.equal(maskSecrets('nothing here', ['', 'absent']), 'nothing here');
  assert.equal(maskSecrets('abc', []), 'abc');
});

test('maskSecrets masks the longer of two overlapping secrets whole', () => {
  assert.equal(maskSecrets('key=abcdef', ['abc', 'abcdef']), `key=${MASK}`);
});

test('maskSecrets treats secrets literally, not as patterns', () => {
  assert.equal(maskSecrets('a+b a.b', ['a+b', '.']), `${MASK} a${MASK}b`);
});

test('isSecretIniKey: AWS credential keys and anything named secret', () => {
  for (const k of ['aws_secret_access_key', 'AWS_SESSION_TOKEN', 'aws_security_token', 'client_secret', 'SecretValue'])
    assert.ok(isSecretIniKey(k), k);
  for (const k of ['aws_access_key_id', 'region', 'file', 'log_group_name']) assert.ok(!isSecretIniKey(k), k);
});

test('maskIniSecretValues masks values of secret keys only, keeping layout', () => {
  const text = [
    '[default]',
    'region = ap-northeast-2',
    'aws_access_key_id = AKIAEXAMPLE',
    'aws_secret_access_key = OLDSECRET/with+chars',
    'aws_session_token=TOKEN123',
    '  my_secret: hush',
    'aws_secret_access_key =',
    '',
  ].join('\n');
  assert.equal(
    maskIniSecretValues(text),
    [
      '[default]',
      'region = ap-northeast-2',
      'aws_access_key_id = AKIAEXAMPLE',
      `aws_secret_access_key = ${MASK}`,
      `aws_session_token=${MASK}`,
      `  my_secret: ${MASK}`,
      'aws_secret_access_key =',
      '',
    ].join('\n'),
  );
});

test('maskIniSecretValues masks lines of a unified diff, keeping the markers', () => {
  const diff = [
    '--- a/x',
    '+++ b/x',
    '@@ -1,2 +1,2 @@',
    ' region = r',
    '-aws_secret_access_key = OLD',
    '+aws_secret_access_key = NEW',
    '',
  ].join('\n');
  const masked = maskIniSecretValues(diff);
  assert.ok(!masked.includes('OLD') && !masked.includes('NEW'));
  assert.ok(masked.includes(`-aws_secret_access_key = ${MASK}`));
  assert.ok(masked.includes(`+aws_secret_access_key = ${MASK}`));
  assert.ok(masked.startsWith('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n region = r\n'));
});

test('maskIniSecretValues keeps CRLF line endings', () => {
  assert.equal(
    maskIniSecretValues('aws_secret_access_key = S\r\nregion = r\r\n'),
    `aws_secret_access_key = ${MASK}\r\nregion = r\r\n`,
  );
});

test('maskAll masks a known secret outside any secret key too', () => {
  assert.equal(
    maskAll('note = SEKRIT\naws_secret_access_key = OTHER\n', ['SEKRIT']),
    `note = ${MASK}\naws_secret_access_key = ${MASK}\n`,
  );
});

test('maskIniSecretValues masks a secret key commented out, after ;, behind a diff marker or inside a log line', () => {
  const text = [
    '# aws_secret_access_key = OLD1',
    ';aws_secret_access_key=OLD2',
    '-aws_session_token = OLD3',
    "+  ParsingError: [line 3]: 'aws_security_token: OLD4'",
    ' region = ap-northeast-2 # not secret',
  ].join('\n');
  const masked = maskIniSecretValues(text);
  for (const old of ['OLD1', 'OLD2', 'OLD3', 'OLD4']) assert.ok(!masked.includes(old), masked);
  assert.ok(masked.includes(`-aws_session_token = ${MASK}`));
  assert.ok(masked.endsWith(' region = ap-northeast-2 # not secret'));
});

test('maskSecretFileLines shows only what cannot be a secret: blank lines, sections, known plain keys', () => {
  const file = [
    '# /etc/awslogs/awscli.conf, a comment that could hold anything',
    '[plugins]',
    'cwlogs = cwlogs',
    '; aws_secret_access_key = OLDSEMI',
    '',
    '[default]',
    'region = ap-northeast-2',
    'aws_access_key_id = AKIAOLD',
    'aws_secret_access_key = first-half',
    '  OLDCONTINUED',
    'region = us-east-1 ; OLDINVALUE',
    '[profile old]',
    'password = OLDPASSWORD\r',
    'endpoint_url =',
    'a line of its own: OLDLINE',
  ].join('\n');
  assert.equal(
    maskSecretFileLines(file),
    [
      `# ${MASK}`,
      '[plugins]',
      'cwlogs = cwlogs',
      `; ${MASK}`,
      '',
      '[default]',
      'region = ap-northeast-2',
      'aws_access_key_id = AKIAOLD',
      `aws_secret_access_key = ${MASK}`,
      `  ${MASK}`,
      `region = ${MASK}`,
      '[profile old]',
      `password = ${MASK}\r`,
      'endpoint_url =',
      MASK,
    ].join('\n'),
  );
});

test('maskSecretFileLines on a unified diff keeps its headers and markers', () => {
  const diff = [
    '--- a/etc/awslogs/awscli.conf',
    '+++ b/etc/awslogs/awscli.conf',
    '@@ -1,4 +1,3 @@',
    ' [default]',
    '-# aws_secret_access_key = OLD',
    '-  OLDCONT',
    '+aws_secret_access_key = NEW',
    ' region = r',
    '\\ No newline at end of file',
  ].join('\n');
  assert.equal(
    maskSecretFileLines(diff, { diff: true }),
    [
      '--- a/etc/awslogs/awscli.conf',
      '+++ b/etc/awslogs/awscli.conf',
      '@@ -1,4 +1,3 @@',
      ' [default]',
      `-# ${MASK}`,
      `-  ${MASK}`,
      `+aws_secret_access_key = ${MASK}`,
      ' region = r',
      '\\ No newline at end of file',
    ].join('\n'),
  );
});
