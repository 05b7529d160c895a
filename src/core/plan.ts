// The planner: desired state + host facts → the changes an apply will make, in order. Pure, as changesets'.

import { commandOperation } from '../operations/command.js';
import { fileOperation } from '../operations/file.js';
import { packageOperation } from '../operations/package.js';
import { serviceOperation } from '../operations/service.js';
import type { Change, DesiredState, HostFacts, StepOutcome } from './types.js';

export interface PlanResult {
  /** In apply order: package, files (in desired order), commands, service. */
  changes: Change[];
  /** Why each step that needs nothing needs nothing. */
  noops: string[];
  /** What the tool will not do on this host; any refusal fails the host, and runs must apply nothing then. */
  refusals: string[];
}

/**
 * Plans one host. Package first (installing it can replace config files, so files are written after it),
 * then the files, then the commands that install them where the agent reads them, then the service, whose
 * restart is notified by a content change of a file that notifies, or by the package install, when the service
 * was running; a command that restarts the service itself stands for that restart.
 */
export function plan(desired: DesiredState, facts: HostFacts): PlanResult {
  const result: PlanResult = { changes: [], noops: [], refusals: [] };
  if (facts.os.flavour === 'unknown') {
    result.refusals.push(`unsupported OS ${facts.os.id} ${facts.os.version}`);
    return result;
  }
  const take = (outcome: StepOutcome): Change[] => {
    result.changes.push(...outcome.changes);
    if ('noop' in outcome) result.noops.push(outcome.noop);
    result.refusals.push(...(outcome.refusals ?? []));
    return outcome.changes;
  };

  const notifiedBy: string[] = [];
  const changedFiles: string[] = [];
  for (const c of take(packageOperation(desired.package, facts)))
    if (c.kind === 'package') notifiedBy.push(`${c.name} installed`);
  for (const file of desired.files)
    for (const c of take(fileOperation(file, facts))) {
      if (c.kind !== 'file') continue;
      if (c.action === 'create' || c.action === 'update') changedFiles.push(c.path);
      if (c.notifies) notifiedBy.push(c.path);
    }
  let restartedBy: string | undefined;
  for (const command of desired.commands ?? [])
    for (const c of take(commandOperation(command, facts, changedFiles)))
      if (c.kind === 'command' && c.restartsService) restartedBy ??= c.name;
  take(serviceOperation(desired.service, facts, { notifiedBy, ...(restartedBy ? { restartedBy } : {}) }));
  return result;
}

/** `changed` when anything is to change, `failed` when anything was refused, else `ok`. */
export function hostStatusOf(result: PlanResult): 'ok' | 'changed' | 'failed' {
  if (result.refusals.length > 0) return 'failed';
  return result.changes.length > 0 ? 'changed' : 'ok';
}

/** A change as the run's report shows it (DESIGN.md `--json`): no desired content, only the masked diff. */
export function changeReport(change: Change): {
  kind: Change['kind'];
  path?: string;
  summary: string;
  diff?: string;
  command?: string;
} {
  if (change.kind === 'file')
    return { kind: change.kind, path: change.path, summary: change.summary, diff: change.diff || undefined };
  if (change.kind === 'command')
    return { kind: change.kind, summary: change.summary, command: change.command, diff: change.diff || undefined };
  return { kind: change.kind, summary: change.summary, command: change.command };
}
