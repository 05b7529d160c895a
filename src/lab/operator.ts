// The lab operator's own AWS identity: made with moto's free initial actions, then kept as the profile `lab`
// in <stateDir>/aws/{credentials,config}, exactly as an operator's machine keeps one.
import { join } from 'node:path';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { awsClients, clientConfig } from '../clouds/aws/clients.js';
import { readProfileKeys, writeProfileConfig, writeProfileKeys } from '../clouds/aws/shared-files.js';
import { httpStatus } from '../clouds/aws/errors.js';

export const OPERATOR_USER = 'provision-operator';
export const OPERATOR_PROFILE = 'lab';
export const OPERATOR_POLICY_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
/**
 * The actions bootstrapOperator spends before moto must check every call: CreateUser, AttachUserPolicy,
 * CreateAccessKey. Start moto with exactly this many free actions (INITIAL_NO_AUTH_ACTION_COUNT).
 */
export const BOOTSTRAP_ACTIONS = 3;

/** The keys moto accepts while it still serves free actions; they are no IAM user's keys. */
const UNSIGNED_KEYS = { accessKeyId: 'AKIALABBOOTSTRAP0000', secretAccessKey: 'lab-bootstrap-not-a-secret' };

export interface OperatorProfile {
  profile: string;
  userName: string;
  userArn: string;
  accessKeyId: string;
  credentialsFile: string;
  configFile: string;
  /** What a child process needs to act as the operator. */
  env: Record<string, string>;
}

/** The lab's endpoint did not behave as an authenticating AWS endpoint would. */
export class LabAuthProblem extends Error {
  constructor(
    readonly url: string,
    readonly detail: string,
  ) {
    super(`the lab endpoint ${url}: ${detail}`);
    this.name = 'LabAuthProblem';
  }
}

export function operatorFiles(stateDir: string): { credentials: string; config: string } {
  return { credentials: join(stateDir, 'aws', 'credentials'), config: join(stateDir, 'aws', 'config') };
}

export async function bootstrapOperator(options: {
  url: string;
  stateDir: string;
  region: string;
}): Promise<OperatorProfile> {
  const files = operatorFiles(options.stateDir);
  // Exactly BOOTSTRAP_ACTIONS calls, no retries: a retry would spend a free action without saying so.
  const free = awsClients({
    region: options.region,
    endpointUrl: options.url,
    credentials: UNSIGNED_KEYS,
    maxAttempts: 1,
  });
  try {
    // The first free action tells a fresh moto from one that checks already: there it is refused (403) and
    // costs nothing, since moto stops counting once the free actions are spent. Asking with the stored
    // profile first would not do: a fresh moto (restarted, state lost) serves any key and counts it.
    try {
      await free.iam.send(new CreateUserCommand({ UserName: OPERATOR_USER }));
    } catch (err) {
      if (httpStatus(err) === 403) return await storedOperator(options, files);
      throw err;
    }
    await free.iam.send(new AttachUserPolicyCommand({ UserName: OPERATOR_USER, PolicyArn: OPERATOR_POLICY_ARN }));
    const key = await free.iam.send(new CreateAccessKeyCommand({ UserName: OPERATOR_USER }));
    const keys = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    await writeProfileKeys(files.credentials, OPERATOR_PROFILE, keys);
    await writeProfileConfig(files.config, OPERATOR_PROFILE, { region: options.region, endpoint_url: options.url });
    await assertAuthEnforced(options);
    const arn = await callerArn(options, keys);
    if (arn === undefined) throw new LabAuthProblem(options.url, 'the new operator key is refused');
    return describe(files, keys.accessKeyId, arn);
  } catch (err) {
    if (err instanceof LabAuthProblem) throw err;
    throw new LabAuthProblem(
      options.url,
      `bootstrap failed (${(err as Error).name}: ${(err as Error).message}); ` +
        `moto must be fresh and started with INITIAL_NO_AUTH_ACTION_COUNT=${BOOTSTRAP_ACTIONS}`,
    );
  } finally {
    free.destroy();
  }
}

/** Bootstrapped before: the stored profile must work. */
async function storedOperator(
  options: { url: string; region: string },
  files: { credentials: string; config: string },
): Promise<OperatorProfile> {
  const existing = await readProfileKeys(files.credentials, OPERATOR_PROFILE);
  const arn = existing ? await callerArn(options, existing) : undefined;
  if (!existing || arn === undefined) {
    throw new LabAuthProblem(
      options.url,
      `it checks every call already, and the profile ${OPERATOR_PROFILE} in ${files.credentials} ` +
        `${existing ? 'is refused' : 'is absent'}; restart moto to bootstrap again`,
    );
  }
  return describe(files, existing.accessKeyId, arn);
}

/** Throws unless a call signed with keys no user owns is refused: moto checks every call from now on. */
export async function assertAuthEnforced(options: { url: string; region: string }): Promise<void> {
  if ((await callerArn(options, UNSIGNED_KEYS)) !== undefined) {
    throw new LabAuthProblem(options.url, 'a call with unknown keys was served: authentication is not on');
  }
}

/** The caller's ARN, or undefined when the endpoint refuses the keys. */
async function callerArn(
  options: { url: string; region: string },
  keys: { accessKeyId: string; secretAccessKey: string },
): Promise<string | undefined> {
  const sts = new STSClient(
    clientConfig({ region: options.region, endpointUrl: options.url, credentials: keys, maxAttempts: 1 }),
  );
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403 || status === 401) return undefined;
    throw err;
  } finally {
    sts.destroy();
  }
}

function describe(
  files: { credentials: string; config: string },
  accessKeyId: string,
  userArn: string,
): OperatorProfile {
  return {
    profile: OPERATOR_PROFILE,
    userName: OPERATOR_USER,
    userArn,
    accessKeyId,
    credentialsFile: files.credentials,
    configFile: files.config,
    env: {
      AWS_SHARED_CREDENTIALS_FILE: files.credentials,
      AWS_CONFIG_FILE: files.config,
      AWS_PROFILE: OPERATOR_PROFILE,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  };
}
