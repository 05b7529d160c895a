// `ec2:` groups: validated as written, resolved through the discovery port, refused without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory, loadInventorySync } from '../../../src/inventory/load.js';
import { selection } from '../../../src/inventory/patterns.js';
import { InputError } from '../../../src/core/errors.js';
import type { Ec2Query } from '../../../src/inventory/types.js';

function inventoryFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ec2-inv-')), 'inventory.yml');
  writeFileSync(file, text);
  return file;
}

const PROD = `all:
  children:
    web:
      ec2:
        region: ap-northeast-2
        filters: { "tag:Env": prod }
        address: private_ip
      vars:
        ansible_user: ec2-user
`;

test('an ec2 group becomes hosts with address, instance id and the IMDSv2 requirement', async () => {
  const asked: Ec2Query[] = [];
  const inventory = await loadInventory(inventoryFile(PROD), {
    discover: async (query) => {
      asked.push(query);
      return [
        { name: 'web-a', instanceId: 'i-0aaaaaaaaaaaaaaa1', address: '10.1.0.5', httpTokens: 'required' },
        { name: 'i-0bbbbbbbbbbbbbbb2', instanceId: 'i-0bbbbbbbbbbbbbbb2', address: '10.1.0.6', httpTokens: 'optional' },
      ];
    },
  });
  assert.deepEqual(asked, [{ region: 'ap-northeast-2', filters: { 'tag:Env': ['prod'] }, address: 'private_ip' }]);
  assert.deepEqual(
    inventory.hosts.map((h) => [
      h.name,
      h.groups,
      h.vars.ansible_host,
      h.vars.instance_id,
      h.vars.ec2_imdsv2_required,
      h.vars.ansible_user,
    ]),
    [
      ['web-a', ['all', 'web'], '10.1.0.5', 'i-0aaaaaaaaaaaaaaa1', true, 'ec2-user'],
      ['i-0bbbbbbbbbbbbbbb2', ['all', 'web'], '10.1.0.6', 'i-0bbbbbbbbbbbbbbb2', false, 'ec2-user'],
    ],
  );
  // Problems about discovered values point at the ec2: block.
  assert.equal(inventory.hosts[0]!.locate(['ansible_host']).line, 4);
});

test('a bad ec2 block is refused with its line, before anything is asked', async () => {
  let asked = false;
  const file = inventoryFile(`all:
  children:
    web:
      ec2:
        region: nowhere
        address: elastic_ip
        tags: {}
`);
  await assert.rejects(
    loadInventory(file, {
      discover: async () => {
        asked = true;
        return [];
      },
    }),
    (err) => {
      assert.ok(err instanceof InputError);
      const rules = err.problems.map((p) => `${p.path}: ${p.rule}`);
      assert.ok(rules.some((r) => r.startsWith('all.children.web.ec2.tags: unknown key')));
      assert.ok(rules.some((r) => r.startsWith('all.children.web.ec2.region: ec2.region must be a region name')));
      assert.ok(rules.some((r) => r.startsWith('all.children.web.ec2.address:')));
      assert.ok(err.problems.every((p) => p.line !== undefined));
      return true;
    },
  );
  assert.equal(asked, false);
});

test('a discovery that fails, or no discovery at all, is a located problem', async () => {
  const file = inventoryFile(PROD);
  await assert.rejects(
    loadInventory(file, {
      discover: async () => {
        throw new Error('UnauthorizedOperation');
      },
    }),
    (err) =>
      err instanceof InputError &&
      /EC2 discovery failed: UnauthorizedOperation/.test(err.message) &&
      /:4:/.test(err.message),
  );
  assert.throws(() => loadInventorySync(file), /needs EC2 discovery/);
});

test('an ec2 group with no running instance is an existing, empty group: --limit names it without a warning', async () => {
  const file = inventoryFile(`all:
  children:
    listed:
      hosts:
        web1:
    canary:
      ec2: { region: ap-northeast-2, filters: { "tag:Env": canary } }
`);
  const inventory = await loadInventory(file, { discover: async () => [] });
  assert.deepEqual(inventory.groups['canary']?.hosts, []);
  const both = selection(inventory, 'listed,canary');
  assert.deepEqual(
    both.hosts.map((h) => h.name),
    ['web1'],
  );
  assert.deepEqual(both.warnings, [], 'the group exists: nothing to warn about');
  assert.deepEqual(
    selection(inventory, 'all:!canary').hosts.map((h) => h.name),
    ['web1'],
    'excluding an empty group is not an exclusion that matches nothing',
  );
  assert.throws(() => selection(inventory, 'canary'), /selects no host/);
});
