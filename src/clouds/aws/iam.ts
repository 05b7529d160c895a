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
import { AwsCallFailed, awsCall, unlessMissing } from './errors.js';

/**
 * A create whose answer was lost on the way back (a dropped connection, a 5xx after the work was done) is
 * retried by the SDK, and the retry finds the thing already made: by this very call, since an earlier
 * attempt was made. That is success, not a conflict.
 */
function madeByAnEarlierAttempt(err: unknown, code: RegExp): boolean {
  return err instanceof AwsCallFailed && code.test(err.code) && (err.attempts ?? 1) > 1;
}

export const AGENT_POLICY_ARN = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy';
/** What an instance's SSM agent needs to register and take commands (Run Command, the SSM transport). */
export const SSM_CORE_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

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
    try {
      const out = await awsCall('CreateUser', `user/${userName}`, () =>
        this.client.send(new CreateUserCommand({ UserName: userName })),
      );
      return out.User!.Arn!;
    } catch (err) {
      const arn = madeByAnEarlierAttempt(err, /EntityAlreadyExists/) ? await this.userArn(userName) : undefined;
      if (arn) return arn;
      throw err;
    }
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

  /**
   * The only moment the secret exists outside AWS: the caller stores it or hands it over, once. `attempts`
   * above 1 means an earlier attempt may have made a key whose answer (and secret) was lost.
   */
  async createAccessKey(userName: string): Promise<NewAccessKey & { attempts: number }> {
    const out = await awsCall('CreateAccessKey', `user/${userName}`, () =>
      this.client.send(new CreateAccessKeyCommand({ UserName: userName })),
    );
    return {
      accessKeyId: out.AccessKey!.AccessKeyId!,
      secretAccessKey: out.AccessKey!.SecretAccessKey!,
      attempts: out.$metadata.attempts ?? 1,
    };
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
    try {
      const out = await awsCall('CreateRole', `role/${roleName}`, () =>
        this.client.send(
          new CreateRoleCommand({
            RoleName: roleName,
            AssumeRolePolicyDocument: trustPolicy,
            Description: description,
          }),
        ),
      );
      return out.Role!.Arn!;
    } catch (err) {
      const role = madeByAnEarlierAttempt(err, /EntityAlreadyExists/) ? await this.role(roleName) : undefined;
      if (role) return role.arn;
      throw err;
    }
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
    try {
      const out = await awsCall('CreateInstanceProfile', `instance-profile/${name}`, () =>
        this.client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name })),
      );
      return out.InstanceProfile!.Arn!;
    } catch (err) {
      const profile = madeByAnEarlierAttempt(err, /EntityAlreadyExists/) ? await this.instanceProfile(name) : undefined;
      if (profile) return profile.arn;
      throw err;
    }
  }

  async addRoleToInstanceProfile(name: string, roleName: string): Promise<void> {
    try {
      await awsCall('AddRoleToInstanceProfile', `instance-profile/${name}`, () =>
        this.client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName })),
      );
    } catch (err) {
      // An instance profile holds one role: the retry of a lost answer hits that limit with our own role.
      if (madeByAnEarlierAttempt(err, /LimitExceeded|EntityAlreadyExists/)) {
        const profile = await this.instanceProfile(name);
        if (profile?.roles.length === 1 && profile.roles[0] === roleName) return;
      }
      throw err;
    }
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
