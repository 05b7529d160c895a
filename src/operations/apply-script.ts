// A host's whole change set as one script: backup → install → write → service → health check,
// undone on the spot when any step fails or the agent does not stay up.
import type { Change } from '../core/types.js';
import { quote } from '../core/shell-quote.js';
import { wholeScript, writeFileLines } from './remote-script.js';
import type { ServiceControl } from './service.js';

export interface ApplyScriptInput {
  runId: string;
  changes: Change[];
  agent: ServiceControl;
  /** Each package or service step ends itself on the host after this long (default 300 s). */
  stepTimeoutS?: number;
  /** Whether the agent ran before this run: decides what an undo leaves behind. */
  agentWasActive: boolean;
  agentLogPath: string;
  /**
   * The restart discipline's first half (restart-script.ts stopAndReadLines): run instead of the agent's
   * restart, which the second half then finishes (start, health check, undo). No health check here.
   */
  restartAs?: string;
  /** Lines that take the host lock instead of `take_lock` (a cut-over: back from the seeding's watchdog). */
  takeLock?: string;
}

/** How long the agent must stay up after a (re)start to count as healthy. */
const HEALTH_CHECKS = 8;
const HEALTH_INTERVAL_S = 0.25;
/** Seconds the health check waits, past its two, for an agent still loading its config. */
const READY_WAIT_S = 15;

/**
 * Polls the agent for two seconds; on the first miss prints its log, runs `onFailure` and exits 1. With the
 * agent's main PID (systemd), the polls in between only ask the kernel whether that process still lives
 * (`kill -0`, a shell builtin) and the init system is asked at the end and whenever the process is gone: eight
 * `systemctl` calls per host cost systemd more than the whole rest of a no-restart run.
 */
export function healthCheck(agent: ServiceControl, agentLogPath: string, onFailure: string[]): string {
  const { status, mainPid } = agent;
  const pid = mainPid ? `pid=$(${mainPid} 2>/dev/null); pid=\${pid#*=}` : 'pid=';
  return `${pid}
n=0
while [ $n -lt ${HEALTH_CHECKS} ]; do
  sleep ${HEALTH_INTERVAL_S}
  n=$((n+1))
  if [ $n -lt ${HEALTH_CHECKS} ] && [ "\${pid:-0}" -gt 0 ] 2>/dev/null && kill -0 "$pid" 2>/dev/null; then continue; fi
  if ! ${status} >/dev/null 2>&1; then
    say "fail health"
    tail -c 65536 ${quote(agentLogPath)} 2>/dev/null | tail -n 20 | sed 's/^/@@agentlog /'
    ${onFailure.join('\n    ')}
    exit 1
  fi
  ${mainPid ? `if [ $n -lt ${HEALTH_CHECKS} ]; then pid=$(${mainPid} 2>/dev/null); pid=\${pid#*=}; fi` : ':'}
done${
    agent.ready === undefined
      ? ''
      : `
# Up for two seconds, but has it loaded its config yet? On a busy host it may not have: wait (at most
# ${READY_WAIT_S} s) until it says so, failing as above if it exits meanwhile.
w=0
while [ $w -lt ${READY_WAIT_S * 4} ] && ! { ${agent.ready}; } >/dev/null 2>&1; do
  sleep 0.25
  w=$((w+1))
  if { [ "\${pid:-0}" -gt 0 ] 2>/dev/null && kill -0 "$pid" 2>/dev/null; } || ${status} >/dev/null 2>&1; then continue; fi
  say "fail health"
  tail -c 65536 ${quote(agentLogPath)} 2>/dev/null | tail -n 20 | sed 's/^/@@agentlog /'
  ${onFailure.join('\n  ')}
  exit 1
done`
  }`;
}

export function applyScript(input: ApplyScriptInput): string {
  const lines: string[] = [];
  const files = input.changes.filter((c) => c.kind === 'file');
  const commands = input.changes.filter((c) => c.kind === 'command');
  const undoAgent = input.agentWasActive ? input.agent.restart : input.agent.stop;
  // An undo also takes back an enable this run made (the agent was not enabled at boot before it).
  const enables = input.changes.some((c) => c.kind === 'service' && c.action === 'enable');
  const undoEnable = enables ? `\n  bounded ${input.agent.disable} >/dev/null 2>&1` : '';
  // WRITTEN: the files this run may have changed, the package install's included; an undo puts back the
  // before-image of each that differs from it. READS: those the agent reads (files that notify it, and what a
  // command installed once it succeeded): putting one back makes the undo restart the agent (or stop it, when
  // it did not run before). A failed run's backups are pruned as any other run's.
  const reads = files.flatMap((c, i) => (c.desired.notifies ? [i] : []));
  lines.push(`WRITTEN=""
READS=" ${reads.join(' ')} "
undo_written() {
  [ -n "$WRITTEN" ] || return 0
  w=$WRITTEN; WRITTEN=""; undid=0; reread=0
  for i in $w; do
    if restore_changed "$B" "$i"; then undid=1; case $READS in *" $i "*) reread=1 ;; esac; fi
  done
  [ $undid = 1 ] || return 0
  if [ $reread = 1 ]; then
    ${input.agent.reset} >/dev/null 2>&1
    bounded ${undoAgent} >/dev/null 2>&1${undoEnable}
  fi
  say undone
}
on_abort() { undo_written; prune_backups; }
fail() { step=$1; shift; say "fail $step"; printf '%s\\n' "$*" | tail -n 20 | sed 's/^/@@msg /'; undo_written; prune_backups; exit 1; }
${input.takeLock ?? 'take_lock'}`);
  // Under the host lock, before any step: each file is still what the plan was made from (another run or a
  // hand edit may have come between the facts and now); the package step may create them, so not after it.
  for (const change of files) {
    if (!change.expectedSha256) continue;
    const path = change.desired.path;
    lines.push(`unchanged ${quote(path)} ${quote(change.expectedSha256)}`);
  }
  // Every before-image first, then the package: installing it may replace a managed file (rpm moves a changed
  // %config file aside as .rpmorig), and the before-image must be the operator's file, not the package's.
  if (files.length > 0 || commands.length > 0) lines.push('ensure_backup_dir');
  files.forEach((change, index) => {
    const p = quote(change.desired.path);
    lines.push(`backup ${index} ${p}`, `before${index}=$(sha ${p})`);
  });
  // What each command may write or remove, kept the same way (its indices c<k>_<n>, in CMD<k>).
  commands.forEach((change, k) => lines.push(commandBackupLines(change, k)));
  const packages = input.changes.filter((c) => c.kind === 'package');
  if (packages.length > 0 && files.length > 0) lines.push(`WRITTEN="${files.map((_, i) => i).join(' ')}"`);
  for (const change of packages) {
    lines.push(`out=$(bounded ${change.command} 2>&1) || fail package "$(timed_out $? "$out")"`, `say "done package"`);
  }
  files.forEach((change, index) => {
    const f = change.desired;
    const p = quote(f.path);
    lines.push(
      // Checked at the backup; the package install comes between (install_file checks the folders again).
      `[ -L ${p} ] && fail ${quote(`file ${f.path}`)} "refused: the package install left a symlink at this path"`,
      writeFileLines(f.path, f.content, f.mode, f.owner, f.group),
      `case " $WRITTEN " in *" ${index} "*) ;; *) WRITTEN="$WRITTEN ${index}" ;; esac`,
      `say "file ${Buffer.from(f.path, 'utf8').toString('base64')} $before${index} $(sha ${p})"`,
    );
  });
  commands.forEach((change, k) => {
    // Its output is the agent's own verdict: a refusal fails the host with it, and the undo puts back the files.
    lines.push(
      `WRITTEN="$WRITTEN $CMD${k}"`,
      `out=$(bounded ${change.command} 2>&1) || fail ${quote(`command ${change.name}`)} "$(timed_out $? "$out")"`,
      `READS="$READS$CMD${k} "`,
      `say ${quote(`done command ${change.name}`)}`,
      `for i in $CMD${k}; do p=$(cat "$B/$i.path"); if [ "$(cat "$B/$i.meta")" = absent ]; then was=absent; else was=$(sha "$B/$i.content"); fi; [ "$was" = "$(sha "$p")" ] || say "file $(b64 "$p") $was $(sha "$p")"; done`,
    );
  });
  const service = input.changes.filter((c) => c.kind === 'service');
  for (const change of service) {
    if (change.action === 'restart' && input.restartAs !== undefined) {
      // After the hand-over nothing is undone here: the second half owns the files and the agent.
      lines.push(input.restartAs, 'WRITTEN=""');
      continue;
    }
    lines.push(
      `out=$(bounded ${change.command} 2>&1) || fail "service ${change.action}" "$(timed_out $? "$out")"`,
      `say "done service ${change.action}"`,
    );
  }
  const started =
    service.some((c) => c.action === 'start' || (c.action === 'restart' && input.restartAs === undefined)) ||
    commands.some((c) => c.restartsService);
  if (started) {
    lines.push(
      healthCheck(input.agent, input.agentLogPath, [
        'say "msg the agent did not stay up after its configuration changed; rolled back"',
        'undo_written',
        'say rolledback',
      ]),
    );
  }
  if ((files.length > 0 || commands.length > 0) && input.restartAs === undefined) lines.push('prune_backups');
  lines.push('say ok');
  return wholeScript(input.runId, lines.join('\n'), input.stepTimeoutS);
}

/**
 * The before-images of what command `k` may write: each named path (absent ones too, so that an undo removes what
 * the command made) and every regular file in its folders; their indices go to CMD<k>.
 */
function commandBackupLines(change: Extract<Change, { kind: 'command' }>, k: number): string {
  const named = change.writes.map((p, n) => `backup c${k}_${n} ${quote(p)}`);
  const skip = change.writes.map(quote).join('|');
  const folders = change.writesIn.map(
    (dir) => `for f in ${quote(dir)}/* ${quote(dir)}/.[!.]*; do
  { [ -f "$f" ] && [ ! -L "$f" ]; } || continue
  ${skip ? `case $f in ${skip}) continue ;; esac` : ''}
  backup "c${k}_$n" "$f"; CMD${k}="$CMD${k} c${k}_$n"; n=$((n+1))
done`,
  );
  return [
    `CMD${k}="${change.writes.map((_, n) => `c${k}_${n}`).join(' ')}"`,
    ...named,
    `n=${change.writes.length}`,
    ...folders,
  ].join('\n');
}

export interface AppliedFile {
  path: string;
  sha256Before: string | 'absent';
  sha256After: string;
}

export interface ApplyOutcome {
  ok: boolean;
  files: AppliedFile[];
  done: string[];
  failedStep?: string;
  messages: string[];
  agentLog: string[];
  /** Files written by the run were put back (a failed step, or the agent did not come up). */
  undone: boolean;
}

export function parseApplyOutput(stdout: string): ApplyOutcome {
  const outcome: ApplyOutcome = { ok: false, files: [], done: [], messages: [], agentLog: [], undone: false };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('@@')) continue;
    const space = line.indexOf(' ');
    const tag = space < 0 ? line.slice(2) : line.slice(2, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    switch (tag) {
      case 'ok':
        outcome.ok = true;
        break;
      case 'done':
        outcome.done.push(rest);
        break;
      case 'file': {
        const [pathB64 = '', before = '', after = ''] = rest.split(' ');
        outcome.files.push({
          path: Buffer.from(pathB64, 'base64').toString('utf8'),
          sha256Before: before,
          sha256After: after,
        });
        break;
      }
      case 'fail':
        outcome.failedStep ??= rest;
        break;
      case 'msg':
        outcome.messages.push(rest);
        break;
      case 'agentlog':
        outcome.agentLog.push(rest);
        break;
      case 'undone':
      case 'rolledback':
        outcome.undone = true;
        break;
    }
  }
  return outcome;
}
