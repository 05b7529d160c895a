// Shared by the AWS fault tests: the lab operator's environment, the CLI run with it (and checked for
// secrets and stack traces), and what IAM holds for a user or a role, read as the lab operator.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetInstanceProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { DescribeIamInstanceProfileAssociationsCommand } from '@aws-sdk/client-ec2';
import { runCli, type CliResult } from '../support/cli.js';
import { LAB_STATE_DIR, labInventoryCopy } from '../support/lab.js';
import { awsClients, type AwsClients } from '../../src/clouds/aws/clients.js';
import { readProfileKeys } from '../../src/clouds/aws/shared-files.js';
import { AWS_REGION, endpointUrl } from '../../src/lab/layout.js';
import { pendingKeyFile } from '../../src/runs/iam/iam-pending-key.js';

export const LAB_AWS = join(LAB_STATE_DIR, 'aws');
export const OPERATOR_CREDENTIALS = join(LAB_AWS, 'credentials');
export const AGENT_POLICY = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy';

/** The operator's environment, as `lab up` hands it over (`. .lab/aws/env`). */
export function labEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(LAB_AWS, 'env'), 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/**
 * A copy of the lab inventory without its aws_profile, aws_shared_credentials_file and aws_config_file: the
 * operator's profile then comes from the environment (AWS_PROFILE, …), which a test can change.
 */
export function environmentProfileInventory(): string {
  return labInventoryCopy((doc) => {
    delete doc.all.vars.aws_profile;
    delete doc.all.vars.aws_shared_credentials_file;
    delete doc.all.vars.aws_config_file;
  });
}

/** Every secret key the run could know: those of the operator's files, and any given. */
function secretsOf(files: string[]): string[] {
  return files.flatMap((f) =>
    existsSync(f) ? [...readFileSync(f, 'utf8').matchAll(/aws_secret_access_key = (\S+)/g)].map((m) => m[1]!) : [],
  );
}

/** The built CLI with the lab operator's environment (and `env` over it); no secret, no stack trace. */
export async function awsCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const full = { ...labEnv(), ...env };
  const result = await runCli(args, { env: full, timeoutMs: 240_000 });
  for (const s of secretsOf([OPERATOR_CREDENTIALS, full.AWS_SHARED_CREDENTIALS_FILE!])) {
    assert.ok(!result.stdout.includes(s) && !result.stderr.includes(s), `a secret was printed by ${args.join(' ')}`);
  }
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed:\n${result.stderr}`);
  return result;
}

/** Clients acting as the lab operator, straight to moto. */
export async function operatorClients(): Promise<AwsClients> {
  const keys = await readProfileKeys(OPERATOR_CREDENTIALS, 'lab');
  assert.ok(keys, 'the lab operator profile is missing');
  return awsClients({ region: AWS_REGION, endpointUrl: endpointUrl(), credentials: keys });
}

export interface UserState {
  users: number;
  policies: string[];
  keys: string[];
  storedKey?: string;
  /** A pending-key note left beside the credentials file. */
  note: boolean;
}

/** What IAM and the operator's files hold for one user of user mode. */
export async function userState(
  clients: AwsClients,
  user: string,
  profile: string,
  credentials = OPERATOR_CREDENTIALS,
): Promise<UserState> {
  const users = (await clients.iam.send(new ListUsersCommand({}))).Users ?? [];
  const exists = users.some((u) => u.UserName === user);
  const policies = exists
    ? ((await clients.iam.send(new ListAttachedUserPoliciesCommand({ UserName: user }))).AttachedPolicies ?? []).map(
        (p) => p.PolicyArn!,
      )
    : [];
  const keys = exists
    ? ((await clients.iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map(
        (k) => k.AccessKeyId!,
      )
    : [];
  const stored = await readProfileKeys(credentials, profile);
  return {
    users: users.filter((u) => u.UserName === user).length,
    policies,
    keys,
    ...(stored ? { storedKey: stored.accessKeyId } : {}),
    note: existsSync(pendingKeyFile(credentials, user)),
  };
}

/** The state a clean `iam setup` run leaves: one user, the policy once, one key, the one the profile holds. */
export function assertCleanUser(state: UserState): void {
  assert.equal(state.users, 1, 'one user');
  assert.deepEqual(state.policies, [AGENT_POLICY], 'the policy attached once');
  assert.ok(state.storedKey, 'the profile holds a key');
  assert.deepEqual(state.keys, [state.storedKey], 'one key, the one the profile holds');
  assert.equal(state.note, false, 'no pending-key note left');
}

export async function userExists(clients: AwsClients, user: string): Promise<boolean> {
  try {
    await clients.iam.send(new GetUserCommand({ UserName: user }));
    return true;
  } catch {
    return false;
  }
}

export interface RoleState {
  roles: number;
  policies: string[];
  profileRoles: string[];
  /** Per instance: how many associations (associating or associated) and with which profile. */
  associations: Record<string, string[]>;
}

export async function roleState(clients: AwsClients, role: string, instances: string[]): Promise<RoleState> {
  const roles = ((await clients.iam.send(new ListRolesCommand({}))).Roles ?? []).filter((r) => r.RoleName === role);
  const policies =
    roles.length > 0
      ? ((await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map(
          (p) => p.PolicyArn!,
        )
      : [];
  let profileRoles: string[] = [];
  try {
    const p = await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: role }));
    profileRoles = (p.InstanceProfile?.Roles ?? []).map((r) => r.RoleName!);
  } catch {
    profileRoles = [];
  }
  const out = await clients.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [
        { Name: 'instance-id', Values: instances },
        { Name: 'state', Values: ['associating', 'associated'] },
      ],
    }),
  );
  const associations: Record<string, string[]> = Object.fromEntries(instances.map((i) => [i, [] as string[]]));
  for (const a of out.IamInstanceProfileAssociations ?? []) {
    associations[a.InstanceId!]?.push(a.IamInstanceProfile?.Arn?.split('/').pop() ?? '');
  }
  return { roles: roles.length, policies, profileRoles, associations };
}
