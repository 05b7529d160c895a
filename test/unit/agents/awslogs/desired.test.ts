import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AWSCLI_CONF_PATH,
  AWSLOGS_CONF_PATH,
  PACKAGE_NAME,
  desiredState,
  serviceName,
} from '../../../../src/agents/awslogs/desired.js';
import type { HostSpec } from '../../../../src/agents/awslogs/spec.js';

const SPEC: HostSpec = {
  host: 'web1',
  region: 'ap-northeast-2',
  regionDefaulted: false,
  credentials: { source: 'env' },
  general: { state_file: '/var/lib/awslogs/agent-state' },
  logs: [{ section: 'm', file: '/var/log/messages', log_group_name: 'm', log_stream_name: '{hostname}' }],
};

test('desired: the service is awslogs on Amazon Linux 1 and awslogsd on Amazon Linux 2', () => {
  assert.equal(serviceName('amzn1'), 'awslogs');
  assert.equal(serviceName('amzn2'), 'awslogsd');
});

test('desired: package, two root-owned files that restart the agent, a running enabled service', () => {
  const state = desiredState(SPEC, { awslogsConf: 'A', awscliConf: 'B', secrets: ['s3cr3t'] }, 'amzn2');
  assert.deepEqual(state, {
    package: { name: PACKAGE_NAME },
    files: [
      { path: AWSLOGS_CONF_PATH, content: 'A', mode: 0o644, owner: 'root', group: 'root', secrets: [], notifies: true },
      {
        path: AWSCLI_CONF_PATH,
        content: 'B',
        mode: 0o600,
        owner: 'root',
        group: 'root',
        secrets: ['s3cr3t'],
        holdsSecrets: true,
        notifies: true,
        credentials: true,
      },
    ],
    service: { name: 'awslogsd', running: true, enabled: true },
  });
  assert.equal(PACKAGE_NAME, 'awslogs');
  assert.equal(AWSLOGS_CONF_PATH, '/etc/awslogs/awslogs.conf');
  assert.equal(AWSCLI_CONF_PATH, '/etc/awslogs/awscli.conf');
  assert.equal(desiredState(SPEC, { awslogsConf: '', awscliConf: '', secrets: [] }, 'amzn1').service.name, 'awslogs');
});
