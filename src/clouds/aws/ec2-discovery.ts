// EC2 discovery for `ec2:` inventory groups: running instances matching the filters, with the address the
// group asks for, the instance id and whether the instance requires IMDSv2.
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import type { DiscoveredInstance, Ec2Discovery, Ec2Query } from '../../inventory/types.js';
import { awsClients } from './clients.js';
import { awsCall } from './errors.js';

/** A Name tag is a host name when it looks like one; otherwise the instance id names the host. */
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const discoverEc2: Ec2Discovery = async (query: Ec2Query): Promise<DiscoveredInstance[]> => {
  const clients = awsClients({ region: query.region });
  try {
    const filters = [
      ...Object.entries(query.filters).map(([Name, Values]) => ({ Name, Values })),
      { Name: 'instance-state-name', Values: ['running'] },
    ];
    const found: DiscoveredInstance[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall('DescribeInstances', query.region, () =>
        clients.ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken: token })),
      );
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) found.push(toDiscovered(instance, query));
      }
      token = page.NextToken;
    } while (token);
    return found.sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    clients.destroy();
  }
};

function toDiscovered(instance: Instance, query: Ec2Query): DiscoveredInstance {
  const id = instance.InstanceId ?? 'unknown';
  const tag = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
  const address =
    query.address === 'public_ip'
      ? instance.PublicIpAddress
      : query.address === 'private_dns'
        ? instance.PrivateDnsName
        : instance.PrivateIpAddress;
  const tokens = instance.MetadataOptions?.HttpTokens;
  return {
    name: tag && HOST_NAME.test(tag) ? tag : id,
    instanceId: id,
    ...(address ? { address } : {}),
    ...(tokens === 'required' || tokens === 'optional' ? { httpTokens: tokens } : {}),
  };
}
