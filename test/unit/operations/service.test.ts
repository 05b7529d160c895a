import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_COMMANDS, serviceNameOn, serviceOperation } from '../../../src/operations/service.js';
import type { DesiredService } from '../../../src/core/types.js';
import { factsWith } from './fixtures.js';

const awslogs: DesiredService = { name: 'awslogs', names: { amzn2: 'awslogsd' }, running: true, enabled: true };
const amzn1 = { os: { id: 'amzn', version: '2018.03', flavour: 'amzn1' as const }, init: 'sysv' as const };
const quiet = { notifiedBy: [] };

test('the command table: SysV on amzn1, systemd on amzn2', () => {
  assert.equal(SERVICE_COMMANDS.amzn1.start('awslogs'), 'service awslogs start');
  assert.equal(SERVICE_COMMANDS.amzn1.enable('awslogs'), 'chkconfig awslogs on');
  assert.equal(SERVICE_COMMANDS.amzn1.restart('awslogs'), 'service awslogs restart');
  assert.equal(SERVICE_COMMANDS.amzn2.start('awslogsd'), 'systemctl start awslogsd');
  assert.equal(SERVICE_COMMANDS.amzn2.enable('awslogsd'), 'systemctl enable --no-reload awslogsd');
  assert.equal(SERVICE_COMMANDS.amzn2.restart('awslogsd'), 'systemctl restart awslogsd');
});

test('the name per flavour', () => {
  assert.equal(serviceNameOn(awslogs, 'amzn1'), 'awslogs');
  assert.equal(serviceNameOn(awslogs, 'amzn2'), 'awslogsd');
});

test('running and enabled, nothing notified: a no-op', () => {
  assert.deepEqual(serviceOperation(awslogs, factsWith(), quiet), {
    changes: [],
    noop: 'awslogsd already running and enabled',
  });
});

test('stopped and disabled on amzn1: start then enable', () => {
  const out = serviceOperation(awslogs, factsWith({ ...amzn1, service: { active: false, enabled: false } }), quiet);
  assert.deepEqual(
    out.changes.map((c) => (c.kind === 'service' ? [c.action, c.command] : [])),
    [
      ['start', 'service awslogs start'],
      ['enable', 'chkconfig awslogs on'],
    ],
  );
});

test('notified while running: restart', () => {
  const out = serviceOperation(awslogs, factsWith(), { notifiedBy: ['/etc/awslogs/awslogs.conf'] });
  assert.equal(out.changes.length, 1);
  const c = out.changes[0];
  assert.ok(c?.kind === 'service');
  assert.equal(c.command, 'systemctl restart awslogsd');
  assert.match(c.summary, /awslogs\.conf/);
});

test('notified while stopped: start only, never both', () => {
  const out = serviceOperation(awslogs, factsWith({ service: { active: false, enabled: true } }), {
    notifiedBy: ['/etc/awslogs/awslogs.conf'],
  });
  assert.deepEqual(
    out.changes.map((c) => c.kind === 'service' && c.action),
    ['start'],
  );
});

test('running: false is not managed: a stopped service stays stopped, a running one still restarts', () => {
  const unmanaged = { ...awslogs, running: false };
  assert.deepEqual(serviceOperation(unmanaged, factsWith({ service: { active: false, enabled: true } }), quiet), {
    changes: [],
    noop: 'awslogsd already stopped and enabled',
  });
  const out = serviceOperation(unmanaged, factsWith(), { notifiedBy: ['x'] });
  assert.deepEqual(
    out.changes.map((c) => c.kind === 'service' && c.action),
    ['restart'],
  );
});

test('an unknown flavour is refused', () => {
  const out = serviceOperation(
    awslogs,
    factsWith({ os: { id: 'ubuntu', version: '22.04', flavour: 'unknown' } }),
    quiet,
  );
  assert.deepEqual(out.refusals, ['unsupported OS ubuntu 22.04']);
});
