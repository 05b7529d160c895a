import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageOperation } from '../../../src/operations/package.js';
import { factsWith } from './fixtures.js';

test('an installed package is a no-op naming its version', () => {
  const out = packageOperation({ name: 'awslogs' }, factsWith());
  assert.deepEqual(out, { changes: [], noop: 'awslogs 1.1.4 already installed' });
});

test('an installed package of unknown version is still a no-op', () => {
  const out = packageOperation({ name: 'awslogs' }, factsWith({ package: { installed: true } }));
  assert.deepEqual(out, { changes: [], noop: 'awslogs already installed' });
});

test('a missing package is installed with yum', () => {
  const out = packageOperation({ name: 'awslogs' }, factsWith({ package: { installed: false } }));
  assert.deepEqual(out.changes, [
    {
      kind: 'package',
      action: 'install',
      name: 'awslogs',
      summary: 'install awslogs (not installed)',
      command: 'yum install -y awslogs',
    },
  ]);
});

test('a package name a shell would interpret is refused', () => {
  const out = packageOperation({ name: 'awslogs; rm -rf /' }, factsWith({ package: { installed: false } }));
  assert.deepEqual(out.changes, []);
  assert.equal(out.refusals?.length, 1);
});
