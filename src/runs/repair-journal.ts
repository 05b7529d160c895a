// The journal entry of a run that rewrote the agent's state on one host (repair, reset): what its script
// reported writing, and the agent as it was (running; the tool's own install).
import { journalLine, type JournalHost } from '../journal/journal.js';
import type { ApplyOutcome } from '../operations/apply-script.js';
import type { ChangeReport } from '../ui/report.js';
import type { Diagnosis } from './doctor.js';

export function stateRunJournal(
  name: string,
  changes: ChangeReport[],
  outcome: ApplyOutcome,
  diagnosis: Diagnosis,
): JournalHost {
  return {
    name,
    status: 'changed',
    changes: changes.map(journalLine),
    files: outcome.undone ? [] : outcome.files,
    agentWasActive: true,
    agentWasEnabled: diagnosis.facts.service.enabled,
    packageInstalled: true,
  };
}
