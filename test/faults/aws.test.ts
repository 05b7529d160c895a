// AWS faults: a fault-injecting HTTP proxy (aws-proxy.ts) between the tool and the lab's moto, for the
// tool's own calls of `iam setup`, `verify` and `metrics apply`. Throttling, 5xx and dropped connections are
// retried with backoff (the SDK's standard retry mode: the proxy counts the attempts) and the run succeeds;
// a lasting 5xx ends in a clear error after the bounded attempts; an expired session token is not retried
// and is named. A fault partway through `iam setup` (a refusal, or an answer lost after AWS did the work)
// leaves nothing twice: a re-run completes it into the state a clean run leaves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from '../../src/clouds/aws/clients.js';
import { endpointUrl } from '../../src/lab/layout.js';
import { labDown, labInventoryCopy, labSkipReason, labUp, mustOnHost, type LabHost } from '../support/lab.js';
import { FaultProxy, type Rule } from './aws-proxy.js';
import { assertCleanUser, awsCli, operatorClients, roleState, userState } from './aws-lab.js';

const skip = labSkipReason();
if (skip) console.log(`# AWS fault tests skipped: ${skip}`);

interface VerifyJson {
  hosts: { name: string; status: string; checks?: { log: string; state: string }[]; error?: { message: string } }[];
}
interface IamJson {
  changed: boolean;
  results: { resource: string; action: string; detail: string }[];
}
interface MetricsJson {
  items: { kind: string; name: string; action: string; error?: { message: string } }[];
}

describe('fault: AWS', { skip }, () => {
  let proxy: FaultProxy;
  let inventory = '';
  let hosts: LabHost[] = [];
  let instanceIds: string[] = [];
  let admin: AwsClients;

  before(async () => {
    hosts = await labUp(1, 'amzn2');
    proxy = new FaultProxy(new URL(endpointUrl()));
    const url = await proxy.listen();
    instanceIds = await Promise.all(
      hosts.map(async (h) => (await mustOnHost(h.address, 'cat /var/lib/cloud/data/instance-id')).trim()),
    );
    // The inventory names the endpoint (aws_endpoint_url): a copy of it names the proxy instead, and gives each
    // host its instance id (role mode associates the instance profile with it).
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.aws_endpoint_url = url;
      for (const group of Object.values(doc.all.children))
        for (const [name, vars] of Object.entries(group.hosts))
          vars.instance_id = instanceIds[hosts.findIndex((h) => h.name === name)];
    });
    admin = await operatorClients();
  });
  after(async () => {
    admin?.destroy();
    proxy?.close();
    await labDown();
  });

  const iamSetup = (...extra: string[]) => awsCli(['iam', 'setup', '--inventory', inventory, '--json', ...extra]);
  const every = (rules: Rule[]) => rules.every((r) => r.times === 0 || r.times === Infinity);

  test('a lasting 503: a clear error after the bounded attempts (5), exit 1; a re-run completes it', async () => {
    proxy.reset([{ fault: '503', times: 5 }]);
    const failed = await iamSetup();
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^error: iam setup changed nothing: GetUser user\/awslogs-agent: ServiceUnavailable/m);
    assert.equal(proxy.seen.length, 5, 'it went on after the bounded attempts');
    const again = await iamSetup();
    assert.equal(again.code, 0, again.stderr);
    assertCleanUser(await userState(admin, 'awslogs-agent', 'awslogs-agent'));
  });

  test('throttling and dropped connections are retried with backoff and the run succeeds', async () => {
    proxy.reset([
      { fault: 'throttle', times: 2 },
      { fault: 'drop', times: 1 },
      { fault: 'throttle', times: 1 },
    ]);
    const t0 = Date.now();
    const result = await iamSetup();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      proxy.seen.slice(0, 5).map((s) => s.did),
      ['throttle', 'throttle', 'drop', 'throttle', 'forwarded'],
    );
    assert.ok(Date.now() - t0 > 100, 'no backoff between attempts');
  });

  test('verify: throttling, 5xx and dropped connections on every call it makes are retried; logs verified', async () => {
    const applied = await awsCli(['--inventory', inventory, '--no-verify', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const rules: Rule[] = [
      { action: 'GetCallerIdentity', fault: 'throttle', times: 1 },
      { action: 'DescribeLogGroups', fault: 'throttle', times: 2 },
      { action: 'DescribeLogStreams', fault: 'drop', times: 1 },
      { action: 'FilterLogEvents', fault: '503', times: 2 },
      { action: 'FilterLogEvents', fault: 'drop', times: 1 },
    ];
    proxy.reset(rules);
    const result = await awsCli(['verify', '--inventory', inventory, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as VerifyJson;
    for (const h of report.hosts) {
      assert.equal(h.status, 'ok', JSON.stringify(h));
      assert.ok(h.checks?.every((c) => c.state === 'arrived'));
    }
    assert.ok(every(rules), `faults not all injected: ${JSON.stringify(rules)}`);
    for (const action of ['GetCallerIdentity', 'DescribeLogGroups', 'DescribeLogStreams', 'FilterLogEvents'])
      assert.ok(proxy.did(action).includes('forwarded'), `${action} was not retried after its fault`);
  });

  test('verify: a lasting 503 fails the host with a clear error after 5 attempts per call, exit 1', async () => {
    proxy.reset([{ action: 'FilterLogEvents', fault: '503', times: Infinity }]);
    const result = await awsCli(['verify', '--inventory', inventory, '--json']);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as VerifyJson;
    for (const h of report.hosts) {
      assert.equal(h.status, 'failed');
      assert.match(
        h.error?.message ?? '',
        /^FilterLogEvents .*: ServiceUnavailableException: injected by the fault proxy/,
      );
    }
    const attempts = proxy.did('FilterLogEvents').length;
    assert.ok(attempts >= 5 && attempts % 5 === 0, `${attempts} attempts`);
    assert.match(result.stderr, /^error: logs did not arrive from 1 host\(s\)$/m);
  });

  test('metrics apply: throttling, 5xx and dropped connections are retried; a lasting 503 is a clear item failure', async () => {
    const rules: Rule[] = [
      { action: 'DescribeMetricFilters', fault: 'throttle', times: 1 },
      { action: 'PutMetricFilter', fault: 'drop', times: 1 },
      { action: 'PutMetricFilter', fault: '503', times: 1 },
      { action: 'GetDashboard', fault: '503', times: 1 },
      { action: 'PutDashboard', fault: 'throttle', times: 2 },
    ];
    proxy.reset(rules);
    const result = await awsCli(['metrics', 'apply', '--inventory', inventory, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as MetricsJson;
    assert.deepEqual(
      report.items.map((i) => [i.kind, i.action]),
      [
        ['metric_filter', 'created'],
        ['dashboard', 'created'],
      ],
    );
    assert.ok(every(rules), `faults not all injected: ${JSON.stringify(rules)}`);
    assert.deepEqual(proxy.did('PutMetricFilter'), ['drop', '503', 'forwarded']);
    assert.deepEqual(proxy.did('PutDashboard'), ['throttle', 'throttle', 'forwarded']);
    const filters = await admin.logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/lab/app' }));
    assert.equal(filters.metricFilters?.filter((f) => f.filterName === 'app-errors').length, 1);

    proxy.reset([{ action: 'GetDashboard', fault: '503', times: Infinity }]);
    const lasting = await awsCli(['metrics', 'apply', '--inventory', inventory, '--json']);
    assert.equal(lasting.code, 1);
    const items = (JSON.parse(lasting.stdout) as MetricsJson).items;
    assert.deepEqual(
      items.map((i) => [i.kind, i.action]),
      [
        ['metric_filter', 'unchanged'],
        ['dashboard', 'failed'],
      ],
    );
    assert.match(items[1]!.error?.message ?? '', /^GetDashboard dashboard lab-logs: ServiceUnavailableException/);
    assert.equal(proxy.did('GetDashboard').length, 5);
    assert.match(lasting.stderr, /^error: 1 item\(s\) failed$/m);
  });

  test('an expired session token (ExpiredToken) is not retried: iam setup, verify, metrics apply name it, exit 1', async () => {
    for (const [args, action] of [
      [['iam', 'setup', '--user-name', 'never-made'], 'GetUser'],
      [['verify'], 'GetCallerIdentity'],
      [['metrics', 'apply'], 'DescribeMetricFilters'],
    ] as const) {
      proxy.reset([{ fault: 'expired', times: Infinity }]);
      const result = await awsCli([...args, '--inventory', inventory]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /AWS refused the credentials of AWS profile "lab" \(aws_profile in \S+\/inventory\.yml; \S+\/credentials, \S+\/config\) \(at \w+:\w+\): ExpiredToken(Exception)?: The security token included in the request is expired; they have expired: refresh them/,
      );
      assert.deepEqual(
        proxy.seen.map((s) => s.action),
        [action],
        `${args.join(' ')}: retried or went on`,
      );
    }
  });

  test('iam setup refused partway (AttachUserPolicy, then CreateAccessKey): each re-run completes what the last began', async () => {
    const user = 'partial-refused';
    const args = ['--user-name', user, '--profile-name', user];
    proxy.reset([{ action: 'AttachUserPolicy', fault: 'deny', times: 1 }]);
    const first = await iamSetup(...args);
    assert.equal(first.code, 1);
    assert.match(
      first.stderr,
      /^error: iam setup stopped: permission denied: the credentials of AWS profile "lab" .* may not call iam:AttachUserPolicy on user\/partial-refused/m,
    );
    assert.match(first.stderr, /done before it stopped: created iam-user\/partial-refused$/m);
    assert.match(first.stderr, /run `provision iam setup` again/);
    assert.deepEqual(await userState(admin, user, user), { users: 1, policies: [], keys: [], note: false });

    proxy.reset([{ action: 'CreateAccessKey', fault: 'deny', times: 1 }]);
    const second = await iamSetup(...args);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /may not call iam:CreateAccessKey on user\/partial-refused/);
    assert.match(
      second.stderr,
      /done before it stopped: created policy-attachment\/partial-refused\/CloudWatchAgentServerPolicy$/m,
    );
    assert.deepEqual(await userState(admin, user, user), {
      users: 1,
      policies: ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'],
      keys: [],
      note: false,
    });

    proxy.reset();
    const third = await iamSetup(...args);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(
      (JSON.parse(third.stdout) as IamJson).results.map((r) => [r.resource, r.action]),
      [
        [`iam-user/${user}`, 'unchanged'],
        [`policy-attachment/${user}/CloudWatchAgentServerPolicy`, 'unchanged'],
        [`access-key/${user}`, 'created'],
        [`aws-profile/${user}`, 'created'],
      ],
    );
    assertCleanUser(await userState(admin, user, user));
    const fourth = await iamSetup(...args);
    assert.equal((JSON.parse(fourth.stdout) as IamJson).changed, false, fourth.stdout);
  });

  test('answers lost after AWS did the work (CreateUser, AttachUserPolicy, CreateAccessKey): one run, nothing twice', async () => {
    const user = 'partial-lost';
    const rules: Rule[] = [
      { action: 'CreateUser', fault: 'lost', times: 1 },
      { action: 'AttachUserPolicy', fault: 'lost', times: 1 },
      { action: 'CreateAccessKey', fault: 'lost', times: 1 },
    ];
    proxy.reset(rules);
    const result = await iamSetup('--user-name', user, '--profile-name', user);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(every(rules));
    // The SDK retried each; the retried CreateAccessKey made a second key, and the first (its secret lost) is gone.
    assert.deepEqual(proxy.did('CreateAccessKey'), ['lost', 'forwarded']);
    const results = (JSON.parse(result.stdout) as IamJson).results;
    assert.equal(results.filter((r) => r.action === 'deleted').length, 1, JSON.stringify(results));
    assertCleanUser(await userState(admin, user, user));
  });

  test('every CreateAccessKey answer lost and AWS failing after: the next run deletes the keys nobody holds', async () => {
    const user = 'partial-orphans';
    const args = ['--user-name', user, '--profile-name', user];
    proxy.reset([
      { action: 'CreateAccessKey', fault: 'lost', times: Infinity },
      // The run's own clean-up after the failure cannot list the keys either.
      { action: 'ListAccessKeys', fault: '503', times: Infinity, after: 'CreateAccessKey' },
    ]);
    const failed = await iamSetup(...args);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^error: iam setup stopped: CreateAccessKey user\/partial-orphans: /m);
    assert.match(failed.stderr, /done before it stopped: created iam-user\/partial-orphans, created policy-attachment/);
    const left = await userState(admin, user, user);
    // moto made two keys (the third attempt on was refused at the limit of two); nobody holds their secrets.
    assert.equal(left.keys.length, 2);
    assert.equal(left.storedKey, undefined);
    assert.equal(left.note, true, 'the pending-key note was not left for the next run');

    proxy.reset();
    const again = await iamSetup(...args);
    assert.equal(again.code, 0, again.stderr);
    const results = (JSON.parse(again.stdout) as IamJson).results;
    assert.deepEqual(
      results.filter((r) => r.action === 'deleted').map((r) => r.detail.split(':')[0]),
      left.keys,
    );
    assertCleanUser(await userState(admin, user, user));
  });

  test('a key created outside the tool is never taken for a lost one', async () => {
    const user = 'partial-foreign';
    await admin.iam.send(new CreateUserCommand({ UserName: user }));
    const foreign = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
    proxy.reset([{ action: 'CreateAccessKey', fault: 'lost', times: 1 }]);
    const result = await iamSetup('--user-name', user, '--profile-name', user);
    assert.equal(result.code, 0, result.stderr);
    const state = await userState(admin, user, user);
    assert.equal(state.keys.length, 2);
    assert.ok(state.keys.includes(foreign), 'the key made outside the tool was deleted');
    assert.ok(state.storedKey && state.keys.includes(state.storedKey));
    assert.equal(state.note, false);
  });

  test('role mode: lost answers one run survives; a refusal partway is completed by a re-run; nothing twice', async () => {
    const role = 'partial-role';
    const args = ['--mode', 'role', '--role-name', role];
    const rules: Rule[] = [
      { action: 'CreateRole', fault: 'lost', times: 1 },
      { action: 'CreateInstanceProfile', fault: 'lost', times: 1 },
      { action: 'AddRoleToInstanceProfile', fault: 'lost', times: 1 },
      { action: 'AssociateIamInstanceProfile', fault: 'lost', times: 1 },
    ];
    proxy.reset(rules);
    const lost = await iamSetup(...args);
    assert.equal(lost.code, 0, lost.stderr);
    assert.ok(every(rules));
    const clean = {
      roles: 1,
      policies: ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'],
      profileRoles: [role],
      associations: Object.fromEntries(instanceIds.map((i) => [i, [role]])),
    };
    assert.deepEqual(await roleState(admin, role, instanceIds), clean);

    const role2 = 'partial-role-refused';
    const args2 = ['--mode', 'role', '--role-name', role2];
    proxy.reset([{ action: 'AddRoleToInstanceProfile', fault: 'deny', times: 1 }]);
    const refused = await iamSetup(...args2);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /may not call iam:AddRoleToInstanceProfile on instance-profile\/partial-role-refused/);
    assert.match(
      refused.stderr,
      /done before it stopped: created iam-role\/partial-role-refused, created policy-attachment/,
    );
    proxy.reset();
    // The instances carry the first role's profile: the second role's run skips them and says so.
    const again = await iamSetup(...args2);
    assert.equal(again.code, 0, again.stderr);
    const state = await roleState(admin, role2, instanceIds);
    assert.deepEqual({ ...state, associations: {} }, { ...clean, profileRoles: [role2], associations: {} });
    const once = await iamSetup(...args2);
    assert.equal((JSON.parse(once.stdout) as IamJson).changed, false, once.stdout);
  });
});
