// `iam setup` in role mode against a real moto: role, policy, instance profile, instances created by RunInstances.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { isMotoInstalled } from '../../../src/lab/moto.js';
import { AGENT_POLICY_ARN, EC2_TRUST_POLICY } from '../../../src/clouds/aws/iam.js';
import { iamSetup } from '../../../src/runs/iam/iam.js';
import { UsageError } from '../../../src/core/errors.js';
import { REGION, inventoryOf, startMotoLab, type MotoLab } from './moto-lab.js';

/** An Amazon Linux AMI among the ones moto knows (amzn-ami-hvm-2017.09.1.20171103-x86_64-gp2). */
const AMI = 'ami-760aaa0f';
const skip = isMotoInstalled() ? false : 'moto is not installed';
let lab: MotoLab;
let iam: IAMClient;
let ec2: EC2Client;
let ids: string[] = [];

before(async () => {
  if (skip) return;
  lab = await startMotoLab();
  iam = new IAMClient({ profile: 'lab' });
  ec2 = new EC2Client({ profile: 'lab' });
  const run = await ec2.send(
    new RunInstancesCommand({ ImageId: AMI, MinCount: 3, MaxCount: 3, InstanceType: 't3.micro' }),
  );
  ids = (run.Instances ?? []).map((i) => i.InstanceId!);
  // The third instance already carries another team's instance profile.
  await iam.send(new CreateRoleCommand({ RoleName: 'other-app', AssumeRolePolicyDocument: EC2_TRUST_POLICY }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'other-app' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'other-app', RoleName: 'other-app' }));
  await ec2.send(
    new AssociateIamInstanceProfileCommand({ InstanceId: ids[2], IamInstanceProfile: { Name: 'other-app' } }),
  );
});
after(async () => {
  iam?.destroy();
  ec2?.destroy();
  await lab?.stop();
});

function inventory() {
  return inventoryOf(
    { aws_region: REGION, aws_endpoint_url: lab.moto.url, awslogs_credentials: { source: 'instance_profile' } },
    {
      web1: { instance_id: ids[0] },
      web2: { ec2_instance_id: ids[1] },
      web3: {},
      app1: { instance_id: ids[2] },
    },
  );
}

function summary(results: { resource: string; action: string }[]) {
  return results.map((r) => `${r.action} ${r.resource}`);
}

test('dry-run: the mode follows awslogs_credentials.source, and nothing is created', { skip }, async () => {
  const report = await iamSetup(inventory(), { dryRun: true });
  assert.equal(report.mode, 'role');
  assert.deepEqual(summary(report.results), [
    'would-create iam-role/awslogs-agent',
    'would-create policy-attachment/awslogs-agent/CloudWatchAgentServerPolicy',
    'would-create instance-profile/awslogs-agent',
    `would-update ec2-instance/${ids[0]}`,
    `would-update ec2-instance/${ids[1]}`,
    'skipped host/web3',
    `skipped ec2-instance/${ids[2]}`,
  ]);
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'awslogs-agent' })), /NoSuchEntity|cannot be found/);
});

test(
  'role, policy and instance profile are created and the instances carry it; a second run changes nothing',
  { skip },
  async () => {
    const first = await iamSetup(inventory());
    assert.deepEqual(summary(first.results), [
      'created iam-role/awslogs-agent',
      'created policy-attachment/awslogs-agent/CloudWatchAgentServerPolicy',
      'created instance-profile/awslogs-agent',
      `updated ec2-instance/${ids[0]}`,
      `updated ec2-instance/${ids[1]}`,
      'skipped host/web3',
      `skipped ec2-instance/${ids[2]}`,
    ]);
    assert.match(first.results.at(-1)!.detail, /another instance profile/);

    const role = await iam.send(new GetRoleCommand({ RoleName: 'awslogs-agent' }));
    assert.match(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!), /ec2\.amazonaws\.com/);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'awslogs-agent' }));
    assert.deepEqual(
      attached.AttachedPolicies?.map((p) => p.PolicyArn),
      [AGENT_POLICY_ARN],
    );
    const assoc = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}));
    const byInstance = new Map(
      assoc.IamInstanceProfileAssociations?.map((a) => [a.InstanceId, a.IamInstanceProfile?.Arn]),
    );
    assert.match(byInstance.get(ids[0]) ?? '', /instance-profile\/awslogs-agent$/);
    assert.match(byInstance.get(ids[1]) ?? '', /instance-profile\/awslogs-agent$/);
    assert.match(byInstance.get(ids[2]) ?? '', /instance-profile\/other-app$/);

    const second = await iamSetup(inventory());
    assert.deepEqual(summary(second.results), [
      'unchanged iam-role/awslogs-agent',
      'unchanged policy-attachment/awslogs-agent/CloudWatchAgentServerPolicy',
      'unchanged instance-profile/awslogs-agent',
      `unchanged ec2-instance/${ids[0]}`,
      `unchanged ec2-instance/${ids[1]}`,
      'skipped host/web3',
      `skipped ec2-instance/${ids[2]}`,
    ]);
  },
);

test('keys flags make no sense for a role', { skip }, async () => {
  await assert.rejects(iamSetup(inventory(), { printSecret: true }), UsageError);
  await assert.rejects(iamSetup(inventory(), { mode: 'role', rotateKey: true }), UsageError);
});
