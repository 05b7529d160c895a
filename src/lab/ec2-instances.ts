// The lab's hosts as EC2 instances in moto, so that `ec2:` inventory groups discover them: one running
// instance per host, its private IP the host's lab address, tagged with the host's name and flavour.
// Amazon Linux 2 hosts require IMDSv2 (HttpTokens: required), Amazon Linux 1 hosts allow IMDSv1.
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { LAB_SLOT, NET } from './layout.js';
import type { HostRecord } from './state.js';

/** An Amazon Linux AMI among the ones moto knows. */
const LAB_AMI = 'ami-760aaa0f';
const SLOT_TAG = 'lab:slot';

/** Returns each host's instance id in EC2, by host name. */
export async function ensureLabInstances(ec2: EC2Client, hosts: readonly HostRecord[]): Promise<Map<string, string>> {
  const subnetId = await ensureSubnet(ec2);
  const running = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${SLOT_TAG}`, Values: [String(LAB_SLOT)] },
        { Name: 'instance-state-name', Values: ['running', 'pending'] },
      ],
    }),
  );
  const existing = (running.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const stale = existing.filter(
    (i) => !hosts.some((h) => h.name === tagOf(i.Tags, 'Name') && h.address === i.PrivateIpAddress),
  );
  if (stale.length > 0) {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: stale.map((i) => i.InstanceId!) }));
  }
  const ids = new Map<string, string>();
  for (const host of hosts) {
    const found = existing.find((i) => tagOf(i.Tags, 'Name') === host.name && i.PrivateIpAddress === host.address);
    if (found?.InstanceId) {
      ids.set(host.name, found.InstanceId);
      continue;
    }
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: LAB_AMI,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        PrivateIpAddress: host.address,
        MetadataOptions: { HttpTokens: host.os === 'amzn1' ? 'optional' : 'required' },
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: 'Name', Value: host.name },
              { Key: 'Env', Value: 'lab' },
              { Key: 'Flavour', Value: host.os },
              { Key: SLOT_TAG, Value: String(LAB_SLOT) },
            ],
          },
        ],
      }),
    );
    const id = run.Instances?.[0]?.InstanceId;
    if (id) ids.set(host.name, id);
  }
  return ids;
}

async function ensureSubnet(ec2: EC2Client): Promise<string> {
  const cidr = `${NET.prefix}.0/${NET.prefixLength}`;
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'cidr-block', Values: [cidr] }] }));
  const found = subnets.Subnets?.[0]?.SubnetId;
  if (found) return found;
  const vpcCidr = `${NET.prefix}.0/24`;
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [vpcCidr] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? (await ec2.send(new CreateVpcCommand({ CidrBlock: vpcCidr }))).Vpc!.VpcId!;
  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr }));
  return subnet.Subnet!.SubnetId!;
}

function tagOf(tags: { Key?: string; Value?: string }[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
