// The local run journal: one JSON file per run beside the inventory, written atomically (write-ahead: see
// write-ahead.ts). It holds hashes and states, never file contents, so no secret can reach it. A file that is
// not a whole journal of the run its name says is refused, naming the file: never read as another run.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HostStatus } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import { RUN_ID_PATTERN } from '../operations/remote-script.js';

export interface JournalFile {
  path: string;
  sha256Before: string | 'absent';
  sha256After: string;
}

export interface JournalHost {
  name: string;
  status: HostStatus;
  changes: string[];
  files: JournalFile[];
  agentWasActive?: boolean;
  agentWasEnabled?: boolean;
  packageInstalled?: boolean;
  /**
   * The apply script was sent but no outcome came back (timeout, connection lost): the host may hold any
   * of `files` (sha256After "unknown"). A rollback restores whatever backups of the run the host has.
   */
  outcomeUnknown?: boolean;
  error?: { message: string; hint?: string };
}

export interface JournalRun {
  run: string;
  command: 'apply' | 'rollback' | 'repair' | 'migrate';
  inventory: string;
  startedAt: string;
  /** Absent while the run goes on, and for good when it was killed: its hosts may hold any outcome. */
  finishedAt?: string;
  /** For a rollback: the run it restored. */
  restores?: string;
  hosts: JournalHost[];
}

/** How a change is written in the journal: `kind path: summary`. */
export function journalLine(change: { kind: string; path?: string; summary: string }): string {
  return `${change.kind}${change.path ? ` ${change.path}` : ''}: ${change.summary}`;
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function journalDir(inventoryFile: string): string {
  return join(dirname(inventoryFile), '.provision', 'runs');
}

export async function writeRun(dir: string, run: JournalRun): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, `${run.run}.json`);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(run, null, 2) + '\n', { mode: 0o600 });
  await rename(temp, target);
}

export function journalFile(dir: string, runId: string): string {
  return join(dir, `${runId}.json`);
}

export async function readRun(dir: string, runId: string): Promise<JournalRun> {
  if (!RUN_ID_PATTERN.test(runId))
    throw new UsageError(`--run ${JSON.stringify(runId)} is not a run id (e.g. 20261125T091500Z-a1b2c3)`);
  const file = journalFile(dir, runId);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no run ${runId} in the journal ${dir}`);
    throw new UsageError(`cannot read the journal file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `the journal file ${file} is corrupt (not valid JSON: ${(err as Error).message}); nothing was restored: move it aside to roll back another run`,
    );
  }
  const wrong = shapeProblem(doc);
  if (wrong) throw new UsageError(`the journal file ${file} is corrupt (${wrong}); nothing was restored`);
  const run = doc as JournalRun;
  if (run.run !== runId) {
    throw new UsageError(
      `the journal file ${file} names run ${JSON.stringify(run.run)}, not ${runId}: refused, its backups are not this run's; nothing was restored`,
    );
  }
  return run;
}

/** What makes a parsed journal file unusable, or undefined: the fields a rollback relies on. */
function shapeProblem(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a JSON object';
  const run = doc as Record<string, unknown>;
  if (typeof run.run !== 'string') return 'no run id';
  if (typeof run.command !== 'string') return 'no command';
  if (!Array.isArray(run.hosts)) return 'no hosts list';
  for (const [i, h] of (run.hosts as unknown[]).entries()) {
    const host = h as Record<string, unknown> | null;
    if (typeof host !== 'object' || host === null || typeof host.name !== 'string') return `hosts[${i}] has no name`;
    if (!Array.isArray(host.files)) return `hosts[${i}] has no files list`;
    if ((host.files as unknown[]).some((f) => typeof (f as { path?: unknown } | null)?.path !== 'string'))
      return `hosts[${i}] has a file without a path`;
  }
  return undefined;
}

/** Runs, newest first. */
export async function listRuns(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((id) => RUN_ID_PATTERN.test(id))
    .sort()
    .reverse();
}

/** The newest run that changed a file on some host and is not itself a rollback. */
export async function latestRestorableRun(dir: string): Promise<JournalRun | undefined> {
  for (const id of await listRuns(dir)) {
    const run = await readRun(dir, id);
    if (run.command !== 'rollback' && run.hosts.some((h) => h.files.length > 0)) return run;
  }
  return undefined;
}
