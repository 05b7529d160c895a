// The journal entry of a run that rewrote the agent's state on one host (repair, reset): what its script
// reported writing, and the agent as it was (running; the tool's own install).
import { journalLine, type JournalHost } from '../journal/journal.js';
import type { ApplyOutcome } from '../operations/apply-script.js';
import type { ChangeReport } from '../core/report.js';
import type { HostFacts } from '../core/types.js';

export function stateRunJournal(
  name: string,
  changes: ChangeReport[],
  outcome: ApplyOutcome,
  facts: HostFacts,
): JournalHost {
  return {
    name,
    status: 'changed',
    changes: changes.map(journalLine),
    files: outcome.undone ? [] : outcome.files,
    agentWasActive: true,
    agentWasEnabled: facts.service.enabled,
    packageInstalled: true,
  };
}
