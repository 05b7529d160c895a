// The scripts of a repair run (`provision doctor --fix`), on the same prelude as apply and restore: the
// before-images go to the run's backup folder (N.path/N.meta/N.content), so `provision rollback` restores
// them; `@@` lines report what was done. Pure text generation.
import { quote } from '../core/shell-quote.js';
import { healthCheck } from './apply-script.js';
import { wholeScript, writeFileLines } from './remote-script.js';
import { STATE_READ_MAX } from './state-read-script.js';
import type { ServiceControl } from './service.js';

/**
 * Before the agent is stopped: the state file is a regular file (or absent), no link, under folders root
 * alone controls (path-guard.ts), so that the write that follows cannot be carried elsewhere.
 */
function guardState(s: string): string {
  return `root_dirs ${s}
[ -L ${s} ] && fail state "refused: the state file is a symlink; the tool does not write through links"
[ -e ${s} ] && [ ! -f ${s} ] && fail state "refused: the state file is not a regular file"`;
}

export interface StopAndReadInput {
  runId: string;
  agent: ServiceControl;
  statePath: string;
}

/**
 * Stops the agent (so that the state file holds still) and prints the file:
 * `@@state absent` or `@@state MODE OWNER GROUP SHA256` then `@@statedata BASE64`.
 */
export function stopAndReadScript(input: StopAndReadInput): string {
  const s = quote(input.statePath);
  return wholeScript(
    input.runId,
    `${guardState(s)}
out=$(${input.agent.stop} 2>&1) || fail "service stop" "$out"
say "done service stop"
if [ -f ${s} ]; then
  say "state $(stat -c '%a %U %G' ${s}) $(sha ${s})"
  [ "$(stat -c %s ${s})" -le ${STATE_READ_MAX} ] || fail state "the state file is larger than ${STATE_READ_MAX / (1024 * 1024)} MiB: not repaired"
  printf '@@statedata '; head -c ${STATE_READ_MAX} -- ${s} | base64 -w0; echo
else
  say "state absent"
fi
say ok`,
  );
}

export interface StoppedState {
  ok: boolean;
  absent: boolean;
  mode?: number;
  owner?: string;
  group?: string;
  sha256?: string;
  bytes?: Buffer;
}

export function parseStoppedState(stdout: string): StoppedState {
  const out: StoppedState = { ok: false, absent: false };
  for (const line of stdout.split('\n')) {
    if (line === '@@ok') out.ok = true;
    else if (line === '@@state absent') out.absent = true;
    else if (line.startsWith('@@state ')) {
      const [mode, owner, group, sha] = line.slice('@@state '.length).split(' ');
      if (mode && /^[0-7]+$/.test(mode)) out.mode = parseInt(mode, 8);
      if (owner) out.owner = owner;
      if (group) out.group = group;
      if (sha) out.sha256 = sha;
    } else if (line.startsWith('@@statedata ')) out.bytes = Buffer.from(line.slice('@@statedata '.length), 'base64');
  }
  return out;
}

export interface WriteStateInput {
  runId: string;
  agent: ServiceControl;
  agentLogPath: string;
  statePath: string;
  /** The state file must still be this one (read by stopAndReadScript); else nothing is written. */
  expectedSha256: string;
  content: Buffer;
  mode: number;
  owner: string;
  group: string;
}

/** Backs up the (stopped) state file, writes the repaired one, starts the agent; undone if it does not stay up. */
export function writeStateScript(input: WriteStateInput): string {
  const s = quote(input.statePath);
  const start = input.agent.start;
  return wholeScript(
    input.runId,
    `${guardState(s)}
[ "$(sha ${s})" = ${quote(input.expectedSha256)} ] || { ${start} >/dev/null 2>&1; fail state "the state file changed after it was read; nothing was written"; }
ensure_backup_dir
backup 0 ${s}
before=$(sha ${s})
${writeFileLines(input.statePath, input.content, input.mode, input.owner, input.group)}
say "file $(b64 ${s}) $before $(sha ${s})"
${input.agent.reset} >/dev/null 2>&1
out=$(${start} 2>&1) || { restore_from "$B" 0; ${start} >/dev/null 2>&1; say undone; fail "service start" "$out"; }
say "done service start"
${healthCheck(input.agent, input.agentLogPath, [
  'restore_from "$B" 0',
  `${start} >/dev/null 2>&1`,
  'say "msg the agent did not stay up with the repaired state; the previous state file is back"',
  'say rolledback',
])}
prune_backups
say ok`,
  );
}

export interface ResetStateInput {
  runId: string;
  agent: ServiceControl;
  agentLogPath: string;
  statePath: string;
  /** With `confPath`/`conf`: awslogs.conf with initial_position = end_of_file, used for this one start. */
  endOfFile?: { confPath: string; conf: string; mode: number; owner: string; group: string };
  /** Seconds to wait after the start for the agent to record where it starts (its stream refresh). */
  settleS: number;
}

/**
 * The blunt reset: stop, back up and remove the state file, start. Without --resend the agent starts once
 * with initial_position = end_of_file (it records the files' ends in stream_state), then the tool's own
 * awslogs.conf is put back without a restart: initial_position only matters while the state is empty.
 */
export function resetStateScript(input: ResetStateInput): string {
  const s = quote(input.statePath);
  const start = input.agent.start;
  const eof = input.endOfFile;
  const c = eof ? quote(eof.confPath) : '';
  const undo = ['restore_from "$B" 0', ...(eof ? ['restore_from "$B" 1'] : []), `${start} >/dev/null 2>&1`];
  return wholeScript(
    input.runId,
    `${guardState(s)}${eof ? `\nroot_dirs ${c}` : ''}
out=$(${input.agent.stop} 2>&1) || fail "service stop" "$out"
say "done service stop"
ensure_backup_dir
backup 0 ${s}
before=$(sha ${s})
${
  eof
    ? `backup 1 ${c}
cbefore=$(sha ${c})
${writeFileLines(eof.confPath, eof.conf, eof.mode, eof.owner, eof.group)}`
    : ''
}
rm -f ${s} ${quote(`${input.statePath}-journal`)} || fail state "cannot remove ${input.statePath.replace(/[^\w/.-]/g, '?')}"
say "file $(b64 ${s}) $before $(sha ${s})"
${input.agent.reset} >/dev/null 2>&1
out=$(${start} 2>&1) || { ${undo.join('; ')}; say undone; fail "service start" "$out"; }
say "done service start"
n=0
while [ ! -s ${s} ] && [ $n -lt 60 ]; do sleep 0.25; n=$((n+1)); done
sleep ${input.settleS}
${eof ? `restore_from "$B" 1\nsay "file $(b64 ${c}) $cbefore $(sha ${c})"` : ''}
${healthCheck(input.agent, input.agentLogPath, [...undo, 'say rolledback'])}
prune_backups
say ok`,
  );
}

/**
 * awslogs.conf with `initial_position = end_of_file` in every log section, or only in the sections named
 * (`[general]` and the other sections untouched).
 */
export function withEndOfFile(conf: string, only?: ReadonlySet<string>): string {
  const out: string[] = [];
  const EOF = 'initial_position = end_of_file';
  // Where the current section's header is in `out`, and whether its own initial_position line was replaced.
  let header = -1;
  let replaced = false;
  const close = () => {
    if (header >= 0 && !replaced) out.splice(header + 1, 0, EOF);
  };
  for (const line of conf.split('\n')) {
    const h = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (h) {
      close();
      out.push(line);
      header = h[1] !== 'general' && (only === undefined || only.has(h[1]!)) ? out.length - 1 : -1;
      replaced = false;
      continue;
    }
    if (header >= 0 && /^\s*initial_position\s*[=:]/.test(line)) {
      // Replaced in place (once; a repeated key is dropped, as the agent would refuse it).
      if (!replaced) out.push(EOF);
      replaced = true;
      continue;
    }
    out.push(line);
  }
  close();
  return out.join('\n');
}
