// A command that installs what the files hold where the agent reads it (DesiredCommand): run when a file it
// installs changes, when what the agent reads differs from what it would install, or when the folder the agent
// reads holds anything else; otherwise a no-op with its reason.
import type { Change, DesiredCommand, HostFacts, StepOutcome } from '../core/types.js';
import { fileDiff } from './file.js';

type CommandChange = Extract<Change, { kind: 'command' }>;

export function commandOperation(desired: DesiredCommand, facts: HostFacts, changedFiles: string[]): StepOutcome {
  const why: string[] = [];
  const diffs: string[] = [];
  const changed = desired.after.filter((p) => changedFiles.includes(p));
  if (changed.length > 0) why.push(`changed: ${changed.join(', ')}`);
  for (const expected of desired.expect) {
    const fact = facts.files[expected.path];
    if (fact === undefined)
      return { changes: [], refusals: [`${expected.path}: no facts gathered for this compared path: refused`] };
    if (!fact.exists) {
      why.push(`${expected.path} is absent`);
      continue;
    }
    if (fact.isSymlink || fact.kind || fact.controlledBy) {
      why.push(`${expected.path} is not a plain file root alone controls`);
      continue;
    }
    if (fact.content !== expected.content || fact.truncated) {
      why.push(`${expected.path} differs`);
      // Only when no file change shows the same text already.
      if (changed.length === 0) diffs.push(fileDiff(expected.path, fact.content, expected.content, []));
    }
  }
  if (desired.only) {
    const entries = facts.dirs?.[desired.only.dir] ?? [];
    const others = entries.filter((e) => !desired.only!.names.includes(e.name)).map((e) => e.name);
    if (others.length > 0) why.push(`${desired.only.dir} also holds ${others.join(', ')}`);
  }
  if (why.length === 0)
    return { changes: [], noop: `${desired.name}: what the agent reads is already what the files hold` };
  const change: CommandChange = {
    kind: 'command',
    action: 'run',
    name: desired.name,
    summary: `${desired.name} (${why.join('; ')})`,
    command: desired.command,
    ...(diffs.length > 0 ? { diff: diffs.join('') } : {}),
    writes: desired.writes,
    writesIn: desired.writesIn,
    restartsService: desired.restartsService,
  };
  return { changes: [change] };
}
