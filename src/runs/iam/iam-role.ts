// Role mode, the better way: a role EC2 may assume, with CloudWatchAgentServerPolicy, in an instance profile
// that the inventory's instances carry; no long-lived key on any host.
import { Ec2 } from '../../clouds/aws/ec2.js';
import { AGENT_POLICY_ARN, EC2_TRUST_POLICY, Iam, SSM_CORE_POLICY_ARN, trustsEc2 } from '../../clouds/aws/iam.js';
import type { IamResult } from './iam-result.js';

export interface RoleModeOptions {
  iam: Iam;
  ec2: Ec2;
  roleName: string;
  /** The instance profile's name; the role's name unless told. */
  instanceProfileName: string;
  instances: { host: string; instanceId?: string }[];
  /** A group reaches its hosts over SSM: the role also gets AmazonSSMManagedInstanceCore. */
  ssm?: boolean;
  dryRun: boolean;
  /** Where the results go as they happen (so a failure can say what was already done); a new list unless given. */
  results?: IamResult[];
}

/** An instance profile holds one role, and this one holds another. */
export class InstanceProfileTaken extends Error {
  constructor(
    readonly instanceProfileName: string,
    readonly roles: string[],
  ) {
    super(`instance profile ${instanceProfileName} already holds role ${roles.join(', ')}`);
    this.name = 'InstanceProfileTaken';
  }
}

export async function setupRole(o: RoleModeOptions): Promise<IamResult[]> {
  const results: IamResult[] = o.results ?? [];
  const roleRes = `iam-role/${o.roleName}`;
  const profileRes = `instance-profile/${o.instanceProfileName}`;

  const role = await o.iam.role(o.roleName);
  if (!role) {
    if (o.dryRun) results.push({ resource: roleRes, action: 'would-create', detail: 'trusts ec2.amazonaws.com' });
    else {
      const arn = await o.iam.createRole(o.roleName, EC2_TRUST_POLICY, 'awslogs agent on EC2 instances');
      results.push({ resource: roleRes, action: 'created', detail: arn });
    }
  } else if (!trustsEc2(role.trustPolicy)) {
    if (o.dryRun)
      results.push({ resource: roleRes, action: 'would-update', detail: 'trust policy: allow ec2.amazonaws.com' });
    else {
      await o.iam.updateTrustPolicy(o.roleName, EC2_TRUST_POLICY);
      results.push({ resource: roleRes, action: 'updated', detail: 'trust policy now allows ec2.amazonaws.com' });
    }
  } else {
    results.push({ resource: roleRes, action: 'unchanged', detail: role.arn });
  }

  const attached = role ? await o.iam.rolePolicies(o.roleName) : [];
  const policies = [AGENT_POLICY_ARN, ...(o.ssm ? [SSM_CORE_POLICY_ARN] : [])];
  for (const arn of policies) {
    const policyRes = `policy-attachment/${o.roleName}/${arn.slice(arn.lastIndexOf('/') + 1)}`;
    if (attached.includes(arn)) results.push({ resource: policyRes, action: 'unchanged', detail: arn });
    else if (o.dryRun) results.push({ resource: policyRes, action: 'would-create', detail: arn });
    else {
      await o.iam.attachRolePolicy(o.roleName, arn);
      results.push({ resource: policyRes, action: 'created', detail: arn });
    }
  }

  const profile = await o.iam.instanceProfile(o.instanceProfileName);
  let profileArn = profile?.arn;
  if (!profile) {
    if (o.dryRun) results.push({ resource: profileRes, action: 'would-create', detail: `holding role ${o.roleName}` });
    else {
      profileArn = await o.iam.createInstanceProfile(o.instanceProfileName);
      await o.iam.addRoleToInstanceProfile(o.instanceProfileName, o.roleName);
      results.push({ resource: profileRes, action: 'created', detail: `${profileArn} holding role ${o.roleName}` });
    }
  } else if (profile.roles.includes(o.roleName)) {
    results.push({ resource: profileRes, action: 'unchanged', detail: `${profile.arn} holding role ${o.roleName}` });
  } else if (profile.roles.length > 0) {
    throw new InstanceProfileTaken(o.instanceProfileName, profile.roles);
  } else if (o.dryRun) {
    results.push({ resource: profileRes, action: 'would-update', detail: `add role ${o.roleName}` });
  } else {
    await o.iam.addRoleToInstanceProfile(o.instanceProfileName, o.roleName);
    results.push({ resource: profileRes, action: 'updated', detail: `now holds role ${o.roleName}` });
  }

  const ids = o.instances.flatMap((i) => (i.instanceId ? [i.instanceId] : []));
  const current = await o.ec2.profileAssociations(ids);
  for (const inst of o.instances) {
    if (!inst.instanceId) {
      results.push({
        resource: `host/${inst.host}`,
        action: 'skipped',
        detail: 'no instance_id or ec2_instance_id var',
      });
      continue;
    }
    const res = `ec2-instance/${inst.instanceId}`;
    const has = current.get(inst.instanceId);
    if (has && profileArn !== undefined && has.instanceProfileArn === profileArn) {
      results.push({ resource: res, action: 'unchanged', detail: `${inst.host}: carries ${o.instanceProfileName}` });
    } else if (has) {
      results.push({
        resource: res,
        action: 'skipped',
        detail: `${inst.host}: carries another instance profile (${has.instanceProfileArn}); attach ${policies.join(' and ')} to its role, or replace it yourself`,
      });
    } else if (o.dryRun) {
      results.push({
        resource: res,
        action: 'would-update',
        detail: `${inst.host}: associate ${o.instanceProfileName}`,
      });
    } else {
      const associationId = await o.ec2.associateProfile(inst.instanceId, o.instanceProfileName);
      results.push({
        resource: res,
        action: 'updated',
        detail: `${inst.host}: associated ${o.instanceProfileName} (${associationId})`,
      });
    }
  }
  return results;
}
