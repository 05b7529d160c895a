import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readProfileKeys,
  readSection,
  sectionName,
  setSection,
  sharedFilePaths,
  writeProfileKeys,
} from '../../../../src/clouds/aws/shared-files.js';

const FILE = `[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = s1

# the agent
[awslogs]
aws_access_key_id=AKIAOLD
aws_secret_access_key=old
region = x
`;

test('a section is read by its exact name', () => {
  assert.deepEqual(readSection(FILE, 'awslogs'), {
    aws_access_key_id: 'AKIAOLD',
    aws_secret_access_key: 'old',
    region: 'x',
  });
  assert.equal(readSection(FILE, 'aws'), undefined);
});

test('setting keys replaces them in place and keeps every other line', () => {
  const text = setSection(FILE, 'awslogs', { aws_access_key_id: 'AKIANEW', aws_secret_access_key: 'new' });
  assert.equal(
    text,
    FILE.replace('aws_access_key_id=AKIAOLD', 'aws_access_key_id = AKIANEW').replace(
      'aws_secret_access_key=old',
      'aws_secret_access_key = new',
    ),
  );
});

test('a missing key is added at the end of its section, a missing section at the end of the file', () => {
  const withKey = setSection(FILE, 'default', { region: 'ap-northeast-2' });
  assert.match(withKey, /aws_secret_access_key = s1\nregion = ap-northeast-2\n\n# the agent/);
  const withSection = setSection('', 'profile lab', { region: 'r', endpoint_url: 'http://127.0.0.1:1' });
  assert.equal(withSection, '[profile lab]\nregion = r\nendpoint_url = http://127.0.0.1:1\n');
});

test('config sections are "profile NAME", except default', () => {
  assert.equal(sectionName('config', 'lab'), 'profile lab');
  assert.equal(sectionName('config', 'default'), 'default');
  assert.equal(sectionName('credentials', 'lab'), 'lab');
});

test('the environment names the files, else ~/.aws', () => {
  assert.deepEqual(sharedFilePaths({ AWS_SHARED_CREDENTIALS_FILE: '/c', AWS_CONFIG_FILE: '/k' }), {
    credentials: '/c',
    config: '/k',
  });
  assert.match(sharedFilePaths({}).credentials, /\.aws\/credentials$/);
});

test('profile keys are written 0600 beside the other profiles, and read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shared-files-'));
  try {
    const file = join(dir, 'aws', 'credentials');
    await writeProfileKeys(file, 'awslogs', { accessKeyId: 'AKIA1', secretAccessKey: 'sec1' });
    await writeFile(file, (await readFile(file, 'utf8')) + '\n[other]\naws_access_key_id = AKIA2\n', { mode: 0o600 });
    await writeProfileKeys(file, 'awslogs', { accessKeyId: 'AKIA3', secretAccessKey: 'sec3' });
    assert.deepEqual(await readProfileKeys(file, 'awslogs'), { accessKeyId: 'AKIA3', secretAccessKey: 'sec3' });
    assert.match(await readFile(file, 'utf8'), /\[other\]\naws_access_key_id = AKIA2/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await readProfileKeys(file, 'nobody'), undefined);
    assert.equal(await readProfileKeys(join(dir, 'absent'), 'awslogs'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
