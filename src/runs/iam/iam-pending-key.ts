// A key being created: until its secret is stored, a small note beside the shared credentials file says
// which keys the user had before. When the secret is lost on the way (an answer that never arrived, a
// run killed before it stored the key), that note lets this run or the next delete the key nobody can
// use, instead of leaving it behind and taking one of the user's two key slots. It holds no secret.
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomically } from '../../clouds/aws/shared-files.js';
import type { AccessKeyInfo, Iam } from '../../clouds/aws/iam.js';
import type { IamResult } from './iam-result.js';

export interface PendingKey {
  userName: string;
  /** The user's keys before the creation. */
  before: string[];
  /** When the creation began (ISO 8601). */
  startedAt: string;
}

/** Keys created this long before the note was written still count as this creation's (clock skew). */
const SKEW_MS = 5 * 60_000;

export function pendingKeyFile(credentialsFile: string, userName: string): string {
  return join(dirname(credentialsFile), `.awslogs-provision-pending-key-${userName}.json`);
}

export async function readPendingKey(credentialsFile: string, userName: string): Promise<PendingKey | undefined> {
  try {
    const doc = JSON.parse(await readFile(pendingKeyFile(credentialsFile, userName), 'utf8')) as PendingKey;
    return doc.userName === userName && Array.isArray(doc.before) ? doc : undefined;
  } catch {
    return undefined;
  }
}

export async function writePendingKey(credentialsFile: string, note: PendingKey): Promise<void> {
  await writeAtomically(pendingKeyFile(credentialsFile, note.userName), JSON.stringify(note) + '\n');
}

export async function clearPendingKey(credentialsFile: string, userName: string): Promise<void> {
  await rm(pendingKeyFile(credentialsFile, userName), { force: true });
}

/**
 * Deletes the keys a creation made whose secret nobody holds: not among the keys before it, not one to
 * keep (the one stored or just received), and not older than the creation.
 */
export async function deleteLostKeys(
  iam: Iam,
  note: PendingKey,
  keep: (string | undefined)[],
  current?: AccessKeyInfo[],
): Promise<{ deleted: string[]; results: IamResult[] }> {
  const since = Date.parse(note.startedAt) - SKEW_MS;
  const keys = current ?? (await iam.accessKeys(note.userName));
  const lost = keys.filter(
    (k) =>
      !note.before.includes(k.accessKeyId) &&
      !keep.includes(k.accessKeyId) &&
      (k.createdAt === undefined || Number.isNaN(since) || k.createdAt.getTime() >= since),
  );
  const done = { deleted: [] as string[], results: [] as IamResult[] };
  for (const k of lost) {
    await iam.deleteAccessKey(note.userName, k.accessKeyId);
    done.deleted.push(k.accessKeyId);
    done.results.push({
      resource: `access-key/${note.userName}`,
      action: 'deleted',
      detail: `${k.accessKeyId}: made by a creation whose answer was lost; its secret was never stored`,
    });
  }
  return done;
}
