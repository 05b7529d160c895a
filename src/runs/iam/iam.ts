// `iam setup`: the IAM identity the agent uses, from what the inventory says (region, endpoint, credential
// source and profile, instance ids). The only place the IAM and EC2 adapters are constructed for it.
import { InputError, RunFailed, UsageError } from '../../core/errors.js';
import type { Inventory } from '../../inventory/types.js';
import { awsClients, type AwsClients } from '../../clouds/aws/clients.js';
import { Ec2 } from '../../clouds/aws/ec2.js';
import { Iam, type NewAccessKey } from '../../clouds/aws/iam.js';
import { sharedFilePaths } from '../../clouds/aws/shared-files.js';
import { explainCallerFailure } from '../../clouds/aws/credentials.js';
import { awsSettings, type AwsSettings } from './aws-target.js';
import { DEFAULT_IDENTITY_NAME, type IamResult } from './iam-result.js';
import { createNewKey, deleteOldKey, setupUser, type UserModeOptions } from './iam-user.js';
import { setupRole } from './iam-role.js';

export type IamMode = 'user' | 'role';

export { DEFAULT_IDENTITY_NAME };

export interface IamSetupOptions {
  mode?: IamMode;
  userName?: string;
  roleName?: string;
  profileName?: string;
  printSecret?: boolean;
  rotateKey?: boolean;
  dryRun?: boolean;
  /** Where the shared files are; process.env unless told. */
  env?: NodeJS.ProcessEnv;
}

export interface IamSetupReport {
  mode: IamMode;
  region: string;
  endpointUrl?: string;
  results: IamResult[];
  /** Only with printSecret, when a key was created: the caller shows it once and nowhere else. */
  secret?: NewAccessKey;
}

/** user mode for `awslogs_credentials.source: keys` (or none), role mode for `instance_profile`. */
export function modeFor(settings: AwsSettings, asked?: IamMode): IamMode {
  if (asked) return asked;
  return settings.credentials.source === 'instance_profile' ? 'role' : 'user';
}

export function clientsFor(settings: AwsSettings): AwsClients {
  return awsClients({
    region: settings.region,
    ...(settings.endpointUrl ? { endpointUrl: settings.endpointUrl } : {}),
  });
}

export async function iamSetup(inventory: Inventory, o: IamSetupOptions = {}): Promise<IamSetupReport> {
  const settings = awsSettings(inventory);
  const mode = modeFor(settings, o.mode);
  if (mode === 'role' && (o.printSecret || o.rotateKey)) {
    throw new UsageError('--print-secret and --rotate-key are for user mode: a role has no key');
  }
  const clients = clientsFor(settings);
  const base = {
    mode,
    region: settings.region,
    ...(settings.endpointUrl ? { endpointUrl: settings.endpointUrl } : {}),
  };
  // Filled as the work is done, so that a failure can say what this run had already made.
  const results: IamResult[] = [];
  try {
    if (mode === 'role') {
      const roleName = o.roleName ?? DEFAULT_IDENTITY_NAME;
      await setupRole({
        iam: new Iam(clients.iam),
        ec2: new Ec2(clients.ec2),
        roleName,
        instanceProfileName: roleName,
        instances: settings.instances,
        ssm: settings.ssm,
        dryRun: o.dryRun ?? false,
        results,
      });
      return { ...base, results };
    }
    const outcome = await setupUser({
      ...userContext(settings, clients, o),
      dryRun: o.dryRun ?? false,
      printSecret: o.printSecret ?? false,
      rotateKey: o.rotateKey ?? false,
      results,
    });
    return { ...base, results, ...(outcome.secret ? { secret: outcome.secret } : {}) };
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputError) throw err;
    throw new IamSetupFailed(await explainCallerFailure(err, o.env ?? process.env), results);
  } finally {
    clients.destroy();
  }
}

/**
 * `iam setup` stopped: why, and what it had done by then. IAM has no transactions; what was made stays, and
 * a re-run finds it and completes the rest without making anything twice.
 */
export class IamSetupFailed extends RunFailed {
  constructor(
    readonly reason: unknown,
    readonly done: IamResult[],
  ) {
    const made = done.filter((r) => r.action !== 'unchanged' && r.action !== 'skipped');
    const why = (reason as Error)?.message ?? String(reason);
    super(
      made.length === 0
        ? `iam setup changed nothing: ${why}`
        : `iam setup stopped: ${why}\n  done before it stopped: ${made.map((r) => `${r.action} ${r.resource}`).join(', ')}` +
            '\n  run `provision iam setup` again once the cause is fixed: it completes the rest and makes nothing twice',
    );
    this.name = 'IamSetupFailed';
  }
}

/** The IAM user, the profile that holds its key, and where that profile lives. */
export function userContext(
  settings: AwsSettings,
  clients: AwsClients,
  o: Pick<IamSetupOptions, 'userName' | 'profileName' | 'env'> = {},
): Pick<UserModeOptions, 'iam' | 'userName' | 'profileName' | 'credentialsFile'> {
  return {
    iam: new Iam(clients.iam),
    userName: o.userName ?? DEFAULT_IDENTITY_NAME,
    profileName: o.profileName ?? settings.credentials.profile ?? DEFAULT_IDENTITY_NAME,
    credentialsFile: sharedFilePaths(o.env ?? process.env).credentials,
  };
}

/**
 * Key rotation for the apply run: `begin` creates and stores a new key (old ones stay); after the hosts are
 * provisioned with it and verified, `finish` deletes the old ones. Nothing is deleted when `finish` is not called.
 */
export async function beginKeyRotation(
  inventory: Inventory,
  o: Pick<IamSetupOptions, 'userName' | 'profileName' | 'env'> = {},
): Promise<{ newKeyId: string; oldKeyIds: string[]; results: IamResult[]; finish(): Promise<IamResult[]> }> {
  const settings = awsSettings(inventory);
  const clients = clientsFor(settings);
  const ctx = userContext(settings, clients, o);
  try {
    const created = await createNewKey({ ...ctx, printSecret: false }).catch(async (err: unknown) => {
      throw await explainCallerFailure(err, o.env ?? process.env);
    });
    return {
      newKeyId: created.newKeyId,
      oldKeyIds: created.oldKeyIds,
      results: created.results,
      async finish() {
        const finishing = clientsFor(settings);
        try {
          const fctx = userContext(settings, finishing, o);
          const done: IamResult[] = [];
          for (const id of created.oldKeyIds) done.push(await deleteOldKey(fctx, id));
          return done;
        } finally {
          finishing.destroy();
        }
      },
    };
  } finally {
    clients.destroy();
  }
}
