// What the 2020 CloudWatch Logs service remembered and today's service (and moto) no longer checks: which
// batch was accepted with a stream's sequence token. The agent relied on it after a restart: it re-sent
// the replayed batch with the saved token, and the service answered DataAlreadyAcceptedException when
// that exact batch had been accepted, or InvalidSequenceTokenException when the batch differed (e.g. after
// an operator repaired push_state), after which the agent sent it with the expected token.
// The lab agent keeps, per source id, a digest of the last accepted batch, in a file beside the state file
// (`<state_file>-lab-accepted`, JSON), so that it can give those answers itself. The state file keeps
// exactly the agent's two tables; deleting it alone still "forgets" everything, as no push_state row means
// no replay and the ledger is only asked about replays.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { InputEvent } from './client.js';

export class AcceptedLedger {
  private entries: Record<string, string> | undefined;

  constructor(readonly path: string) {}

  static besideStateFile(stateFile: string): AcceptedLedger {
    return new AcceptedLedger(`${stateFile}-lab-accepted`);
  }

  get(sourceId: string): string | undefined {
    return this.load()[sourceId];
  }

  set(sourceId: string, digest: string): void {
    const entries = this.load();
    entries[sourceId] = digest;
    try {
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, JSON.stringify(entries) + '\n');
      renameSync(tmp, this.path);
    } catch {
      // Without the ledger, a replayed batch is sent again (as the agent does against today's service).
    }
  }

  private load(): Record<string, string> {
    if (this.entries) return this.entries;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      this.entries = parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch {
      this.entries = {};
    }
    return this.entries;
  }
}

/** Digest of a PutLogEvents payload (events in the order sent). */
export function batchDigest(events: InputEvent[]): string {
  const h = createHash('md5');
  for (const e of events) h.update(`${e.timestamp}\u0000${e.message}\u0001`);
  return h.digest('hex');
}
