import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/core/errors.js';
import { transportOf } from '../../../src/inventory/transport-choice.js';
import { loadInventorySync } from '../../../src/inventory/load.js';
import type { InventoryHost } from '../../../src/inventory/types.js';
import { writeInventory } from './temp-inventory.js';

function hostWith(vars: string[]): InventoryHost {
  const file = writeInventory({
    'inventory.yml': ['all:', '  hosts:', '    web1:', ...vars.map((v) => `      ${v}`), ''].join('\n'),
  });
  const host = loadInventorySync(file).hosts[0];
  assert.ok(host);
  return host;
}

test('SSH unless ansible_connection says aws_ssm (Ansible names, with the collections’ spellings)', () => {
  assert.deepEqual(transportOf(hostWith(['ansible_host: 10.0.0.1'])), { kind: 'ssh' });
  assert.deepEqual(transportOf(hostWith(['ansible_connection: smart'])), { kind: 'ssh' });
  for (const name of ['aws_ssm', 'community.aws.aws_ssm', 'amazon.aws.aws_ssm'])
    assert.deepEqual(
      transportOf(hostWith([`ansible_connection: ${name}`, 'ansible_aws_ssm_instance_id: i-0123456789abcdef0'])),
      { kind: 'aws_ssm', instanceId: 'i-0123456789abcdef0' },
    );
});

test('the instance id: ansible_aws_ssm_instance_id, else instance_id (EC2 discovery), else an ansible_host that is one', () => {
  const ssm = 'ansible_connection: aws_ssm';
  assert.deepEqual(
    transportOf(
      hostWith([ssm, 'ansible_aws_ssm_instance_id: i-0aaaaaaaaaaaaaaaa', 'instance_id: i-0bbbbbbbbbbbbbbbb']),
    ),
    { kind: 'aws_ssm', instanceId: 'i-0aaaaaaaaaaaaaaaa' },
  );
  assert.deepEqual(transportOf(hostWith([ssm, 'instance_id: i-0bbbbbbbbbbbbbbbb'])), {
    kind: 'aws_ssm',
    instanceId: 'i-0bbbbbbbbbbbbbbbb',
  });
  assert.deepEqual(transportOf(hostWith([ssm, 'ansible_host: mi-0123456789abcdef0'])), {
    kind: 'aws_ssm',
    instanceId: 'mi-0123456789abcdef0',
  });
});

test('refused with file, line and rule: an unknown connection, a bad or missing instance id', () => {
  const problem = (vars: string[]) => {
    try {
      transportOf(hostWith(vars));
    } catch (err) {
      assert.ok(err instanceof InputError);
      return err.problems[0]!;
    }
    assert.fail('accepted');
  };
  const unknown = problem(['ansible_connection: docker']);
  assert.equal(unknown.line, 4);
  assert.match(unknown.rule, /names the transport/);
  assert.match(
    problem(['ansible_connection: aws_ssm', 'instance_id: "i-1; rm -rf /"']).rule,
    /must be an EC2 instance id/,
  );
  assert.match(problem(['ansible_connection: aws_ssm', 'ansible_host: 10.0.0.1']).rule, /needs its instance id/);
});
