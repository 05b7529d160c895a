// `iam setup` in user mode against a real moto that checks signatures and IAM policies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { isMotoInstalled } from '../../../src/lab/moto.js';
import { readProfileKeys } from '../../../src/clouds/aws/shared-files.js';
import { AGENT_POLICY_ARN, Iam } from '../../../src/clouds/aws/iam.js';
import { iamSetup, beginKeyRotation, IamSetupFailed } from '../../../src/runs/iam/iam.js';
import { AccessKeyLimit, KeyInUse, createNewKey, deleteOldKey } from '../../../src/runs/iam/iam-user.js';
import { registerIamCommands } from '../../../src/cli/iam.js';
import { UsageError } from '../../../src/core/errors.js';
import { AwsCallFailed, awsCall } from '../../../src/clouds/aws/errors.js';
import { REGION, inventoryOf, startMotoLab, type MotoLab } from './moto-lab.js';

const skip = isMotoInstalled() ? false : 'moto is not installed';
let lab: MotoLab;
let iam: IAMClient;

before(async () => {
  if (skip) return;
  lab = await startMotoLab();
  iam = new IAMClient({ profile: 'lab' });
});
after(async () => {
  iam?.destroy();
  await lab?.stop();
});

function inventory(profile = 'awslogs') {
  return inventoryOf(
    {
      aws_region: REGION,
      aws_endpoint_url: lab.moto.url,
      awslogs_credentials: { source: 'keys', profile },
    },
    { web1: {}, web2: {} },
  );
}

async function keysOf(userName: string): Promise<string[]> {
  const out = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (out.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId!).sort();
}

/** Runs the CLI command as the bin would, and returns what it printed on stdout. */
async function cli(args: string[]): Promise<string> {
  let printed = '';
  const program = new Command('provision').exitOverride();
  registerIamCommands(program, { load: async () => inventory(), out: (t) => (printed += t) });
  await program.parseAsync(['iam', 'setup', '--inventory', 'inv.yml', ...args], { from: 'user' });
  return printed;
}

test('dry-run lists what it would create and creates nothing', { skip }, async () => {
  const report = await iamSetup(inventory(), { dryRun: true });
  assert.equal(report.mode, 'user');
  assert.deepEqual(
    report.results.map((r) => [r.resource, r.action]),
    [
      ['iam-user/awslogs-agent', 'would-create'],
      ['policy-attachment/awslogs-agent/CloudWatchAgentServerPolicy', 'would-create'],
      ['access-key/awslogs-agent', 'would-create'],
      ['aws-profile/awslogs', 'would-update'],
    ],
  );
  const users = await iam.send(new ListUsersCommand({}));
  assert.ok(!users.Users?.some((u) => u.UserName === 'awslogs-agent'));
});

test(
  'first run creates user, policy attachment and key, stored once in the profile; second run changes nothing',
  { skip },
  async () => {
    const first = await iamSetup(inventory());
    assert.deepEqual(
      first.results.map((r) => [r.resource, r.action]),
      [
        ['iam-user/awslogs-agent', 'created'],
        ['policy-attachment/awslogs-agent/CloudWatchAgentServerPolicy', 'created'],
        ['access-key/awslogs-agent', 'created'],
        ['aws-profile/awslogs', 'created'],
      ],
    );
    assert.equal(first.secret, undefined);
    const stored = await readProfileKeys(lab.operator.credentialsFile, 'awslogs');
    assert.ok(stored);
    assert.deepEqual(await keysOf('awslogs-agent'), [stored.accessKeyId]);
    assert.ok(!JSON.stringify(first).includes(stored.secretAccessKey), 'no secret in the report');
    assert.match(first.results[3]!.detail, /aws_secret_access_key = \*{8}/);
    // The operator's own profile is still there beside the agent's.
    assert.match(await readFile(lab.operator.credentialsFile, 'utf8'), /^\[lab\]$/m);

    const second = await iamSetup(inventory());
    assert.ok(
      second.results.every((r) => r.action === 'unchanged'),
      JSON.stringify(second.results),
    );
    assert.deepEqual(await keysOf('awslogs-agent'), [stored.accessKeyId]);
    const text = await cli([]);
    assert.match(text, /nothing to change/);
    assert.ok(!text.includes(stored.secretAccessKey));
    const json = JSON.parse(await cli(['--json'])) as { changed: boolean; results: { action: string }[] };
    assert.equal(json.changed, false);
    assert.ok(json.results.every((r) => r.action === 'unchanged'));
  },
);

test(
  'the stored key, with the policy, may send logs; a key without the policy is denied PutLogEvents',
  { skip },
  async () => {
    const agentKeys = await readProfileKeys(lab.operator.credentialsFile, 'awslogs');
    assert.ok(agentKeys);
    const agent = new CloudWatchLogsClient({
      region: REGION,
      endpoint: lab.moto.url,
      credentials: agentKeys,
      maxAttempts: 1,
    });
    await iam.send(new CreateUserCommand({ UserName: 'no-policy' }));
    const bare = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-policy' }))).AccessKey!;
    const stranger = new CloudWatchLogsClient({
      region: REGION,
      endpoint: lab.moto.url,
      maxAttempts: 1,
      credentials: { accessKeyId: bare.AccessKeyId!, secretAccessKey: bare.SecretAccessKey! },
    });
    try {
      await agent.send(new CreateLogGroupCommand({ logGroupName: '/var/log/messages' }));
      await agent.send(new CreateLogStreamCommand({ logGroupName: '/var/log/messages', logStreamName: 'i-0agent' }));
      const ok = await agent.send(
        new PutLogEventsCommand({
          logGroupName: '/var/log/messages',
          logStreamName: 'i-0agent',
          logEvents: [{ timestamp: Date.now(), message: 'hello from the agent key' }],
        }),
      );
      assert.equal(ok.$metadata.httpStatusCode, 200);
      const denied = () =>
        awsCall('PutLogEvents', '/var/log/messages/i-0agent', () =>
          stranger.send(
            new PutLogEventsCommand({
              logGroupName: '/var/log/messages',
              logStreamName: 'i-0agent',
              logEvents: [{ timestamp: Date.now(), message: 'not allowed' }],
            }),
          ),
        );
      await assert.rejects(denied(), (err) => {
        // moto answers 403 with an XML body the JSON-protocol SDK cannot parse; the adapter still names it.
        assert.ok(err instanceof AwsCallFailed);
        assert.equal(err.httpStatus, 403);
        assert.equal(err.code, 'AccessDenied');
        return true;
      });
      // The same call is allowed once the policy is attached: the refusal was IAM policy evaluation.
      await iam.send(new AttachUserPolicyCommand({ UserName: 'no-policy', PolicyArn: AGENT_POLICY_ARN }));
      await denied();
    } finally {
      agent.destroy();
      stranger.destroy();
    }
  },
);

test('an existing user without the policy gets it, and keeps its name', { skip }, async () => {
  await iam.send(new CreateUserCommand({ UserName: 'legacy-agent' }));
  const report = await iamSetup(inventory(), { userName: 'legacy-agent', profileName: 'legacy' });
  assert.deepEqual(
    report.results.map((r) => [r.resource, r.action]),
    [
      ['iam-user/legacy-agent', 'unchanged'],
      ['policy-attachment/legacy-agent/CloudWatchAgentServerPolicy', 'created'],
      ['access-key/legacy-agent', 'created'],
      ['aws-profile/legacy', 'created'],
    ],
  );
  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'legacy-agent' }));
  assert.deepEqual(
    attached.AttachedPolicies?.map((p) => p.PolicyArn),
    [AGENT_POLICY_ARN],
  );
});

test(
  'rotation: a new key is stored, the old one stays until deleted, and the stored key is never deleted',
  { skip },
  async () => {
    const ctx = {
      iam: new Iam(iam),
      userName: 'awslogs-agent',
      profileName: 'awslogs',
      credentialsFile: lab.operator.credentialsFile,
    };
    const before = await readProfileKeys(ctx.credentialsFile, 'awslogs');
    const rotated = await createNewKey({ ...ctx, printSecret: false });
    assert.deepEqual(rotated.oldKeyIds, [before!.accessKeyId]);
    const after = await readProfileKeys(ctx.credentialsFile, 'awslogs');
    assert.equal(after!.accessKeyId, rotated.newKeyId);
    assert.deepEqual(await keysOf('awslogs-agent'), [before!.accessKeyId, rotated.newKeyId].sort());
    await assert.rejects(deleteOldKey(ctx, rotated.newKeyId), KeyInUse);
    assert.deepEqual(await deleteOldKey(ctx, before!.accessKeyId), {
      resource: 'access-key/awslogs-agent',
      action: 'deleted',
      detail: before!.accessKeyId,
    });
    assert.deepEqual(await keysOf('awslogs-agent'), [rotated.newKeyId]);
  },
);

test(
  'rotation for the apply: begin stores the new key, finish deletes the old ones only when called',
  { skip },
  async () => {
    const old = await readProfileKeys(lab.operator.credentialsFile, 'awslogs');
    const rotation = await beginKeyRotation(inventory());
    assert.deepEqual(rotation.oldKeyIds, [old!.accessKeyId]);
    assert.deepEqual(await keysOf('awslogs-agent'), [old!.accessKeyId, rotation.newKeyId].sort());
    const deleted = await rotation.finish();
    assert.deepEqual(
      deleted.map((r) => r.action),
      ['deleted'],
    );
    assert.deepEqual(await keysOf('awslogs-agent'), [rotation.newKeyId]);
  },
);

/** The key step of `iam setup --rotate-key` (the CLI then provisions and verifies the hosts: see lab-aws). */
async function rotateOnly(): Promise<string> {
  const report = await iamSetup(inventory(), { rotateKey: true });
  return report.results.map((r) => `${r.action}  ${r.resource}  ${r.detail}`).join('\n');
}

test('--rotate-key stores a new key and keeps the old until the hosts use it', { skip }, async () => {
  const old = await readProfileKeys(lab.operator.credentialsFile, 'awslogs');
  const text = await rotateOnly();
  const now = await readProfileKeys(lab.operator.credentialsFile, 'awslogs');
  assert.notEqual(now!.accessKeyId, old!.accessKeyId);
  assert.match(text, new RegExp(`old key ${old!.accessKeyId} kept`));
  assert.ok(!text.includes(now!.secretAccessKey));
  // Two keys now, none spare: another rotation is refused with the key ids.
  await assert.rejects(rotateOnly(), (failed) => {
    // iam setup says why it stopped and what it had done by then; the cause is the key limit.
    assert.ok(failed instanceof IamSetupFailed);
    const err = failed.reason;
    assert.ok(err instanceof AccessKeyLimit);
    assert.deepEqual(err.keyIds.sort(), [old!.accessKeyId, now!.accessKeyId].sort());
    assert.equal(err.profileKeyId, now!.accessKeyId);
    assert.match(failed.message, /^iam setup changed nothing: user awslogs-agent already has 2 access keys/);
    return true;
  });
  await deleteOldKey(
    {
      iam: new Iam(iam),
      userName: 'awslogs-agent',
      profileName: 'awslogs',
      credentialsFile: lab.operator.credentialsFile,
    },
    old!.accessKeyId,
  );
});

test(
  '--print-secret prints the secret once, stores nothing, and a second run does not make another key',
  { skip },
  async () => {
    const text = await cli(['--user-name', 'printed-agent', '--print-secret']);
    const lines = text.trim().split('\n');
    const secretLines = lines.filter((l) => l.includes('aws_secret_access_key='));
    assert.equal(secretLines.length, 1);
    assert.match(secretLines[0]!, /^aws_access_key_id=AKIA\S+ aws_secret_access_key=\S{20,}$/);
    const again = await cli(['--user-name', 'printed-agent', '--print-secret']);
    assert.doesNotMatch(again, /aws_secret_access_key=/);
    assert.equal((await keysOf('printed-agent')).length, 1);
    await assert.rejects(cli(['--print-secret', '--json']), UsageError);
  },
);

test('a user whose two keys are both unknown to the profile is refused with their ids', { skip }, async () => {
  await iam.send(new CreateUserCommand({ UserName: 'crowded' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'crowded', PolicyArn: AGENT_POLICY_ARN }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'crowded' }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'crowded' }));
  await assert.rejects(iamSetup(inventory(), { userName: 'crowded', profileName: 'crowded' }), (failed) => {
    assert.ok(failed instanceof IamSetupFailed);
    const err = failed.reason;
    assert.ok(err instanceof AccessKeyLimit);
    assert.equal(err.keyIds.length, 2);
    assert.equal(err.profileKeyId, undefined);
    return true;
  });
});
