// The tool's own AWS credentials, wrong, expired or short of a permission, for `iam setup`, `verify` and
// `metrics apply` against the lab's moto, which checks signatures and IAM policies after its bootstrap. Each
// run stops with exit 1 and one clear error naming the cause (the profile and its files, or the action
// denied), no stack trace, and leaves nothing half-done: refused credentials stop a run at its first call,
// before anything is created or any host touched; a missing permission stops `iam setup` where it was
// refused, saying what was done, and a run with the permission completes it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateLogGroupCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../../src/clouds/aws/clients.js';
import { writeProfileConfig, writeProfileKeys } from '../../src/clouds/aws/shared-files.js';
import { AWS_REGION, endpointUrl } from '../../src/lab/layout.js';
import { labDown, labSkipReason, labUp, onHost, type LabHost } from '../support/lab.js';
import {
  LAB_AWS,
  OPERATOR_CREDENTIALS,
  assertCleanUser,
  awsCli,
  environmentProfileInventory,
  operatorClients,
  userExists,
  userState,
} from './aws-lab.js';

const skip = labSkipReason();
if (skip) console.log(`# AWS credential fault tests skipped: ${skip}`);

const COMMANDS = [
  { args: ['iam', 'setup', '--user-name', 'never-made', '--profile-name', 'never-made'], first: 'iam:GetUser' },
  { args: ['verify'], first: 'sts:GetCallerIdentity' },
  { args: ['metrics', 'apply'], first: 'logs:DescribeMetricFilters' },
] as const;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('fault: the tool’s own AWS credentials', { skip }, () => {
  let admin: AwsClients;
  let hosts: LabHost[] = [];
  let dir = '';
  /** The lab's inventory, its AWS profile left to the environment that each test sets. */
  let inventory = '';

  before(async () => {
    hosts = await labUp(1, 'amzn2');
    admin = await operatorClients();
    // What metrics apply reads first: the log group of the inventory's metric filter.
    await admin.logs.send(new CreateLogGroupCommand({ logGroupName: '/lab/app' }));
    dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-creds-'));
    inventory = environmentProfileInventory();
  });
  after(async () => {
    admin?.destroy();
    await labDown();
  });

  /** How many verify probe lines the hosts' log files hold: a refused run must add none. */
  async function probeLines(): Promise<number> {
    let n = 0;
    for (const h of hosts) {
      const out = await onHost(
        h.address,
        "cat /var/log/messages /var/log/app/app.log 2>/dev/null | grep -c 'awslogs-provision-verify' || true",
      );
      n += Number(out.stdout.trim() || 0);
    }
    return n;
  }

  /** Runs the three commands with `env`; each must stop at its first AWS call, with nothing done. */
  async function refusedEverywhere(env: Record<string, string>, cause: RegExp): Promise<void> {
    const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? OPERATOR_CREDENTIALS;
    const before = { file: sha(credentials), probes: await probeLines() };
    for (const c of COMMANDS) {
      const result = await awsCli([...c.args, '--inventory', inventory], env);
      assert.equal(result.code, 1, `${c.args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, cause, c.args.join(' '));
      assert.ok(
        result.stderr.includes(`(at ${c.first})`),
        `${c.args.join(' ')} did not stop at ${c.first}: ${result.stderr}`,
      );
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    }
    assert.equal(await userExists(admin, 'never-made'), false, 'iam setup created the user');
    assert.equal(sha(credentials), before.file, 'the credentials file changed');
    assert.equal(await probeLines(), before.probes, 'verify wrote probe lines on a host');
    const filters = await admin.logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/lab/app' }));
    assert.equal(filters.metricFilters?.length ?? 0, 0, 'metrics apply created a filter');
    assert.equal((await admin.cloudwatch.send(new ListDashboardsCommand({}))).DashboardEntries?.length ?? 0, 0);
  }

  /** A copy of the operator's credentials file with its `lab` profile changed by `edit`. */
  function credentialsCopy(name: string, edit: (text: string) => string): string {
    mkdirSync(join(dir, name));
    const file = join(dir, name, 'credentials');
    writeFileSync(file, edit(readFileSync(OPERATOR_CREDENTIALS, 'utf8')), { mode: 0o600 });
    return file;
  }

  test('a wrong secret key: each command stops at its first call naming the profile and its file, exit 1, nothing done', async () => {
    const file = credentialsCopy('wrong-secret', (t) =>
      t.replace(/^aws_secret_access_key = .*$/m, 'aws_secret_access_key = notTheSecretOfThisKey0000000000000000000'),
    );
    await refusedEverywhere(
      { AWS_SHARED_CREDENTIALS_FILE: file },
      new RegExp(
        `^error: (iam setup changed nothing: )?AWS refused the credentials of AWS profile "lab" \\(AWS_PROFILE; ${file}, \\S+/config\\) \\(at [\\w:]+\\): SignatureDoesNotMatch: .*; check the access key id and secret of that profile`,
      ),
    );
  });

  test('an access key AWS does not know: the same, with InvalidClientTokenId', async () => {
    const file = credentialsCopy('unknown-key', (t) =>
      t.replace(/^(\[lab\][^[]*?)aws_access_key_id = \S+/m, '$1aws_access_key_id = AKIANOSUCHKEY0000000'),
    );
    await refusedEverywhere(
      { AWS_SHARED_CREDENTIALS_FILE: file },
      /^error: (iam setup changed nothing: )?AWS refused the credentials of AWS profile "lab" .*: InvalidClientTokenId: The security token included in the request is invalid; check the access key id/,
    );
  });

  test('expired credentials from the profile’s credential_process: named as expired before any call, exit 1', async () => {
    const config = join(dir, 'expired-config');
    writeFileSync(
      config,
      readFileSync(join(LAB_AWS, 'config'), 'utf8') +
        `\n[profile expired]\nregion = ${AWS_REGION}\nendpoint_url = ${endpointUrl()}\n` +
        `credential_process = printf '{"Version":1,"AccessKeyId":"ASIAEXPIRED000000000","SecretAccessKey":"x","SessionToken":"y","Expiration":"2020-01-01T00:00:00Z"}'\n`,
    );
    const env = { AWS_CONFIG_FILE: config, AWS_PROFILE: 'expired' };
    const before = await probeLines();
    for (const c of COMMANDS) {
      const result = await awsCli([...c.args, '--inventory', inventory], env);
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /no usable AWS credentials from AWS profile "expired" \(AWS_PROFILE; .*expired-config\): CredentialsProviderError: Profile expired credential_process returned expired credentials; they have expired: refresh them/,
      );
    }
    assert.equal(await userExists(admin, 'never-made'), false);
    assert.equal(await probeLines(), before);
  });

  test('a missing permission: the denied action is named; iam setup says what it did, and a run allowed completes it', async () => {
    // An operator whose policy lacks iam:CreateAccessKey, logs:PutMetricFilter, cloudwatch:PutDashboard and
    // every CloudWatch Logs read verify makes.
    const name = 'restricted-operator';
    await admin.iam.send(new CreateUserCommand({ UserName: name }));
    await admin.iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'most-of-iam-setup',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'iam:GetUser',
                'iam:CreateUser',
                'iam:ListAttachedUserPolicies',
                'iam:AttachUserPolicy',
                'iam:ListAccessKeys',
                'logs:DescribeMetricFilters',
                'cloudwatch:GetDashboard',
                // moto checks CloudWatch's actions under the endpoint's prefix, not AWS's `cloudwatch:`.
                'monitoring:GetDashboard',
              ],
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const key = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const credentials = join(dir, 'restricted', 'credentials');
    const config = join(dir, 'restricted', 'config');
    await writeProfileKeys(credentials, 'restricted', {
      accessKeyId: key.AccessKeyId!,
      secretAccessKey: key.SecretAccessKey!,
    });
    await writeProfileConfig(config, 'restricted', { region: AWS_REGION, endpoint_url: endpointUrl() });
    const env = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config, AWS_PROFILE: 'restricted' };
    const who = `the credentials of AWS profile "restricted" \\(AWS_PROFILE; ${credentials}, ${config}\\)`;

    const user = 'denied-agent';
    const iam = await awsCli(
      ['iam', 'setup', '--inventory', inventory, '--user-name', user, '--profile-name', user],
      env,
    );
    assert.equal(iam.code, 1);
    assert.match(
      iam.stderr,
      new RegExp(
        `^error: iam setup stopped: permission denied: ${who} may not call iam:CreateAccessKey on user/${user} \\(AccessDenied: User: arn:aws:iam::\\d+:user/${name} is not authorized to perform: iam:CreateAccessKey`,
        'm',
      ),
    );
    assert.match(iam.stderr, /grant iam:CreateAccessKey to that identity/);
    assert.match(
      iam.stderr,
      new RegExp(
        `done before it stopped: created iam-user/${user}, created policy-attachment/${user}/CloudWatchAgentServerPolicy$`,
        'm',
      ),
    );
    assert.deepEqual(await userState(admin, user, user, credentials), {
      users: 1,
      policies: ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'],
      keys: [],
      note: false,
    });
    // The operator, who may: the same command completes it, making nothing twice.
    const allowed = await awsCli([
      'iam',
      'setup',
      '--inventory',
      inventory,
      '--user-name',
      user,
      '--profile-name',
      user,
      '--json',
    ]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.deepEqual(
      (JSON.parse(allowed.stdout) as { results: { resource: string; action: string }[] }).results.map((r) => r.action),
      ['unchanged', 'unchanged', 'created', 'created'],
    );
    assertCleanUser(await userState(admin, user, user));

    const metrics = await awsCli(['metrics', 'apply', '--inventory', inventory, '--json'], env);
    assert.equal(metrics.code, 1);
    const items = (
      JSON.parse(metrics.stdout) as {
        items: { kind: string; action: string; error?: { message: string; hint?: string } }[];
      }
    ).items;
    assert.deepEqual(
      items.map((i) => [i.kind, i.action]),
      [
        ['metric_filter', 'failed'],
        ['dashboard', 'failed'],
      ],
    );
    assert.match(
      items[0]!.error?.message ?? '',
      /^permission denied: logs:PutMetricFilter on \/lab\/app filter app-errors: AccessDenied/,
    );
    assert.match(
      items[0]!.error?.hint ?? '',
      new RegExp(`^grant logs:PutMetricFilter to the identity of AWS profile "restricted"`),
    );
    assert.match(
      items[1]!.error?.message ?? '',
      /^permission denied: (cloudwatch|monitoring):PutDashboard on dashboard lab-logs/,
    );
    assert.match(metrics.stderr, /^error: 2 item\(s\) failed$/m);
    const filters = await admin.logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/lab/app' }));
    assert.equal(filters.metricFilters?.length ?? 0, 0);

    const verify = await awsCli(['verify', '--inventory', inventory, '--json'], env);
    assert.equal(verify.code, 1);
    const report = JSON.parse(verify.stdout) as { hosts: { status: string; error?: { message: string } }[] };
    for (const h of report.hosts) {
      assert.equal(h.status, 'failed');
      assert.match(
        h.error?.message ?? '',
        new RegExp(`^permission denied: ${who} may not call logs:DescribeLogGroups`),
      );
    }
  });
});
