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
  /** The agent ran before the run being rolled back: it must run afterwards; else it is stopped (undefined: not known). */
  agentWasActive?: boolean;
  /** The agent was enabled at boot before that run (undefined: not known, left as it is). */
  agentWasEnabled?: boolean;
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

/**
 * Output, besides apply's records: `@@restored PATH_B64 MODE OWNER GROUP | MODE OWNER GROUP` for every file put
 * back: as it now is on the host, and as it was before the rollback (`absent` for either); `@@done service
 * restart|start|stop|disable`.
 */
export function restoreScript(input: RestoreScriptInput): string {
  assertRunId(input.fromRunId);
  const old = quote(`${BACKUP_ROOT}/${input.fromRunId}`);
  const a = input.agent;
  const step = (action: string, command: string) =>
    `out=$(bounded ${command} 2>&1) || fail "service ${action}" "$(timed_out $? "$out")"
  say "done service ${action}"`;
  // The service as it was before that run: running (restarted, since it reads the restored files) or stopped;
  // not enabled at boot again if it was not then (the rollback of a first install).
  const health = healthCheck(a, input.agentLogPath, ['say "msg the agent did not stay up after the rollback"']);
  const service =
    input.agentWasActive === true
      ? `if ${a.status} >/dev/null 2>&1; then
  ${step('restart', a.restart)}
else
  ${step('start', a.start)}
fi
${health}`
      : input.agentWasActive === false
        ? `if ${a.status} >/dev/null 2>&1; then
  ${step('stop', a.stop)}
fi`
        : // A journal that does not say (an older one): a running agent is restarted, nothing more.
          `if ${a.status} >/dev/null 2>&1; then
  ${step('restart', a.restart)}
${health}
fi`;
  const enabled =
    input.agentWasEnabled === false
      ? `if ${a.isEnabled} >/dev/null 2>&1; then
  ${step('disable', a.disable)}
fi`
      : '';
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
  if [ -e "$p" ]; then now=$(stat -c '%a %U %G' "$p"); else now=absent; fi
  say "restored $(b64 "$p") $now | $(cat "$B/$i.meta")"
done
${a.reset} >/dev/null 2>&1
${enabled}
prune_backups
${
  input.restartAs !== undefined
    ? // The restart discipline's first half stops the agent and hands it to the second half, which starts it.
      `${input.restartAs}
say ok`
    : `${service}
say ok`
}`;
  return wholeScript(input.runId, body, input.stepTimeoutS);
}

/** A file as the rollback left it, and as it found it. */
export interface RestoredFile {
  path: string;
  now: FileMeta | 'absent';
  was: FileMeta | 'absent';
}

export interface FileMeta {
  mode: number;
  owner: string;
  group: string;
}

function meta(text: string): FileMeta | 'absent' | undefined {
  const [mode, owner, group] = text.trim().split(' ');
  if (text.trim() === 'absent') return 'absent';
  if (!mode || !/^[0-7]{1,4}$/.test(mode) || !owner || !group) return undefined;
  return { mode: parseInt(mode, 8), owner, group };
}

export function parseRestored(stdout: string): RestoredFile[] {
  const files: RestoredFile[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('@@restored ')) continue;
    const rest = line.slice('@@restored '.length);
    const space = rest.indexOf(' ');
    const [nowText = '', wasText = ''] = rest.slice(space + 1).split(' | ');
    const now = meta(nowText);
    const was = meta(wasText);
    if (space < 0 || !now || !was) continue;
    files.push({ path: Buffer.from(rest.slice(0, space), 'base64').toString('utf8'), now, was });
  }
  return files;
}
