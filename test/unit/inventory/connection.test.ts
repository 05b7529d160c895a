import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from '../../../src/core/errors.js';
import { connectionOf } from '../../../src/inventory/connection.js';
import { loadInventorySync } from '../../../src/inventory/load.js';
import type { InventoryHost } from '../../../src/inventory/types.js';
import { writeInventory } from './temp-inventory.js';

function loadHost(yaml: string, extra: Record<string, string> = {}): { host: InventoryHost; dir: string } {
  const file = writeInventory({ 'inventory.yml': yaml, ...extra });
  const host = loadInventorySync(file).hosts[0];
  assert.ok(host);
  return { host, dir: dirname(file) };
}

test('connection vars keep Ansible names; key paths resolve against the inventory folder', () => {
  const { host, dir } = loadHost(
    [
      'all:',
      '  vars:',
      '    ansible_user: ec2-user',
      '    ansible_ssh_private_key_file: keys/lab.pem',
      '    ssh_known_hosts_file: ~/.ssh/lab_known_hosts',
      '  hosts:',
      '    web1:',
      '      ansible_host: 10.0.0.11',
      '      ansible_port: 2222',
      '      ansible_become: yes',
      '',
    ].join('\n'),
  );
  assert.deepEqual(connectionOf(host), {
    address: '10.0.0.11',
    port: 2222,
    user: 'ec2-user',
    become: true,
    privateKeyFile: join(dir, 'keys/lab.pem'),
    knownHostsFile: join(homedir(), '.ssh/lab_known_hosts'),
  });
});

test('defaults: the host name, port 22, no become, the given user', () => {
  const { host } = loadHost('web:\n  hosts:\n    web1.example.com:\n');
  assert.deepEqual(connectionOf(host, { user: 'deploy' }), {
    address: 'web1.example.com',
    port: 22,
    user: 'deploy',
    become: false,
  });
});

test('an absolute key path stays as written', () => {
  const { host } = loadHost('web:\n  hosts:\n    web1:\n      ansible_ssh_private_key_file: /etc/keys/a.pem\n');
  assert.equal(connectionOf(host).privateKeyFile, '/etc/keys/a.pem');
});

test('wrong connection values are all reported, each where it was written', () => {
  const { host, dir } = loadHost(
    [
      'web:',
      '  hosts:',
      '    web1:',
      '      ansible_port: 70000',
      '      ansible_become: sure',
      "      ansible_user: ''",
      '',
    ].join('\n'),
    { 'host_vars/web1.yml': 'ansible_ssh_private_key_file: [a]\n' },
  );
  assert.throws(
    () => connectionOf(host),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.deepEqual(
        error.problems.map((p) => [p.file, p.line, p.column, p.path, p.expected, p.found]),
        [
          [join(dir, 'inventory.yml'), 4, 21, 'hosts.web1.ansible_port', 'an integer from 1 to 65535', '70000'],
          [join(dir, 'inventory.yml'), 6, 21, 'hosts.web1.ansible_user', 'a non-empty string', '""'],
          [
            join(dir, 'inventory.yml'),
            5,
            23,
            'hosts.web1.ansible_become',
            'true or false (or yes/no, on/off, 1/0)',
            '"sure"',
          ],
          [
            join(dir, 'host_vars', 'web1.yml'),
            1,
            31,
            'hosts.web1.ansible_ssh_private_key_file',
            'a non-empty string',
            '["a"]',
          ],
        ],
      );
      return true;
    },
  );
});

test('a port, a user and become written as Ansible also reads them: "2222", 1000, "yes"', () => {
  const { host } = loadHost(
    'web:\n  hosts:\n    web1:\n      ansible_port: "2222"\n      ansible_user: 1000\n      ansible_become: "Yes"\n',
  );
  const connection = connectionOf(host);
  assert.deepEqual([connection.port, connection.user, connection.become], [2222, '1000', true]);
  const { host: bad } = loadHost('web:\n  hosts:\n    web1:\n      ansible_port: "22x"\n');
  assert.throws(() => connectionOf(bad), /ansible_port must be a TCP port/);
});
