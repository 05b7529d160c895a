// The shell halves of a restart under the agent's restart discipline (../restart.ts), on the
// prelude every host script shares. Pure text generation, and the parser of what the first half prints.
//   First half (ends an operation's own script, under its host lock): stop the agent, print its state file
//   and the end of each log's newest file, then hand the lock and the stopped agent to a watchdog: should the
//   second half never come (the tool died), the watchdog starts the agent again after a while (its state
//   as it was: the last batch may be sent twice, nothing is lost) and frees the lock.
//   Second half: take the lock back from the watchdog, write the state the tool decided on (only if the
//   file is still the one read), start the agent and watch it for two seconds; an agent that does not stay
//   up is undone by the operation's own undo.
// Records: `@@state absent|journal|toolarge N|MODE OWNER GROUP SHA256`, `@@statedata BASE64`,
// `@@rlog I none|PATH_B64 SIZE OFFSET`, `@@rhead I BASE64`, `@@rtail I BASE64`, `@@rrange I BASE64`,
// `@@handoff SECONDS`, `@@conf BASE64`.
import { quote } from '../../../core/shell-quote.js';
import { healthCheck } from '../../../operations/apply-script.js';
import { wholeScript, writeFileLines } from '../../../operations/remote-script.js';
import type { ServiceControl } from '../../../operations/service.js';

/** The state file is read whole up to this size; a larger one is reported, not read. */
export const STATE_READ_MAX = 8 * 1024 * 1024;
/** Bytes of each log's end read after the stop: the last batch is usually there. */
export const LOG_WINDOW_BYTES = 64 * 1024;
/** Bytes of a file's start read for its fingerprint lines. */
const HEAD_BYTES = 8 * 1024;
/** Seconds the watchdog waits for the second half before it starts the agent again itself. */
export const HANDOFF_SECONDS = 180;

export interface LogToRead {
  /** The section's `file`: a path or a glob. */
  pattern: string;
  /** The last fingerprint line. */
  fingerprintEnd: number;
}

/** Where the first half leaves its mark (`restart-RUN`): whoever renames it first, watchdog or second half, owns the restart. */
export const MARK_DIR = '/var/lib/awslogs-provision';

const READ_FUNCTIONS = `read_state() {
  if [ -L "$1" ]; then say "state link"; return; fi
  if [ ! -e "$1" ]; then say "state absent"; return; fi
  [ -e "$1-journal" ] && say "state journal"
  set -- "$1" "$2" $(stat -c '%a %U %G %s' -- "$1")
  if [ "$6" -gt "$2" ]; then say "state toolarge $6"; return; fi
  say "state $3 $4 $5 $(sha "$1")"
  printf '@@statedata '; head -c "$2" -- "$1" | base64 -w0; echo
}
# guard_state PATH: before the agent is stopped, the state file the restart will write is a regular file (or
# absent) under folders root alone controls (path-guard.ts): the write that follows cannot be carried elsewhere.
guard_state() {
  root_dirs "$1"
  [ -L "$1" ] && fail state "refused: the state file $1 is a symlink; the tool does not write through links"
  [ -e "$1" ] && [ ! -f "$1" ] && fail state "refused: the state file $1 is not a regular file"
  return 0
}
# read_log I PATTERN FINGERPRINT_END: the newest regular match (by mtime, archives ignored, as the agent
# picks it), its size, its first lines and its last ${LOG_WINDOW_BYTES} bytes (exactly from OFFSET).
read_log() {
  IFS='
'
  rl_list=$(ls -1td -- $2 2>/dev/null | head -n 20)
  set -f
  rl_f=''
  for rl_m in $rl_list; do
    case "$rl_m" in *.tar|*.gz|*.zip|*.bz2|*.rar) continue ;; esac
    if [ -f "$rl_m" ] && [ -r "$rl_m" ]; then rl_f=$rl_m; break; fi
  done
  set +f
  unset IFS
  if [ -z "$rl_f" ]; then echo "@@rlog $1 none"; return; fi
  # Read with the rights of whoever controls the file (path-guard.ts): never root's through another user's link.
  who_controls "$rl_f"
  if [ "$AS" = refuse ] || [ "$WT" != file ]; then echo "@@rlog $1 none"; return; fi
  rl_size=$WS
  rl_off=0; [ "$rl_size" -gt ${LOG_WINDOW_BYTES} ] && rl_off=$((rl_size - ${LOG_WINDOW_BYTES}))
  echo "@@rlog $1 $(b64 "$rl_f") $rl_size $rl_off"
  echo "@@rhead $1 $(as_owner head -c ${HEAD_BYTES} -- "$REAL" | head -n "$3" | base64 -w0)"
  echo "@@rtail $1 $(as_owner tail -c +$((rl_off + 1)) -- "$REAL" | head -c $((rl_size - rl_off)) | base64 -w0)"
}`;

export interface StopAndReadInput {
  agent: ServiceControl;
  statePath: string;
  logs: LogToRead[];
  /** Also print this file (the awslogs.conf the restart will use, when the first half put it there). */
  confPath?: string;
  handOffSeconds?: number;
}

/** Lines that stop the agent, print what the decision needs, and hand the lock to the watchdog. */
export function stopAndReadLines(input: StopAndReadInput): string {
  const secs = input.handOffSeconds ?? HANDOFF_SECONDS;
  return `${READ_FUNCTIONS}
guard_state ${quote(input.statePath)}
out=$(bounded ${input.agent.stop} 2>&1) || fail "service stop" "$(timed_out $? "$out")"
say "done service stop"
read_state ${quote(input.statePath)} ${STATE_READ_MAX}
${input.logs.map((l, i) => `read_log ${i} ${quote(l.pattern)} ${Math.max(1, Math.floor(l.fingerprintEnd))}`).join('\n')}
${input.confPath ? `[ -f ${quote(input.confPath)} ] && { printf '@@conf '; base64 -w0 < ${quote(input.confPath)}; echo; }` : ''}
${handOffLines({ seconds: secs, putBack: `${input.agent.reset} >/dev/null 2>&1; ${input.agent.start}` })}`;
}

export interface HandOff {
  /** The mark's name (`<mark>-RUN`), also the step a failure to write it fails. */
  mark?: string;
  seconds: number;
  /** Shell run by the watchdog when no second half came ("$RUN" is the run id there); its output is dropped. */
  putBack: string;
  /** Leave `<mark>-RUN.fired` once the watchdog fired, for the run's later scripts to see. */
  keepFiredMark?: boolean;
}

/**
 * Lines that hand the host lock to a watchdog: should no second half take it back (adoptLines) within `seconds`,
 * the watchdog runs `putBack` and frees the lock. Whoever renames the mark first, watchdog or second half, owns
 * what follows.
 */
export function handOffLines(h: HandOff): string {
  const mark = h.mark ?? 'restart';
  const fired = h.keepFiredMark ? '' : 'rm -f "$2.fired"; ';
  return `M=${MARK_DIR}/${mark}-"$RUN"
: > "$M" || fail ${mark} "cannot write $M"
W=; command -v setsid >/dev/null 2>&1 && W=setsid
$W sh -c 'sleep "$1"; if mv "$2" "$2.fired" 2>/dev/null; then ${fired}RUN=$4; eval "$5" >/dev/null 2>&1; if [ "$(cat "$3/pid" 2>/dev/null)" = "$$" ] && [ "$(cat "$3/run" 2>/dev/null)" = "$4" ]; then rm -rf "$3"; fi; fi' awslogs-provision-watchdog ${h.seconds} "$M" "$L" "$RUN" ${quote(h.putBack)} </dev/null >/dev/null 2>&1 &
printf '%s\\n' "$!" > "$L/pid" || fail lock "cannot hand the lock over"
LOCKED=0
say "handoff ${h.seconds}"`;
}

export interface TakeBack {
  /** The hand-off's mark (HandOff.mark). */
  mark: string;
  /** The step and message a second half that came too late (the watchdog fired) fails with. */
  step: string;
  late: string;
}

const RESTART_TAKE_BACK: TakeBack = {
  mark: 'restart',
  step: 'restart',
  late: 'the agent was already started again by the watchdog (the second half of the restart came too late): nothing was written; the last batch of each stream may be sent twice',
};

/** The second half's first lines: the lock back from the watchdog (the first half must have handed it). */
export function adoptLines(t: TakeBack = RESTART_TAKE_BACK): string {
  return `M=${MARK_DIR}/${t.mark}-"$RUN"
mv "$M" "$M.taken" 2>/dev/null || fail ${quote(t.step)} ${quote(t.late)}
rm -f "$M.taken"
[ "$(cat "$L/run" 2>/dev/null)" = "$RUN" ] || fail lock "the host lock of this run is gone"
w=$(cat "$L/pid" 2>/dev/null)
printf '%s\\n' "$$" > "$L/pid" || fail lock "cannot take the lock back"
LOCKED=1
[ -n "$w" ] && kill "$w" 2>/dev/null
say "done adopt"`;
}

export interface StateWrite {
  path: string;
  /** The file must still be this one (as the first half read it); else nothing is written. */
  expectedSha256: string;
  /** New bytes, or `remove` (the file and its journal go). */
  content: Buffer | 'remove';
  mode: number;
  owner: string;
  group: string;
  /** Keep the file as it was as before-image IDX of this run (rollback restores it); else a plain copy is kept. */
  backupIndex?: number;
}

export interface FinishRestartInput {
  runId: string;
  agent: ServiceControl;
  agentLogPath: string;
  state?: StateWrite;
  /** What undoes the operation when the agent does not stay up (before `say rolledback`). */
  undo: string[];
  /** Said in `@@msg` when the agent does not stay up. */
  unhealthy: string;
  stepTimeoutS?: number;
}

/** Every before-image of this run put back (the first half kept them in "$B"). */
export const RESTORE_RUN_BACKUPS = `for meta in "$B"/*.path; do [ -e "$meta" ] || continue; restore_from "$B" "$(basename "$meta" .path)"; done`;

/** The second half: take the lock back, write the decided state, start the agent, watch it. */
export function finishRestartScript(input: FinishRestartInput): string {
  const st = input.state;
  const start = input.agent.start;
  const s = st ? quote(st.path) : '';
  const write = !st
    ? ''
    : `guard_state ${s}
[ "$(sha ${s})" = ${quote(st.expectedSha256)} ] || { bounded ${start} >/dev/null 2>&1; fail state "the state file changed after it was read; nothing was written"; }
ensure_backup_dir
${st.backupIndex !== undefined ? `backup ${st.backupIndex} ${s}` : `[ -e ${s} ] && cp -p ${s} "$B/agent-state.before-restart"`}
before=$(sha ${s})
${
  st.content === 'remove'
    ? `rm -f ${s} ${quote(`${st.path}-journal`)} || fail state "cannot remove the state file"`
    : writeFileLines(st.path, st.content, st.mode, st.owner, st.group)
}
${st.backupIndex !== undefined ? `say "file $(b64 ${s}) $before $(sha ${s})"` : 'say "done state"'}`;
  return wholeScript(
    input.runId,
    `${adoptLines()}
${write}
${input.agent.reset} >/dev/null 2>&1
out=$(bounded ${start} 2>&1) || { ${[...input.undo, `bounded ${start} >/dev/null 2>&1`].join('; ')}; say undone; fail "service start" "$(timed_out $? "$out")"; }
say "done service start"
${healthCheck(input.agent, input.agentLogPath, [`say ${quote(`msg ${input.unhealthy}`)}`, ...input.undo, `bounded ${start} >/dev/null 2>&1`, 'say rolledback'])}
prune_backups
say ok`,
    input.stepTimeoutS,
  );
}

export interface StoppedHost {
  /** The agent was stopped (`@@done service stop`). */
  stopped: boolean;
  /** The lock and the stopped agent went to the watchdog: a second half must follow. */
  handedOff: boolean;
  state:
    | { kind: 'absent' }
    | { kind: 'unreadable'; why: string }
    | { kind: 'read'; bytes: Buffer; mode: number; owner: string; group: string; sha256: string; journal: boolean };
  logs: ({ path: string; size: number; head: Buffer; window: { offset: number; bytes: Buffer } } | undefined)[];
  conf?: string;
  /** `@@rrange` answers of a range read, by index. */
  ranges: Map<number, Buffer>;
}

export function parseStopped(stdout: string, logCount: number): StoppedHost {
  const out: StoppedHost = {
    stopped: false,
    handedOff: false,
    state: { kind: 'unreadable', why: 'the first half printed no state' },
    logs: Array.from({ length: logCount }, () => undefined),
    ranges: new Map(),
  };
  let meta: { mode: number; owner: string; group: string; sha256: string } | undefined;
  let journal = false;
  let data: Buffer | undefined;
  const heads = new Map<number, Buffer>();
  const tails = new Map<number, Buffer>();
  const files = new Map<number, { path: string; size: number; offset: number }>();
  for (const line of stdout.split('\n')) {
    const m = /^@@(\S+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const [, tag, rest = ''] = m;
    const parts = rest.split(' ');
    const index = Number(parts[0]);
    const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64');
    if (tag === 'done' && rest === 'service stop') out.stopped = true;
    else if (tag === 'handoff') out.handedOff = true;
    else if (tag === 'state') {
      if (rest === 'absent') out.state = { kind: 'absent' };
      else if (rest === 'journal') journal = true;
      else if (rest === 'link') out.state = { kind: 'unreadable', why: 'the state file is a symlink' };
      else if (parts[0] === 'toolarge') out.state = { kind: 'unreadable', why: `the state file is ${parts[1]} bytes` };
      else if (parts.length === 4 && /^[0-7]+$/.test(parts[0]!))
        meta = { mode: parseInt(parts[0]!, 8), owner: parts[1]!, group: parts[2]!, sha256: parts[3]! };
    } else if (tag === 'statedata') data = b64(rest);
    else if (tag === 'rlog' && Number.isInteger(index) && parts[1] !== 'none' && parts.length === 4)
      files.set(index, { path: b64(parts[1]).toString('utf8'), size: Number(parts[2]), offset: Number(parts[3]) });
    else if (tag === 'rhead' && Number.isInteger(index)) heads.set(index, b64(parts[1]));
    else if (tag === 'rtail' && Number.isInteger(index)) tails.set(index, b64(parts[1]));
    else if (tag === 'rrange' && Number.isInteger(index)) out.ranges.set(index, b64(parts[1]));
    else if (tag === 'conf') out.conf = b64(rest).toString('utf8');
  }
  if (meta && data) out.state = { kind: 'read', bytes: data, ...meta, journal };
  for (const [i, f] of files) {
    if (i < 0 || i >= logCount) continue;
    out.logs[i] = {
      path: f.path,
      size: f.size,
      head: heads.get(i) ?? Buffer.alloc(0),
      window: { offset: f.offset, bytes: tails.get(i) ?? Buffer.alloc(0) },
    };
  }
  return out;
}

/** A script that reads more logs' ends (read_log) after the first half, e.g. of a restored awslogs.conf. */
export function readLogsScript(runId: string, logs: LogToRead[]): string {
  return wholeScript(
    runId,
    `${READ_FUNCTIONS}
${logs.map((l, i) => `read_log ${i} ${quote(l.pattern)} ${Math.max(1, Math.floor(l.fingerprintEnd))}`).join('\n')}
say ok`,
  );
}

/** A script that prints byte ranges of files (`@@rrange I BASE64`), for a last batch beyond the window. */
export function readRangesScript(runId: string, ranges: { path: string; from: number; to: number }[]): string {
  const lines = ranges.map(
    (r, i) =>
      // Read with the rights of whoever controls the file (path-guard.ts), as read_log does.
      `who_controls ${quote(r.path)}
if [ "$AS" != refuse ] && [ "$WT" = file ]; then echo "@@rrange ${i} $(as_owner tail -c +${Math.floor(r.from) + 1} -- "$REAL" 2>/dev/null | head -c ${Math.max(0, Math.floor(r.to - r.from))} | base64 -w0)"; else echo "@@rrange ${i} "; fi`,
  );
  return wholeScript(runId, `${lines.join('\n')}\nsay ok`);
}
