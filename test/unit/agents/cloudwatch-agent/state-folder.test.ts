import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapePath,
  fetchConfigName,
  installedConfigPath,
  parseStateFile,
  serializeStateFile,
  stateFilePath,
} from '../../../../src/agents/cloudwatch-agent/state-folder.js';
import { MANAGED_JSON_PATH } from '../../../../src/agents/cloudwatch-agent/paths.js';

test('paths are escaped: / space : become _', () => {
  assert.equal(escapePath('/var/log/messages'), '_var_log_messages');
  assert.equal(escapePath('/srv/my app/c:d.log'), '_srv_my_app_c_d.log');
  assert.equal(stateFilePath('/var/log/messages'), '/opt/aws/amazon-cloudwatch-agent/logs/state/_var_log_messages');
});

test('fetch-config names its copy file_<basename>, and file_file_ for a copy of a copy', () => {
  assert.equal(fetchConfigName('/tmp/my config.json'), 'file_my_config.json');
  assert.equal(
    fetchConfigName('/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.d/file_x.json'),
    'file_file_x.json',
  );
  assert.equal(
    installedConfigPath(MANAGED_JSON_PATH),
    '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.d/file_awslogs-provision.json',
  );
});

test('state files: two lines, or three with ranges; no trailing newline written', () => {
  assert.deepEqual(parseStateFile('1234\n/var/log/messages'), { offset: 1234, path: '/var/log/messages' });
  assert.deepEqual(parseStateFile('5000\n/var/log/app.log\n0-3000,3500-5000'), {
    offset: 5000,
    path: '/var/log/app.log',
    ranges: [
      { from: 0, to: 3000 },
      { from: 3500, to: 5000 },
    ],
  });
  assert.equal(serializeStateFile({ offset: 10, path: '/a' }), '10\n/a');
  assert.equal(serializeStateFile({ offset: 10, path: '/a', ranges: [{ from: 0, to: 10 }] }), '10\n/a\n0-10');
  for (const bad of ['', 'x\n/a', '1\nrelative', '1\n/a\n5-2', '1\n/a\n0-1\nextra']) {
    assert.throws(() => parseStateFile(bad), /state file/, JSON.stringify(bad));
  }
});
