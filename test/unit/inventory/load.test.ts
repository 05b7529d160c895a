import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadInventory, loadInventorySync } from '../../../src/inventory/load.js';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.js';
import { FIXTURES, writeInventory } from './temp-inventory.js';

const PRECEDENCE = join(FIXTURES, 'precedence');
const INVENTORY = join(PRECEDENCE, 'inventory.yml');

function host(inventory: Inventory, name: string): InventoryHost {
  const found = inventory.hosts.find((h) => h.name === name);
  assert.ok(found, `host ${name} is in the inventory`);
  return found;
}

test('hosts keep the order they first appear in, with every group they belong to, all first', async () => {
  const inventory = await loadInventory(INVENTORY);
  assert.equal(inventory.file, INVENTORY);
  assert.deepEqual(
    inventory.hosts.map((h) => [h.name, h.groups]),
    [
      ['lonely', ['all', 'ungrouped']],
      ['web1', ['all', 'app', 'web']],
      ['web2', ['all', 'web', 'web_canary']],
      ['app1', ['all', 'app', 'a_priority']],
      ['db1', ['all', 'db']],
    ],
  );
});

test('groups: top-level keys other than all are children of all; ungrouped holds hosts of all alone', async () => {
  const { groups } = await loadInventory(INVENTORY);
  // As in Ansible, ungrouped is all's first child, then the groups in the order they were made.
  assert.deepEqual(groups['all']?.children, ['ungrouped', 'web', 'app', 'a_priority', 'db']);
  assert.deepEqual(groups['all']?.hosts, ['lonely']);
  assert.deepEqual(groups['ungrouped']?.hosts, ['lonely']);
  assert.deepEqual(groups['web']?.hosts, ['web1', 'web2']);
  assert.deepEqual(groups['web']?.children, ['web_canary']);
  assert.deepEqual(groups['a_priority']?.vars, { sibling: 'a_priority' }, 'ansible_group_priority is not a var');
  assert.equal(groups['web']?.vars['folder_order'], 'second', 'group vars include the group_vars files');
});

const precedenceCases: Array<{ host: string; key: string; value: unknown; why: string }> = [
  { host: 'lonely', key: 'level', value: 'all', why: 'all.vars reach every host' },
  { host: 'db1', key: 'only_all', value: 'from all', why: 'a top-level group is a child of all' },
  { host: 'web2', key: 'level', value: 'web_canary', why: 'child group beats parent group' },
  { host: 'app1', key: 'level', value: 'app', why: 'group beats all' },
  { host: 'web1', key: 'sibling', value: 'web', why: 'same depth: the alphabetically later group wins' },
  { host: 'app1', key: 'sibling', value: 'a_priority', why: 'same depth: higher ansible_group_priority wins' },
  { host: 'web1', key: 'host_beats_group_file', value: 'web1 inline', why: 'inventory host vars beat group_vars' },
  { host: 'web1', key: 'level', value: 'web1 host_vars', why: 'host_vars beat inventory host vars' },
  { host: 'web2', key: 'file_beats_inline', value: 'group_vars/web/10-base.yml', why: 'group_vars file beats inline' },
  { host: 'web2', key: 'folder_order', value: 'second', why: 'a group_vars folder loads in lexical order' },
  { host: 'web1', key: 'app_file', value: 'yaml extension', why: 'group_vars/NAME.yaml is read' },
  { host: 'db1', key: 'from_all_file', value: true, why: 'group_vars/all.yml reaches every host' },
  {
    host: 'web1',
    key: 'ansible_quirk',
    value: 'group_vars/all.yml',
    why: "Ansible: group_vars/all beats any group's vars written in the inventory file",
  },
  { host: 'web1', key: 'ansible_host', value: '10.0.0.1', why: 'connection vars are carried as vars' },
  {
    host: 'web1',
    key: 'awslogs_logs',
    value: [{ file: '/var/log/web1.log', buffer_duration: 6000 }],
    why: 'top-level keys replace, no deep merge',
  },
  {
    host: 'db1',
    key: 'awslogs_logs',
    value: [{ file: '/var/log/db.log', buffer_duration: 10000 }],
    why: 'host vars in the inventory replace all.vars',
  },
];

for (const c of precedenceCases) {
  test(`precedence: ${c.host}.${c.key} — ${c.why}`, async () => {
    const inventory = await loadInventory(INVENTORY);
    assert.deepEqual(host(inventory, c.host).vars[c.key], c.value);
  });
}

const locateCases: Array<{ host: string; path: Array<string | number>; file: string; line: number; column: number }> = [
  { host: 'lonely', path: ['awslogs_logs', 0, 'buffer_duration'], file: 'inventory.yml', line: 7, column: 26 },
  { host: 'lonely', path: ['awslogs_logs', 0], file: 'inventory.yml', line: 6, column: 9 },
  { host: 'lonely', path: ['level'], file: 'inventory.yml', line: 3, column: 12 },
  { host: 'web2', path: ['level'], file: 'inventory.yml', line: 26, column: 20 },
  { host: 'db1', path: ['awslogs_logs', 0, 'buffer_duration'], file: 'inventory.yml', line: 47, column: 28 },
  {
    host: 'web1',
    path: ['awslogs_logs', 0, 'buffer_duration'],
    file: 'host_vars/web1.yml',
    line: 4,
    column: 22,
  },
  { host: 'web2', path: ['folder_order'], file: 'group_vars/web/20-later.yaml', line: 1, column: 15 },
  { host: 'web2', path: ['file_beats_inline'], file: 'group_vars/web/10-base.yml', line: 1, column: 20 },
  // Fallbacks: the nearest located ancestor, then where the host is declared.
  { host: 'lonely', path: ['awslogs_logs', 0, 'no_such_option'], file: 'inventory.yml', line: 6, column: 9 },
  { host: 'lonely', path: ['awslogs_logs', 5], file: 'inventory.yml', line: 6, column: 7 },
  { host: 'db1', path: ['no_such_var'], file: 'inventory.yml', line: 44, column: 5 },
  { host: 'web1', path: [], file: 'inventory.yml', line: 18, column: 9 },
];

for (const c of locateCases) {
  test(`locate ${c.host} ${JSON.stringify(c.path)} → ${c.file}:${c.line}:${c.column}`, async () => {
    const inventory = await loadInventory(INVENTORY);
    assert.deepEqual(host(inventory, c.host).locate(c.path), {
      file: join(PRECEDENCE, c.file),
      line: c.line,
      column: c.column,
    });
  });
}

test('the sync variant loads the same inventory', async () => {
  const sync = loadInventorySync(INVENTORY);
  const async = await loadInventory(INVENTORY);
  assert.deepEqual(
    sync.hosts.map((h) => [h.name, h.vars]),
    async.hosts.map((h) => [h.name, h.vars]),
  );
});

test('a host in several groups is one host; its vars are not shared with other hosts', async () => {
  const inventory = await loadInventory(INVENTORY);
  assert.equal(inventory.hosts.filter((h) => h.name === 'web1').length, 1);
  const lonely = host(inventory, 'lonely').vars['awslogs_logs'] as Array<Record<string, unknown>>;
  (lonely[0] as Record<string, unknown>)['buffer_duration'] = 1;
  assert.deepEqual(host(inventory, 'app1').vars['awslogs_logs'], [
    { file: '/var/log/messages', buffer_duration: 5000 },
  ]);
});

test('group_vars files: NAME.yml is used before NAME.yaml and a NAME/ folder takes precedence over both', async () => {
  const file = writeInventory({
    'inventory.yml': 'web:\n  hosts:\n    web1:\ndb:\n  hosts:\n    db1:\n',
    'group_vars/web.yml': 'pick: yml\n',
    'group_vars/web.yaml': 'pick: yaml\n',
    'group_vars/db/b.yml': 'pick: b\nonly_a: no\n',
    'group_vars/db/a.yaml': 'only_a: yes\n',
    'group_vars/db.yml': 'pick: db.yml\n',
    'host_vars/db1.yaml': 'host_file: yaml\n',
  });
  const inventory = await loadInventory(file);
  assert.equal(host(inventory, 'web1').vars['pick'], 'yml');
  assert.equal(host(inventory, 'db1').vars['pick'], 'b');
  assert.equal(host(inventory, 'db1').vars['only_a'], false);
  assert.equal(host(inventory, 'db1').vars['host_file'], 'yaml');
});

test('deeper nesting: depth is the longest path from all, so a group reached twice sorts by its deepest place', async () => {
  const file = writeInventory({
    'inventory.yml': [
      'all:',
      '  children:',
      '    zz_top:',
      '      vars: { v: zz_top }',
      '      children:',
      '        mid:',
      '          vars: { v: mid }',
      '          children:',
      '            leaf:',
      '              vars: { v: leaf }',
      '              hosts: { h1: }',
      '    aa_other:',
      '      vars: { v: aa_other }',
      '      children:',
      '        leaf:',
      '',
    ].join('\n'),
  });
  const inventory = await loadInventory(file);
  assert.deepEqual(host(inventory, 'h1').groups, ['all', 'aa_other', 'zz_top', 'mid', 'leaf']);
  assert.equal(host(inventory, 'h1').vars['v'], 'leaf');
});

test('YAML as Ansible reads it: yes/no booleans, 0644 octal, merge keys, aliases; y/n stay strings', async () => {
  const file = writeInventory({
    'inventory.yml': [
      'all:',
      '  vars:',
      '    common: &common { region: ap-northeast-2, retries: 3 }',
      '    merged:',
      '      <<: *common',
      '      retries: 5',
      '    become_yes: yes',
      '    off_value: off',
      '    mode: 0644',
      '    letter: y',
      '    copy: *common',
      '  hosts:',
      '    h1:',
      '',
    ].join('\n'),
  });
  const h1 = host(await loadInventory(file), 'h1');
  assert.deepEqual(h1.vars['merged'], { region: 'ap-northeast-2', retries: 5 });
  assert.deepEqual(h1.vars['copy'], { region: 'ap-northeast-2', retries: 3 });
  assert.equal(h1.vars['become_yes'], true);
  assert.equal(h1.vars['off_value'], false);
  assert.equal(h1.vars['mode'], 0o644);
  assert.equal(h1.vars['letter'], 'y');
  // A merged value is located where the anchor wrote it.
  assert.equal(h1.locate(['merged', 'region']).line, 3);
  assert.equal(h1.locate(['merged', 'retries']).line, 6);
});

test('host entries: ranges and a :port suffix, as Ansible writes them', async () => {
  const file = writeInventory({
    'inventory.yml': [
      'web:',
      '  hosts:',
      '    web[01:03].example.com:',
      '      role: web',
      '    db[a:b]:',
      '    ssh.example.com:2222:',
      '    "[2001:db8::1]:2200":',
      '',
    ].join('\n'),
  });
  const inventory = await loadInventory(file);
  assert.deepEqual(
    inventory.hosts.map((h) => h.name),
    ['web01.example.com', 'web02.example.com', 'web03.example.com', 'dba', 'dbb', 'ssh.example.com', '2001:db8::1'],
  );
  assert.equal(host(inventory, 'web02.example.com').vars['role'], 'web');
  assert.equal(host(inventory, 'ssh.example.com').vars['ansible_port'], 2222);
  assert.equal(host(inventory, '2001:db8::1').vars['ansible_port'], 2200);
});

test('a group written in several places gathers its hosts and vars; the later value wins', async () => {
  const file = writeInventory({
    'inventory.yml': [
      'all:',
      '  children:',
      '    web:',
      '      vars: { a: first, b: first }',
      '      hosts: { web1: }',
      'prod:',
      '  children:',
      '    web:',
      '      vars: { b: second }',
      '      hosts: { web2: }',
      '',
    ].join('\n'),
  });
  const inventory = await loadInventory(file);
  assert.deepEqual(inventory.groups['web']?.hosts, ['web1', 'web2']);
  assert.deepEqual(inventory.groups['web']?.vars, { a: 'first', b: 'second' });
  assert.deepEqual(host(inventory, 'web1').groups, ['all', 'prod', 'web']);
});

test('a host name is never a path out of host_vars', async () => {
  const file = writeInventory({
    'inventory.yml': 'web:\n  hosts:\n    ../secret:\n',
    'secret.yml': 'leaked: true\n',
    'host_vars/web1.yml': 'x: 1\n',
  });
  const inventory = await loadInventory(file);
  assert.equal(host(inventory, '../secret').vars['leaked'], undefined);
});

test('a host under all.hosts that is also in a group is not ungrouped', async () => {
  const file = writeInventory({ 'inventory.yml': 'all:\n  hosts:\n    web1:\n    solo:\nweb:\n  hosts:\n    web1:\n' });
  const inventory = await loadInventory(file);
  assert.deepEqual(host(inventory, 'web1').groups, ['all', 'web']);
  assert.deepEqual(host(inventory, 'solo').groups, ['all', 'ungrouped']);
  assert.deepEqual(inventory.groups['ungrouped']?.hosts, ['solo']);
});

test('a large inventory loads in linear time', async () => {
  const lines = ['all:', '  children:', '    web:', '      hosts:'];
  for (let i = 0; i < 20_000; i++) lines.push(`        web${i}.example.com: { rack: ${i % 40} }`);
  const file = writeInventory({ 'inventory.yml': `${lines.join('\n')}\n` });
  const started = Date.now();
  const inventory = await loadInventory(file);
  assert.equal(inventory.hosts.length, 20_000);
  assert.ok(Date.now() - started < 15_000, `loaded in ${Date.now() - started} ms`);
});
