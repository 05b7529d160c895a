// User mode, the manual's way: an IAM user with CloudWatchAgentServerPolicy and one access key whose secret is
// handed over once, into a named profile of the operator's shared credentials file (or printed, once).
import { AGENT_POLICY_ARN, Iam, type AccessKeyInfo, type NewAccessKey } from '../../clouds/aws/iam.js';
import { readProfileKeys, writeProfileKeys } from '../../clouds/aws/shared-files.js';
import { MASK, type IamResult } from './iam-result.js';
import { clearPendingKey, deleteLostKeys, readPendingKey, writePendingKey } from './iam-pending-key.js';

export interface UserModeOptions {
  iam: Iam;
  userName: string;
  /** The profile that holds the agent's key (the inventory's awslogs_credentials.profile). */
  profileName: string;
  credentialsFile: string;
  dryRun: boolean;
  /** Hand the secret back instead of storing it. */
  printSecret: boolean;
  rotateKey: boolean;
  /** Where the results go as they happen (so a failure can say what was already done); a new list unless given. */
  results?: IamResult[];
}

export interface UserModeOutcome {
  results: IamResult[];
  /** Only with printSecret, and only when a key was created. */
  secret?: NewAccessKey;
}

/** IAM allows two access keys per user. */
export const MAX_KEYS = 2;

/** The user already has as many keys as IAM allows, and none is the one the profile holds. */
export class AccessKeyLimit extends Error {
  constructor(
    readonly userName: string,
    readonly keyIds: string[],
    readonly profileKeyId: string | undefined,
  ) {
    super(
      `user ${userName} already has ${keyIds.length} access keys (${keyIds.join(', ')})` +
        (profileKeyId ? `; the profile holds ${profileKeyId}` : '; the profile holds none of them') +
        `; delete one that no host uses (aws iam delete-access-key --user-name ${userName} --access-key-id ID)`,
    );
    this.name = 'AccessKeyLimit';
  }
}

/** Refused: the key to delete is the one the profile holds, which the hosts are meant to use. */
export class KeyInUse extends Error {
  constructor(
    readonly userName: string,
    readonly keyId: string,
    readonly profileName: string,
  ) {
    super(`access key ${keyId} of ${userName} is the one profile ${profileName} holds; it is not deleted`);
    this.name = 'KeyInUse';
  }
}

export async function setupUser(o: UserModeOptions): Promise<UserModeOutcome> {
  const results: IamResult[] = o.results ?? [];
  const userRes = `iam-user/${o.userName}`;
  const policyRes = `policy-attachment/${o.userName}/CloudWatchAgentServerPolicy`;
  const keyRes = `access-key/${o.userName}`;

  const arn = await o.iam.userArn(o.userName);
  if (!arn) {
    if (o.dryRun) {
      results.push({ resource: userRes, action: 'would-create', detail: 'IAM user for the awslogs agent' });
      results.push({ resource: policyRes, action: 'would-create', detail: AGENT_POLICY_ARN });
      results.push({ resource: keyRes, action: 'would-create', detail: keyDestination(o) });
      if (!o.printSecret)
        results.push({ resource: `aws-profile/${o.profileName}`, action: 'would-update', detail: o.credentialsFile });
      return { results };
    }
    results.push({ resource: userRes, action: 'created', detail: await o.iam.createUser(o.userName) });
  } else {
    results.push({ resource: userRes, action: 'unchanged', detail: arn });
  }

  const attached = arn ? await o.iam.userPolicies(o.userName) : [];
  if (attached.includes(AGENT_POLICY_ARN)) {
    results.push({ resource: policyRes, action: 'unchanged', detail: AGENT_POLICY_ARN });
  } else if (o.dryRun) {
    results.push({ resource: policyRes, action: 'would-create', detail: AGENT_POLICY_ARN });
  } else {
    await o.iam.attachUserPolicy(o.userName, AGENT_POLICY_ARN);
    results.push({ resource: policyRes, action: 'created', detail: AGENT_POLICY_ARN });
  }

  const stored = o.printSecret ? undefined : await readProfileKeys(o.credentialsFile, o.profileName);
  let all = arn ? await o.iam.accessKeys(o.userName) : [];
  if (!o.dryRun) {
    const settled = await settlePendingKey(o, stored?.accessKeyId, all);
    results.push(...settled.results);
    all = settled.keys;
  }
  const keys = all.filter((k) => k.status === 'Active');
  const storedIsLive = stored !== undefined && keys.some((k) => k.accessKeyId === stored.accessKeyId);

  if (o.rotateKey) {
    if (o.dryRun) {
      results.push({
        resource: keyRes,
        action: 'would-create',
        detail: `new key; ${keyDestination(o)}; old key(s) kept until the hosts use the new one`,
      });
      return { results };
    }
    const rotated = await createNewKey({ ...o, results });
    return { results, ...(rotated.secret ? { secret: rotated.secret } : {}) };
  }

  if (o.printSecret && keys.length > 0) {
    results.push({
      resource: keyRes,
      action: 'unchanged',
      detail: `${keys.map((k) => k.accessKeyId).join(', ')} exist; a secret is shown only when its key is created (--rotate-key for a new one)`,
    });
    return { results };
  }
  if (storedIsLive) {
    results.push({
      resource: keyRes,
      action: 'unchanged',
      detail: `${stored.accessKeyId} (in profile ${o.profileName})`,
    });
    results.push({ resource: `aws-profile/${o.profileName}`, action: 'unchanged', detail: o.credentialsFile });
    return { results };
  }
  if (o.dryRun) {
    results.push({ resource: keyRes, action: 'would-create', detail: keyDestination(o) });
    if (!o.printSecret)
      results.push({
        resource: `aws-profile/${o.profileName}`,
        action: stored ? 'would-update' : 'would-create',
        detail: o.credentialsFile,
      });
    return { results };
  }
  const created = await createNewKey({ ...o, results });
  return { results, ...(created.secret ? { secret: created.secret } : {}) };
}

/**
 * A creation of an earlier run that never stored its key (see iam-pending-key.ts): the key it made, whose
 * secret nobody has, is deleted, and the note cleared. Returns the user's keys without it.
 */
async function settlePendingKey(
  o: Pick<UserModeOptions, 'iam' | 'userName' | 'credentialsFile'>,
  storedKeyId: string | undefined,
  keys: AccessKeyInfo[],
): Promise<{ keys: AccessKeyInfo[]; results: IamResult[] }> {
  const note = await readPendingKey(o.credentialsFile, o.userName);
  if (!note) return { keys, results: [] };
  const { deleted, results } = await deleteLostKeys(o.iam, note, [storedKeyId], keys);
  await clearPendingKey(o.credentialsFile, o.userName);
  return { keys: keys.filter((k) => !deleted.includes(k.accessKeyId)), results };
}

/**
 * Creates a new access key and stores it in the profile (or returns it with printSecret). The old keys stay:
 * the caller provisions the hosts with the new key, verifies, and only then calls deleteOldKey.
 */
export async function createNewKey(
  o: Pick<UserModeOptions, 'iam' | 'userName' | 'profileName' | 'credentialsFile' | 'printSecret' | 'results'>,
): Promise<UserModeOutcome & { newKeyId: string; oldKeyIds: string[] }> {
  const results: IamResult[] = o.results ?? [];
  const stored = o.printSecret ? undefined : await readProfileKeys(o.credentialsFile, o.profileName);
  const settled = await settlePendingKey(o, stored?.accessKeyId, await o.iam.accessKeys(o.userName));
  results.push(...settled.results);
  const keys = settled.keys;
  if (keys.length >= MAX_KEYS) {
    throw new AccessKeyLimit(
      o.userName,
      keys.map((k) => k.accessKeyId),
      stored?.accessKeyId,
    );
  }
  const oldKeyIds = keys.map((k) => k.accessKeyId);
  // Until the secret is stored (or handed back), a note says which keys were there before: a key whose
  // answer is lost is found and deleted, by this run or the next, rather than left behind unusable.
  const note = { userName: o.userName, before: oldKeyIds, startedAt: new Date().toISOString() };
  await writePendingKey(o.credentialsFile, note);
  let key;
  for (let round = 1; ; round++) {
    try {
      key = await o.iam.createAccessKey(o.userName);
      break;
    } catch (err) {
      // The creation may have happened with its answer lost: delete what it made now, if AWS answers.
      const cleaned = await deleteLostKeys(o.iam, note, [stored?.accessKeyId]).catch(() => undefined);
      if (cleaned) results.push(...cleaned.results);
      // A lost answer whose retry then hit the two-key limit: with the lost key gone, one more try is safe.
      if (cleaned && cleaned.deleted.length > 0 && round === 1) continue;
      if (cleaned) await clearPendingKey(o.credentialsFile, o.userName);
      throw err;
    }
  }
  // An attempt before the one that answered may have made a key too: its secret is gone.
  if (key.attempts > 1)
    results.push(...(await deleteLostKeys(o.iam, note, [stored?.accessKeyId, key.accessKeyId])).results);
  const kept = oldKeyIds.length > 0 ? `; old key ${oldKeyIds.join(', ')} kept until the hosts use the new one` : '';
  results.push({ resource: `access-key/${o.userName}`, action: 'created', detail: `${key.accessKeyId}${kept}` });
  const secret = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  if (o.printSecret) {
    await clearPendingKey(o.credentialsFile, o.userName);
    return { results, secret, newKeyId: key.accessKeyId, oldKeyIds };
  }
  await writeProfileKeys(o.credentialsFile, o.profileName, secret);
  await clearPendingKey(o.credentialsFile, o.userName);
  results.push({
    resource: `aws-profile/${o.profileName}`,
    action: stored ? 'updated' : 'created',
    detail: `${o.credentialsFile}: aws_access_key_id = ${key.accessKeyId}, aws_secret_access_key = ${MASK}`,
  });
  return { results, newKeyId: key.accessKeyId, oldKeyIds };
}

/** Deletes a key that the hosts no longer use; never the key the profile holds. */
export async function deleteOldKey(
  o: Pick<UserModeOptions, 'iam' | 'userName' | 'profileName' | 'credentialsFile'>,
  keyId: string,
): Promise<IamResult> {
  const stored = await readProfileKeys(o.credentialsFile, o.profileName);
  if (stored?.accessKeyId === keyId) throw new KeyInUse(o.userName, keyId, o.profileName);
  await o.iam.deleteAccessKey(o.userName, keyId);
  return { resource: `access-key/${o.userName}`, action: 'deleted', detail: keyId };
}

function keyDestination(o: Pick<UserModeOptions, 'printSecret' | 'profileName' | 'credentialsFile'>): string {
  return o.printSecret ? 'secret printed once' : `stored in profile ${o.profileName} (${o.credentialsFile})`;
}
