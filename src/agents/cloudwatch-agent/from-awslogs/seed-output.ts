// A seeding plan in each agent's own format: the CloudWatch agent's state files (and the drain entries that read
// rotated files through hard links), or awslogs' push_state and stream_state rows (and its drain sections). Each
// seeded file carries the inode it was planned for: the cut-over writes it only while the path still is that
// file (else it reads again and plans again). Pure.
import { sourceIdOf } from '../../awslogs/source-id.js';
import type { LogSection } from '../../awslogs/spec.js';
import type { PushState, StreamState } from '../../awslogs/state-rows.js';
import { serializeStateFile, stateFilePath } from '../state-folder.js';
import { drainLinkPath, drainSectionName, type FileStart, type LogPlan, type SeedLog } from './observed.js';

/** A rotated file read through a hard link: the cut-over links `source` (while it is `inode`) to `link`. */
export interface DrainLink extends FileStart {
  section: string;
  link: string;
}

export interface SeededStateFile {
  /** The state file's path (logs/state/<escaped path>). */
  stateFile: string;
  /** The log file it is for, and the inode that file must still have. */
  path: string;
  inode: number;
  /** For a drain: the rotated file the link is made to. */
  linkedFrom?: string;
  content: string;
}

/** Gives every drain of every plan its link path (`n` counts across the host); `dir` defaults to DRAIN_DIR. */
export function drainLinks(plans: readonly LogPlan[], runId: string, dir?: string): DrainLink[] {
  let n = 0;
  return plans.flatMap((p) =>
    p.drains.map((d) => ({ ...d, section: p.section, link: drainLinkPath(runId, ++n, d.path, dir) })),
  );
}

function record(path: string, offset: number): string {
  // As the agent writes it: the offset, the path, and (since mid-2025) the ranges sent; bytes before the offset
  // are in CloudWatch Logs, sent by awslogs.
  return serializeStateFile(offset > 0 ? { offset, path, ranges: [{ from: 0, to: offset }] } : { offset, path });
}

/** The CloudWatch agent's state files: one per current file and one per drain link. */
export function cloudwatchStateFiles(plans: readonly LogPlan[], links: readonly DrainLink[]): SeededStateFile[] {
  const out: SeededStateFile[] = [];
  for (const p of plans) {
    if (p.current)
      out.push({
        stateFile: stateFilePath(p.current.path),
        path: p.current.path,
        inode: p.current.inode,
        content: record(p.current.path, p.current.offset),
      });
  }
  for (const l of links)
    out.push({
      stateFile: stateFilePath(l.link),
      path: l.link,
      inode: l.inode,
      linkedFrom: l.path,
      content: record(l.link, l.offset),
    });
  return out;
}

/** The temporary collect_list entries: a copy of the section's entry reading the link (exact path, no glob). */
export function drainEntries(
  links: readonly DrainLink[],
  entryOf: (section: string) => Record<string, unknown> | undefined,
): Record<string, unknown>[] {
  return links.flatMap((l) => {
    const entry = entryOf(l.section);
    return entry ? [{ ...entry, file_path: l.link }] : [];
  });
}

/** push_state's `v` as the agent writes it: json.dumps with Python's separators, in the agent's key order. */
export function pushStateJson(v: PushState): string {
  const keys: (keyof PushState)[] = [
    'source_id',
    'start_position',
    'end_position',
    'batch_timestamp',
    'first_timestamp',
    'first_timestamp_status',
    'sequence_token',
  ];
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(v[k] ?? null)}`).join(', ')}}`;
}

export function streamStateJson(v: StreamState): string {
  return `{"source_id": ${JSON.stringify(v.source_id)}, "initial_position": ${v.initial_position}}`;
}

export interface AwslogsSeed {
  /** Rows to insert or replace, `v` as the agent writes it. */
  push: { k: string; v: string }[];
  stream: { k: string; v: string }[];
  /** Temporary sections of awslogs.conf: a copy of the section reading the drain link. */
  drainSections: LogSection[];
  /** Files awslogs cannot be told where to start yet (fewer lines than its fingerprint): read from their start. */
  unseeded: { path: string; offset: number; reason: string }[];
}

/**
 * awslogs' rows: for each file, a push_state row whose start and end are the position (awslogs replays
 * start..end on start: nothing is replayed) and a stream_state row for its section at the same position. The
 * first_timestamp is the host's clock with status 0 (not evaluated): a first line without a timestamp takes the
 * current time, as after any start.
 */
export function awslogsSeed(
  plans: readonly LogPlan[],
  logs: readonly SeedLog[],
  links: readonly DrainLink[],
  sectionOf: (section: string) => LogSection | undefined,
  hostNowMs: number,
): AwslogsSeed {
  const seed: AwslogsSeed = { push: [], stream: [], drainSections: [], unseeded: [] };
  const put = (section: string, head: Buffer, fingerprint: string | undefined, start: FileStart, path: string) => {
    const id = sourceIdOf(section, head, fingerprint);
    if (id === undefined) {
      if (start.offset > 0)
        seed.unseeded.push({
          path,
          offset: start.offset,
          reason: `it has fewer lines than file_fingerprint_lines: awslogs reads it from its start once it has them (bytes 0-${start.offset} may arrive twice)`,
        });
      return;
    }
    const push: PushState = {
      source_id: id,
      start_position: start.offset,
      end_position: start.offset,
      batch_timestamp: hostNowMs,
      first_timestamp: hostNowMs,
      first_timestamp_status: 0,
      sequence_token: null,
    };
    seed.push.push({ k: id, v: pushStateJson(push) });
    seed.stream.push({ k: section, v: streamStateJson({ source_id: id, initial_position: start.offset }) });
  };
  for (const p of plans) {
    const log = logs.find((l) => l.section === p.section);
    if (!log || !p.current) continue;
    const file = log.files.find((f) => f.path === p.current!.path && f.inode === p.current!.inode);
    if (file) put(p.section, file.head, log.fingerprintLines, p.current, p.current.path);
  }
  links.forEach((l) => {
    const log = logs.find((x) => x.section === l.section);
    const base = sectionOf(l.section);
    const file = log?.files.find((f) => f.path === l.path && f.inode === l.inode);
    if (!log || !base || !file) return;
    const name = drainSectionName(l.section, seed.drainSections.length + 1);
    seed.drainSections.push({ ...base, section: name, file: l.link, initial_position: 'start_of_file' });
    put(name, file.head, log.fingerprintLines, l, l.link);
  });
  return seed;
}
