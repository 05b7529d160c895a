// The lab's pure parts: names and addresses, flavours, instance ids, subnet overlap, inventory and known_hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { NET, bridgeAddress, flavourOf, hostAddress, hostName, labPaths } from '../../../src/lab/layout.js';
import { newInstanceId } from '../../../src/lab/rootfs.js';
import { overlaps } from '../../../src/lab/network.js';
import { renderInventory, renderKnownHosts, renderSsmInventory } from '../../../src/lab/inventory.js';
import type { HostRecord } from '../../../src/lab/state.js';

test('hosts are lab01… at 10.213.7.11…; mixed cycles amzn2, amzn1, amzn2, amzn2023', () => {
  assert.equal(hostName(1), 'lab01');
  assert.equal(hostName(20), 'lab20');
  assert.equal(hostAddress(1), `${NET.prefix}.11`);
  assert.equal(hostAddress(20), `${NET.prefix}.30`);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((i) => flavourOf('mixed', i)),
    ['amzn2', 'amzn1', 'amzn2', 'amzn2023', 'amzn2', 'amzn1'],
  );
  assert.equal(flavourOf('amzn1', 1), 'amzn1');
});

test('instance ids are i-0 followed by 16 more hex digits', () => {
  for (let i = 0; i < 100; i++) assert.match(newInstanceId(), /^i-0[0-9a-f]{16}$/);
  assert.equal(
    newInstanceId(() => 0.999),
    'i-0ffffffffffffffff',
  );
});

test('subnet overlap', () => {
  assert.equal(overlaps('10.213.7.0', 24, '10.213.7.0', 24), true);
  assert.equal(overlaps('10.0.0.0', 8, '10.213.7.0', 24), true);
  assert.equal(overlaps('10.213.7.99', 32, '10.213.7.0', 24), true);
  assert.equal(overlaps('192.0.2.0', 24, '10.213.7.0', 24), false);
  assert.equal(overlaps('10.213.8.0', 24, '10.213.7.0', 24), false);
});

const host = (name: string, os: 'amzn1' | 'amzn2', address: string): HostRecord => ({
  name,
  index: Number(name.slice(3)),
  os,
  address,
  instanceId: 'i-0123456789abcdef0',
  netns: `awslab-${name}`,
  veth: 'awslab-v1',
  cgroup: '/sys/fs/cgroup/unified/awslab/' + name,
  dir: '/repo/.lab/hosts/' + name,
  hostKey: 'ssh-ed25519 AAAAC3Nza',
  startedAt: '2026-01-01T00:00:00Z',
});

test('the inventory: a group per flavour, connection vars per host, the lab vars under all.vars', () => {
  const paths = labPaths('/repo');
  const doc = parse(
    renderInventory([host('lab01', 'amzn2', '10.213.7.11'), host('lab02', 'amzn1', '10.213.7.12')], paths),
  ) as {
    all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, unknown> }> };
  };
  assert.deepEqual(Object.keys(doc.all.children).sort(), ['amzn1', 'amzn2']);
  assert.deepEqual(doc.all.children.amzn2?.hosts.lab01, {
    ansible_host: '10.213.7.11',
    ansible_port: 22,
    ansible_user: 'ec2-user',
    ansible_become: true,
    ansible_ssh_private_key_file: paths.key,
    instance_id: 'i-0123456789abcdef0',
    ec2_imdsv2_required: true,
  });
  assert.equal((doc.all.children.amzn1?.hosts.lab02 as Record<string, unknown>).ec2_imdsv2_required, false);
  // The lab operator's profile, named so that nothing needs sourcing; the warnings the lab has reviewed.
  assert.equal(doc.all.vars.aws_profile, 'lab');
  assert.equal(doc.all.vars.aws_shared_credentials_file, `${paths.stateDir}/aws/credentials`);
  assert.equal(doc.all.vars.aws_config_file, `${paths.stateDir}/aws/config`);
  assert.deepEqual(doc.all.vars.provision_acknowledge, ['instance-id-imdsv2', 'datetime-no-year']);
  assert.equal(doc.all.vars.ssh_known_hosts_file, paths.knownHosts);
  assert.equal(doc.all.vars.aws_endpoint_url, `http://${bridgeAddress()}:5000`);
  assert.equal(doc.all.vars.aws_region, 'ap-northeast-2');
  assert.deepEqual(doc.all.vars.awslogs_credentials, { source: 'keys', profile: 'awslogs-agent' });
  const logs = doc.all.vars.awslogs_logs as Record<string, unknown>[];
  assert.deepEqual(logs[0], {
    file: '/var/log/messages',
    log_group_name: '/var/log/messages',
    log_stream_name: '{instance_id}',
    datetime_format: '%b %d %H:%M:%S',
    initial_position: 'start_of_file',
    buffer_duration: 5000,
    time_zone: 'LOCAL',
    multi_line_start_pattern: '{datetime_format}',
  });
  assert.equal(logs[1]?.file, '/var/log/app/app.log');
  assert.equal(logs[1]?.log_stream_name, '{hostname}');
});

test('an empty flavour gets no group', () => {
  const doc = parse(renderInventory([host('lab01', 'amzn1', '10.213.7.11')], labPaths('/repo'))) as {
    all: { children: Record<string, unknown> };
  };
  assert.deepEqual(Object.keys(doc.all.children), ['amzn1']);
});

test('the SSM inventory: the same hosts over aws_ssm, each naming its instance, the agent left to the instance profile', () => {
  const doc = parse(renderSsmInventory([host('lab01', 'amzn2', '10.213.7.11')], labPaths('/repo'))) as {
    all: {
      vars: Record<string, unknown>;
      children: Record<string, { hosts: Record<string, Record<string, unknown>> }>;
    };
  };
  assert.equal(doc.all.vars.ansible_connection, 'aws_ssm');
  assert.deepEqual(doc.all.vars.awslogs_credentials, { source: 'instance_profile' });
  assert.equal(doc.all.children.amzn2?.hosts.lab01?.ansible_aws_ssm_instance_id, 'i-0123456789abcdef0');
});

test('known_hosts names every host by name and address', () => {
  assert.equal(renderKnownHosts([host('lab01', 'amzn2', '10.213.7.11')]), 'lab01,10.213.7.11 ssh-ed25519 AAAAC3Nza\n');
});
