// The verify probe on a host: one line appended to the newest file of each log, stamped by the host's `date` in
// the format the agent reads the log's timestamps with, so the agent parses it as it parses real lines.
import { quote } from '../core/shell-quote.js';
import { wholeScript } from './remote-script.js';

export interface ProbeLine {
  /** The log's path or glob: the line goes to its newest uncompressed match. */
  file: string;
  /** GNU `date` format and zone of the line's timestamp (the agent's own format, translated by the agent module). */
  stamp?: { dateFormat: string; utc: boolean };
  token: string;
}

/** The agent's own log, and an extended regular expression of its warning and error lines. */
export interface AgentLogLines {
  path: string;
  problems: string;
}

/**
 * Output: `@@probe IDX appended PATH_B64`, `@@probe IDX nofile`, or `@@probe IDX failed REASON_B64` (not
 * written: who controls the path and what they were refused, or why the tool would not act on it), and
 * `@@agenterr TEXT_B64` with the agent's last warning or error line. The glob is expanded from a variable:
 * pathname expansion only, never a command substitution, whatever the pattern holds. The line is appended
 * through path-guard.ts: as root only where root alone controls the file (a root-owned rotation link is
 * resolved first), else with the rights of the user who does, so that a link they planted leads root nowhere.
 */
export function probeLinesScript(runId: string, probes: ProbeLine[], agentLog: AgentLogLines): string {
  const lines = [
    `probe() {
  IFS='
'
  newest=$(ls -1td -- $2 2>/dev/null | grep -Ev '[.](gz|zip|bz2|tar|rar|zst)$' | head -n 1)
  unset IFS
  if [ -z "$newest" ]; then say "probe $1 nofile"; return 0; fi
  case "$3" in
    '') line=$5 ;;
    *) if [ "$4" = UTC ]; then line="$(date -u +"$3") $5"; else line="$(date +"$3") $5"; fi ;;
  esac
  who_controls "$newest"
  case $AS in
    refuse) say "probe $1 failed $(b64 "$WHY")"; return 0 ;;
    root)
      if [ "$WT" != file ]; then say "probe $1 nofile"; return 0; fi
      printf '%s\\n' "$line" >> "$REAL" && say "probe $1 appended $(b64 "$newest")" ;;
    *)
      if ! t=$(as_owner stat -L -c %f -- "$newest" 2>&1); then say "probe $1 failed $(b64 "as $WHO: $t")"; return 0; fi
      [ $(( 0x$t & 61440 )) = 32768 ] || { say "probe $1 nofile"; return 0; }
      if out=$(as_owner sh -c 'printf "%s\\n" "$1" >> "$2"' sh "$line" "$newest" 2>&1); then say "probe $1 appended $(b64 "$newest")"
      else say "probe $1 failed $(b64 "as $WHO: $out")"; fi ;;
  esac
}`,
  ];
  probes.forEach((p, index) => {
    const format = p.stamp?.dateFormat ?? '';
    lines.push(
      `probe ${index} ${quote(p.file)} ${quote(format)} ${quote(p.stamp?.utc ? 'UTC' : 'LOCAL')} ${quote(p.token)}`,
    );
  });
  lines.push(
    // The agent's last warning in its log's last 64 KiB (tail -c seeks: a log of any size costs the same).
    `err=$(tail -c 65536 ${quote(agentLog.path)} 2>/dev/null | grep -E ${quote(agentLog.problems)} | tail -n 1)`,
    `[ -n "$err" ] && say "agenterr $(b64 "$err")"`,
    'say ok',
  );
  return wholeScript(runId, lines.join('\n'));
}

export interface ProbeOutcome {
  appended: Map<number, string>;
  noFile: Set<number>;
  /** Sections whose line was not written, and why. */
  failed: Map<number, string>;
  agentError?: string;
}

export function parseProbeOutput(stdout: string): ProbeOutcome {
  const outcome: ProbeOutcome = { appended: new Map(), noFile: new Set(), failed: new Map() };
  for (const line of stdout.split('\n')) {
    const [tag, a, b, c] = line.split(' ');
    if (tag === '@@probe' && b === 'appended')
      outcome.appended.set(Number(a), Buffer.from(c ?? '', 'base64').toString());
    if (tag === '@@probe' && b === 'nofile') outcome.noFile.add(Number(a));
    if (tag === '@@probe' && b === 'failed') outcome.failed.set(Number(a), Buffer.from(c ?? '', 'base64').toString());
    if (tag === '@@agenterr') outcome.agentError = Buffer.from(a ?? '', 'base64').toString();
  }
  return outcome;
}
