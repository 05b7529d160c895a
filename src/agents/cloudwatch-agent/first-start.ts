// The agent has no initial_position: a file it has no read position for is read from byte 0. Given what the
// probe saw (the matches of each entry, their sizes, the state folder), how many bytes of lines already in the
// files its first start will send. Pure.
import { compileRe2 } from './re2.js';
import type { CollectEntry } from './entry.js';
import { COMPRESSED_SUFFIX } from './schema.js';

export interface ProbedFile {
  path: string;
  size: number;
  mtimeMs: number;
  kind?: 'file' | 'directory' | 'other';
}

export interface FileSend {
  path: string;
  /** Where the agent starts: the saved offset, or 0 without state (or when the file shrank below it). */
  from: number;
  bytes: number;
}

export interface FirstStart {
  index: number;
  filePath: string;
  files: FileSend[];
  bytes: number;
}

/** The matches the agent tails: files, not compressed, not blacklisted; the newest only unless publish_multi_logs. */
export function tailedFiles(entry: CollectEntry, matches: readonly ProbedFile[]): ProbedFile[] {
  const blacklist = entry.blacklist !== undefined ? compileRe2(entry.blacklist) : undefined;
  const eligible = matches.filter((f) => {
    if ((f.kind ?? 'file') !== 'file' || COMPRESSED_SUFFIX.test(f.path)) return false;
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    return !(blacklist?.ok && blacklist.regex.matcher(base).find());
  });
  if (entry.publishMultiLogs) return eligible;
  const newest = [...eligible].sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  return newest ? [newest] : [];
}

/**
 * Per entry, the bytes its first start sends: each tailed file's size less its saved offset (`offsets` maps a
 * path to the offset in its state file). A file whose state offset is past its end was truncated: read from 0.
 */
export function firstStartBytes(
  entries: readonly CollectEntry[],
  matches: (entry: CollectEntry) => readonly ProbedFile[],
  offsets: ReadonlyMap<string, number>,
): FirstStart[] {
  return entries.map((entry) => {
    const files = tailedFiles(entry, matches(entry)).map((f) => {
      const saved = offsets.get(f.path);
      const from = saved !== undefined && saved <= f.size ? saved : 0;
      return { path: f.path, from, bytes: f.size - from };
    });
    return { index: entry.index, filePath: entry.filePath, files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
  });
}

/** A warning for an entry whose first start sends lines already in its files; undefined when it sends none. */
export function firstStartWarning(s: FirstStart): string | undefined {
  const fresh = s.files.filter((f) => f.from === 0 && f.bytes > 0);
  if (fresh.length === 0) return undefined;
  const bytes = fresh.reduce((n, f) => n + f.bytes, 0);
  const names = fresh.map((f) => f.path).join(', ');
  return `the agent has no read position for ${names}: its first start sends ${formatBytes(bytes)} of lines already there (it has no initial_position)`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]} (${n} bytes)`;
}
