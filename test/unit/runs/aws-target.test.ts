import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/core/errors.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { awsSettings } from '../../../src/runs/iam/aws-target.js';
import { modeFor } from '../../../src/runs/iam/iam.js';

function inventory(hosts: Record<string, Record<string, unknown>>): Inventory {
  return {
    file: '/inv.yml',
    groups: {},
    hosts: Object.entries(hosts).map(([name, vars]) => ({
      name,
      groups: ['all'],
      vars,
      locate: (path) => ({ file: `/host_vars/${name}.yml`, line: path.length }),
    })),
  };
}

test('region, endpoint, credentials and instance ids come from the hosts', () => {
  const common = { aws_region: 'ap-northeast-2', aws_endpoint_url: 'http://127.0.0.1:5000' };
  const s = awsSettings(
    inventory({
      a: { ...common, awslogs_credentials: { source: 'keys', profile: 'awslogs' }, instance_id: 'i-1' },
      b: { ...common, awslogs_credentials: { source: 'keys', profile: 'awslogs' }, ec2_instance_id: 'i-2' },
      c: { ...common, awslogs_credentials: { source: 'keys', profile: 'awslogs' } },
    }),
  );
  assert.deepEqual(s, {
    region: 'ap-northeast-2',
    endpointUrl: 'http://127.0.0.1:5000',
    credentials: { source: 'keys', profile: 'awslogs' },
    instances: [{ host: 'a', instanceId: 'i-1' }, { host: 'b', instanceId: 'i-2' }, { host: 'c' }],
    ssm: false,
  });
  assert.equal(modeFor(s), 'user');
  assert.equal(modeFor({ ...s, credentials: { source: 'instance_profile' } }), 'role');
  assert.equal(modeFor({ ...s, credentials: { source: 'instance_profile' } }, 'user'), 'user');
});

test('a host reached over SSM: its ansible_aws_ssm_instance_id counts, and the role needs the SSM policy', () => {
  const s = awsSettings(
    inventory({
      a: {
        aws_region: 'ap-northeast-2',
        ansible_connection: 'aws_ssm',
        ansible_aws_ssm_instance_id: 'i-0123456789abcdef0',
      },
      b: { aws_region: 'ap-northeast-2' },
    }),
  );
  assert.equal(s.ssm, true);
  assert.deepEqual(s.instances, [{ host: 'a', instanceId: 'i-0123456789abcdef0' }, { host: 'b' }]);
});

test('a missing region, hosts that disagree and an unknown source are all reported, with where', () => {
  assert.throws(
    () =>
      awsSettings(
        inventory({
          a: { aws_region: 'ap-northeast-2', awslogs_credentials: { source: 'key' } },
          b: { aws_region: 'us-east-1', awslogs_credentials: { source: 'key' } },
          c: { awslogs_credentials: { source: 'key' } },
        }),
      ),
    (err) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(
        err.problems.map((p) => [p.file, p.path, p.rule]),
        [
          ['/host_vars/b.yml', 'hosts.b.aws_region', 'every host must have the same aws_region'],
          ['/host_vars/c.yml', 'hosts.c.aws_region', 'aws_region is required'],
          ['/host_vars/a.yml', 'awslogs_credentials.source', 'unknown credential source'],
        ],
      );
      return true;
    },
  );
});
