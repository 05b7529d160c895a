// IAM, as the tool needs it: users, roles, instance profiles, managed policy attachments and access keys.
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { awsCall, unlessMissing } from './errors.js';

export const AGENT_POLICY_ARN = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy';

/** Lets EC2 instances take the role. */
export const EC2_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface AccessKeyInfo {
  accessKeyId: string;
  status: 'Active' | 'Inactive' | string;
  createdAt?: Date;
}

export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export class Iam {
  constructor(readonly client: IAMClient) {}

  async userArn(userName: string): Promise<string | undefined> {
    const out = await unlessMissing('GetUser', `user/${userName}`, () =>
      this.client.send(new GetUserCommand({ UserName: userName })),
    );
    return out?.User?.Arn;
  }

  async createUser(userName: string): Promise<string> {
    const out = await awsCall('CreateUser', `user/${userName}`, () =>
      this.client.send(new CreateUserCommand({ UserName: userName })),
    );
    return out.User!.Arn!;
  }

  async userPolicies(userName: string): Promise<string[]> {
    const arns: string[] = [];
    let marker: string | undefined;
    do {
      const out = await awsCall('ListAttachedUserPolicies', `user/${userName}`, () =>
        this.client.send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker: marker })),
      );
      arns.push(...(out.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return arns;
  }

  async attachUserPolicy(userName: string, policyArn: string): Promise<void> {
    await awsCall('AttachUserPolicy', `user/${userName}`, () =>
      this.client.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn })),
    );
  }

  async accessKeys(userName: string): Promise<AccessKeyInfo[]> {
    const keys: AccessKeyInfo[] = [];
    let marker: string | undefined;
    do {
      const out = await awsCall('ListAccessKeys', `user/${userName}`, () =>
        this.client.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker })),
      );
      for (const k of out.AccessKeyMetadata ?? []) {
        keys.push({ accessKeyId: k.AccessKeyId!, status: k.Status ?? 'Active', createdAt: k.CreateDate });
      }
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return keys;
  }

  /** The only moment the secret exists outside AWS: the caller stores it or hands it over, once. */
  async createAccessKey(userName: string): Promise<NewAccessKey> {
    const out = await awsCall('CreateAccessKey', `user/${userName}`, () =>
      this.client.send(new CreateAccessKeyCommand({ UserName: userName })),
    );
    return { accessKeyId: out.AccessKey!.AccessKeyId!, secretAccessKey: out.AccessKey!.SecretAccessKey! };
  }

  async deleteAccessKey(userName: string, accessKeyId: string): Promise<void> {
    await awsCall('DeleteAccessKey', `user/${userName}/key/${accessKeyId}`, () =>
      this.client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
    );
  }

  /** The role's ARN and its trust policy (decoded), or undefined. */
  async role(roleName: string): Promise<{ arn: string; trustPolicy: string } | undefined> {
    const out = await unlessMissing('GetRole', `role/${roleName}`, () =>
      this.client.send(new GetRoleCommand({ RoleName: roleName })),
    );
    if (!out?.Role) return undefined;
    return { arn: out.Role.Arn!, trustPolicy: decodeURIComponent(out.Role.AssumeRolePolicyDocument ?? '') };
  }

  async createRole(roleName: string, trustPolicy: string, description: string): Promise<string> {
    const out = await awsCall('CreateRole', `role/${roleName}`, () =>
      this.client.send(
        new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trustPolicy, Description: description }),
      ),
    );
    return out.Role!.Arn!;
  }

  async updateTrustPolicy(roleName: string, trustPolicy: string): Promise<void> {
    await awsCall('UpdateAssumeRolePolicy', `role/${roleName}`, () =>
      this.client.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trustPolicy })),
    );
  }

  async rolePolicies(roleName: string): Promise<string[]> {
    const arns: string[] = [];
    let marker: string | undefined;
    do {
      const out = await awsCall('ListAttachedRolePolicies', `role/${roleName}`, () =>
        this.client.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker })),
      );
      arns.push(...(out.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return arns;
  }

  async attachRolePolicy(roleName: string, policyArn: string): Promise<void> {
    await awsCall('AttachRolePolicy', `role/${roleName}`, () =>
      this.client.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })),
    );
  }

  /** The instance profile's ARN and the names of its roles, or undefined. */
  async instanceProfile(name: string): Promise<{ arn: string; roles: string[] } | undefined> {
    const out = await unlessMissing('GetInstanceProfile', `instance-profile/${name}`, () =>
      this.client.send(new GetInstanceProfileCommand({ InstanceProfileName: name })),
    );
    if (!out?.InstanceProfile) return undefined;
    return {
      arn: out.InstanceProfile.Arn!,
      roles: (out.InstanceProfile.Roles ?? []).map((r) => r.RoleName!),
    };
  }

  async createInstanceProfile(name: string): Promise<string> {
    const out = await awsCall('CreateInstanceProfile', `instance-profile/${name}`, () =>
      this.client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name })),
    );
    return out.InstanceProfile!.Arn!;
  }

  async addRoleToInstanceProfile(name: string, roleName: string): Promise<void> {
    await awsCall('AddRoleToInstanceProfile', `instance-profile/${name}`, () =>
      this.client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName })),
    );
  }
}

/** Whether a trust policy lets ec2.amazonaws.com assume the role. */
export function trustsEc2(trustPolicy: string): boolean {
  try {
    const doc = JSON.parse(trustPolicy) as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return statements.some((s) => {
      const st = s as { Effect?: string; Principal?: { Service?: string | string[] } };
      const services = ([] as string[]).concat(st?.Principal?.Service ?? []);
      return st?.Effect === 'Allow' && services.includes('ec2.amazonaws.com');
    });
  } catch {
    return false;
  }
}
