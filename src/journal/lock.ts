// The local run lock beside the journal (`.provision/lock`): one changing run (apply, rollback) per
// inventory folder at a time. It holds the owner's pid, run id and start time; a lock whose pid is gone
// (a killed run) is stale and is cleared. A live one makes the second run wait (`--wait-lock`) or refuse.
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RunFailed } from '../core/errors.js';

export interface LockOwner {
  pid: number;
  run: string;
  startedAt: string;
}

export function lockFile(inventoryFile: string): string {
  return join(dirname(inventoryFile), '.provision', 'lock');
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : { pid: -1, run: '?', startedAt: '?' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable or half-written by a run killed between create and write: no pid, so stale.
    return { pid: -1, run: '?', startedAt: '?' };
  }
}

export interface HeldLock {
  release: () => Promise<void>;
  /** A stale lock of a killed run that was cleared to take this one. */
  clearedStale?: LockOwner;
}

/**
 * Takes the lock or throws RunFailed (exit 1) naming the run that holds it. With `waitS` > 0 it waits
 * that long for the holder to finish first.
 */
export async function acquireRunLock(inventoryFile: string, runId: string, waitS = 0): Promise<HeldLock> {
  const file = lockFile(inventoryFile);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const me: LockOwner = { pid: process.pid, run: runId, startedAt: new Date().toISOString() };
  const deadline = Date.now() + waitS * 1000;
  let clearedStale: LockOwner | undefined;
  for (;;) {
    try {
      // Write the whole owner record to a private file, then hard-link it into place: the lock file
      // appears complete or not at all, and link() fails with EEXIST for all but one of two takers.
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(me) + '\n', { mode: 0o600 });
      try {
        await link(temp, file);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      return {
        clearedStale,
        release: async () => {
          const owner = await readOwner(file);
          if (owner?.run === runId && owner.pid === process.pid) await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(file);
    if (!owner) continue;
    if (!alive(owner.pid)) {
      // Clear it by renaming it aside first: of two runs clearing the same stale lock, one rename wins.
      const aside = `${file}.stale.${process.pid}`;
      try {
        await rename(file, aside);
        const moved = await readOwner(aside);
        if (moved && moved.pid !== owner.pid) {
          // Someone else took the lock between our read and our rename: put it back.
          await rename(aside, file);
        } else {
          clearedStale = owner;
          await unlink(aside).catch(() => undefined);
        }
      } catch {
        // another run cleared it first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new RunFailed(
        `another run (${owner.run}, pid ${owner.pid}, started ${owner.startedAt}) holds the lock ${file}; ` +
          (waitS > 0 ? `waited ${waitS}s` : 'wait for it to finish, or pass --wait-lock SECONDS'),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** For tests: write a lock as a given owner. */
export async function writeLockFor(inventoryFile: string, owner: LockOwner): Promise<void> {
  const file = lockFile(inventoryFile);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(owner) + '\n', { mode: 0o600 });
}
