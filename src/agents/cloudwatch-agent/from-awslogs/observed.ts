// What the cut-over reads of a log's files while neither agent runs, and what a seeding plan says about them.
// Rotation: awslogs knows a file by its content (source id), the CloudWatch agent by its path; both read only the
// newest match of a glob. A file rotated while neither runs is found among the current file's siblings (by
// content for awslogs' positions, by inode for the CloudWatch agent's), and its remainder is sent by a temporary
// "drain" entry (section) that reads it through a hard link under DRAIN_DIR — a path no rotation ever reuses,
// so the entry can never read a later file twice. Types and naming. Pure.
import path from 'node:path';
import type { InitialPosition } from '../../awslogs/spec.js';

export interface ObservedFile {
  path: string;
  size: number;
  mtimeMs: number;
  inode: number;
  /** The newest match of the section's pattern: the file both agents read now. Others are rotated siblings. */
  current: boolean;
  /** .gz .zip .bz2 .tar .zst .rar: neither agent reads it. */
  compressed?: boolean;
  /** The file's first bytes (at least its fingerprint lines). */
  head: Buffer;
  /** The file's last bytes: `bytes` starts at byte `offset`. */
  window: { offset: number; bytes: Buffer };
}

/** One log (awslogs section, CloudWatch agent entry) with what was read of its files. */
export interface SeedLog {
  section: string;
  group: string;
  /** The stream name on this host (placeholders resolved). */
  stream: string;
  fingerprintLines?: string;
  /** awslogs' Python codec. */
  encoding?: string;
  initialPosition?: InitialPosition;
  files: ObservedFile[];
}

/** Where an agent starts reading a file: every byte before `offset` is in CloudWatch Logs. */
export interface FileStart {
  path: string;
  /** The file the decision was made about: the cut-over writes the seed only while `path` still is this inode. */
  inode: number;
  /** The size read; a drain is done once its position reaches it (and the file no longer grows). */
  size: number;
  offset: number;
  why: string;
}

export interface ByteRange {
  path: string;
  from: number;
  to: number;
  reason: string;
}

export interface LogPlan {
  section: string;
  group: string;
  stream: string;
  /** The newest file: read by the agent's own entry (section) from `offset`. */
  current?: FileStart;
  /** Rotated files with bytes that never arrived: read by a drain from `offset` to their end. */
  drains: FileStart[];
  /** Bytes that may arrive twice (CloudWatch Logs could not say whether a batch arrived: it is sent again). */
  mayDuplicate: ByteRange[];
  /** Bytes no agent can read any more (a rotated file already compressed). */
  lost: ByteRange[];
  notes: string[];
}

/** A plan that starts nothing yet. */
export function emptyPlan(log: SeedLog): LogPlan {
  return {
    section: log.section,
    group: log.group,
    stream: log.stream,
    drains: [],
    mayDuplicate: [],
    lost: [],
    notes: [],
  };
}

/** Drain links live here, one folder per run: `<run id>/<n>-<name>`. */
export const DRAIN_DIR = '/var/lib/awslogs-provision/drain';

/** The hard link a drain reads `file` through; names without glob or escaping characters. */
export function drainLinkPath(runId: string, n: number, file: string, dir = DRAIN_DIR): string {
  const safe = path.posix.basename(file).replace(/[^A-Za-z0-9._-]/g, '_');
  return `${dir}/${runId.replace(/[^A-Za-z0-9._-]/g, '_')}/${n}-${safe}`;
}

/** The name of the temporary awslogs section that drains `n` of `section`. */
export function drainSectionName(section: string, n: number): string {
  return `${section} (drain ${n})`;
}

/**
 * The glob whose matches the cut-over reads for a log: the pattern's own matches and their rotations
 * (`app.log.1`, `app.log-20261203`, `app.log.1.gz`), newest first, at most `limit` of them.
 */
export function siblingsGlob(pattern: string): string {
  return `${pattern}*`;
}
