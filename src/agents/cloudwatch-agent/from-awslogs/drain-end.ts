// The end of a drain (README, "Rotation while neither agent runs"): a drain entry reads a rotated file through a
// hard link under DRAIN_DIR; once the CloudWatch agent's position in the link reaches the link's size, every byte
// of it is in CloudWatch Logs (the agent saves a position only after the batch was accepted), so the entry and
// the link may go. Until then the entry must stay, whatever the inventory says: dropped, the rest of the rotated
// file would never be sent. Which entries of a managed JSON are drains, and whether each is done. Pure.
import { parseStateFile } from '../state-folder.js';
import { DRAIN_DIR } from './observed.js';

const escaped = DRAIN_DIR.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** As drainLinkPath makes them: DRAIN_DIR/<run>/<n>-<name>, plain names, no `.` or `..` segment. */
const DRAIN_LINK = new RegExp(`^${escaped}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}/\\d{1,6}-[A-Za-z0-9._-]{1,255}$`);

/** A path the migration made for a drain (and no other: a hand-written entry elsewhere is not the tool's). */
export function isDrainLink(path: string): boolean {
  return DRAIN_LINK.test(path);
}

/** The run's drain folder of a link: removed once empty. */
export function drainFolderOf(link: string): string {
  return link.slice(0, link.lastIndexOf('/'));
}

/** A collect_list entry of the host's managed JSON that reads a drain link. */
export interface DrainEntry {
  link: string;
  /** The entry as the host's JSON holds it (carried as it is while the drain is not done). */
  entry: Record<string, unknown>;
}

/** The drain entries of a managed JSON's text; none when it does not parse (the apply replaces it anyway). */
export function drainEntriesIn(jsonText: string | undefined): DrainEntry[] {
  if (jsonText === undefined) return [];
  let config: unknown;
  try {
    config = JSON.parse(jsonText);
  } catch {
    return [];
  }
  return collectList(config).flatMap((entry) => {
    const link = entry.file_path;
    return typeof link === 'string' && isDrainLink(link) ? [{ link, entry }] : [];
  });
}

function collectList(config: unknown): Record<string, unknown>[] {
  let node: unknown = config;
  for (const key of ['logs', 'logs_collected', 'files', 'collect_list']) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return [];
    node = (node as Record<string, unknown>)[key];
  }
  return Array.isArray(node)
    ? node.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && !Array.isArray(e))
    : [];
}

/** A config with `extra` entries appended to its collect_list (the config itself is not changed). */
export function withEntries(config: Record<string, unknown>, extra: readonly Record<string, unknown>[]): typeof config {
  if (extra.length === 0) return config;
  const copy = structuredClone(config);
  const list = collectList(copy);
  const files = ((copy.logs as Record<string, unknown>).logs_collected as Record<string, unknown>).files as Record<
    string,
    unknown
  >;
  files.collect_list = [...list, ...structuredClone(extra)];
  return copy;
}

/** What the host says of one drain link: the link itself (never followed) and the agent's state file for it. */
export interface DrainObservation {
  link: string;
  /** `file`: a regular file (the hard link); `other`: a symbolic link, folder, …; `absent`. */
  kind: 'file' | 'other' | 'absent';
  size?: number;
  /** The CloudWatch agent's state file for the link (its first bytes), when there is one. */
  state?: string;
}

export interface DrainVerdict {
  link: string;
  /** Every byte of the link is in CloudWatch Logs (or there is nothing left to read): its entry may go. */
  done: boolean;
  /** Remove the link (a regular file the migration made) once its entry is gone. */
  remove: boolean;
  /** The agent's position, when known. */
  position?: number;
  size?: number;
  why: string;
}

export function judgeDrain(o: DrainObservation): DrainVerdict {
  const base = { link: o.link, ...(o.size !== undefined ? { size: o.size } : {}) };
  if (o.kind === 'absent') return { ...base, done: true, remove: false, why: 'its link is gone: nothing left to read' };
  if (o.kind === 'other' || o.size === undefined)
    return {
      ...base,
      done: false,
      remove: false,
      why: 'not a regular file (not the link the migration made): left as it is',
    };
  if (o.state === undefined)
    return o.size === 0
      ? { ...base, done: true, remove: true, why: 'empty' }
      : {
          ...base,
          done: false,
          remove: false,
          why: `the CloudWatch agent has no position in it yet (${o.size} bytes)`,
        };
  let record;
  try {
    record = parseStateFile(o.state);
  } catch (err) {
    return { ...base, done: false, remove: false, why: `its position cannot be read (${(err as Error).message})` };
  }
  if (record.path !== o.link)
    return { ...base, done: false, remove: false, why: `its state file names ${JSON.stringify(record.path)}` };
  const at = { ...base, position: record.offset };
  if (record.offset >= o.size)
    return { ...at, done: true, remove: true, why: `read to its end (byte ${o.size}) and sent` };
  return { ...at, done: false, remove: false, why: `sent up to byte ${record.offset} of ${o.size}` };
}
