// Rollback on the host: put back the before-images an earlier run kept, keeping the current files as
// this run's own before-images so that a rollback can itself be rolled back.
import { quote } from '../core/shell-quote.js';
import { assertRunId, BACKUP_ROOT, wholeScript } from './remote-script.js';
import { healthCheck } from './apply-script.js';
import type { ServiceControl } from './service.js';

export interface RestoreScriptInput {
  runId: string;
  fromRunId: string;
  agent: ServiceControl;
  /** The agent ran before the run being rolled back: it must run afterwards. */
  agentWasActive: boolean;
  agentLogPath: string;
  /** The run's outcome on this host is unknown: no backups means it changed nothing here (not an error). */
  missingOk?: boolean;
  /** Each service step ends itself on the host after this long (default 300 s). */
  stepTimeoutS?: number;
  /**
   * The restart discipline's first half (restart-script.ts stopAndReadLines): run instead of the agent's
   * restart or start, which the second half then finishes.
   */
  restartAs?: string;
}

export function restoreScript(input: RestoreScriptInput): string {
  assertRunId(input.fromRunId);
  const old = quote(`${BACKUP_ROOT}/${input.fromRunId}`);
  // The lock first: a run still going on this host (e.g. one whose connection was lost) must finish
  // before its backups are judged.
  const body = `OLD=${old}
take_lock
${
  input.missingOk
    ? `[ -d "$OLD" ] || { say "msg run ${input.fromRunId} left no backups here: it changed nothing"; say ok; exit 0; }
`
    : ''
}[ -d "$OLD" ] || fail restore "no backups of run ${input.fromRunId} on this host (pruned, or the run changed nothing here)"
ensure_backup_dir
for meta in "$OLD"/*.path; do
  [ -e "$meta" ] || continue
  i=$(basename "$meta" .path)
  p=$(cat "$meta")
  backup "$i" "$p"
  before=$(sha "$p")
  restore_from "$OLD" "$i"
  say "file $(b64 "$p") $before $(sha "$p")"
done
${
  input.restartAs !== undefined
    ? `${input.restartAs}
say ok`
    : `${input.agent.reset} >/dev/null 2>&1
if ${input.agent.status} >/dev/null 2>&1; then
  out=$(bounded ${input.agent.restart} 2>&1) || fail "service restart" "$(timed_out $? "$out")"
  say "done service restart"
elif ${input.agentWasActive ? 'true' : 'false'}; then
  out=$(bounded ${input.agent.start} 2>&1) || fail "service start" "$(timed_out $? "$out")"
  say "done service start"
fi
if ${input.agent.status} >/dev/null 2>&1 || ${input.agentWasActive ? 'true' : 'false'}; then
${healthCheck(input.agent, input.agentLogPath, ['say "msg the agent did not stay up after the rollback"'])}
fi
prune_backups
say ok`
}`;
  return wholeScript(input.runId, body, input.stepTimeoutS);
}
