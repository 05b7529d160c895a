// The way back: the CloudWatch agent's read positions → where awslogs starts in each file. The CloudWatch agent
// saves a position only once CloudWatch Logs accepted the bytes before it, and knows a file by its path; the
// cut-over reads each position with the inode its path had when the agent stopped, so a file rotated since is
// found again by inode (then drained from that position, and the new file read from its start). Pure.
import { emptyPlan, type LogPlan, type ObservedFile, type SeedLog } from './observed.js';

/** One state file of the CloudWatch agent, with the inode its path had when the agent stopped. */
export interface AgentPosition {
  path: string;
  offset: number;
  inode?: number;
}

export function planBack(positions: readonly AgentPosition[], logs: readonly SeedLog[]): LogPlan[] {
  return logs.map((log) => planLog(positions, log));
}

function planLog(positions: readonly AgentPosition[], log: SeedLog): LogPlan {
  const plan = emptyPlan(log);
  const byInode = (inode: number | undefined): ObservedFile | undefined =>
    inode === undefined ? undefined : log.files.find((f) => f.inode === inode);
  const drained = new Set<ObservedFile>();
  const drain = (f: ObservedFile, offset: number, why: string) => {
    drained.add(f);
    if (f.compressed) {
      if (offset < f.size)
        plan.lost.push({ path: f.path, from: offset, to: f.size, reason: 'compressed before awslogs could read it' });
      return;
    }
    if (offset < f.size) plan.drains.push({ path: f.path, inode: f.inode, size: f.size, offset, why });
  };

  const current = log.files.find((f) => f.current && !f.compressed);
  if (current) {
    const at = positions.find((p) => p.path === current.path);
    if (!at) {
      plan.current = {
        path: current.path,
        inode: current.inode,
        size: current.size,
        offset: 0,
        why: 'the CloudWatch agent holds no position for it: nothing of it arrived',
      };
    } else if (at.inode !== undefined && at.inode !== current.inode) {
      // The path is a new file: the one the agent read was rotated after it stopped.
      plan.current = {
        path: current.path,
        inode: current.inode,
        size: current.size,
        offset: 0,
        why: 'created since the CloudWatch agent stopped: from its start',
      };
      const rotated = byInode(at.inode);
      if (rotated) drain(rotated, at.offset, `rotated after the CloudWatch agent stopped at ${at.offset}`);
      else
        plan.notes.push(
          `${current.path}: the file the CloudWatch agent read (inode ${at.inode}) is gone: its bytes after ${at.offset}, if any, are lost`,
        );
    } else if (at.offset > current.size) {
      plan.notes.push(
        `${current.path} (${current.size} bytes) is shorter than the CloudWatch agent's position ${at.offset}: replaced, read from its start`,
      );
      plan.current = {
        path: current.path,
        inode: current.inode,
        size: current.size,
        offset: 0,
        why: 'the file was replaced since the CloudWatch agent read it',
      };
    } else
      plan.current = {
        path: current.path,
        inode: current.inode,
        size: current.size,
        offset: at.offset,
        why: `the CloudWatch agent's position ${at.offset}`,
      };
  }

  // Other files the CloudWatch agent read (an earlier match it still tailed, a drain of the way here) and did
  // not finish: awslogs reads only the newest match, so they are drained.
  for (const f of log.files) {
    if (f === current || drained.has(f)) continue;
    const at = positions.find((p) => p.path === f.path && (p.inode === undefined || p.inode === f.inode));
    if (at) drain(f, Math.min(at.offset, f.size), `the CloudWatch agent's position ${at.offset}, not at its end`);
  }
  return plan;
}
