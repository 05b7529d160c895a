// Pieces of the POSIX sh scripts that carry a host's whole change set in one round trip.
// Pure text generation: every dynamic value goes through quote().
import { quote } from '../core/shell-quote.js';
import { PATH_GUARD } from './path-guard.js';

export const BACKUP_ROOT = '/var/lib/awslogs-provision/backups';
/** The host-side run lock: a directory (mkdir is atomic) holding the run id and the script's pid. */
export const HOST_LOCK = '/var/lib/awslogs-provision/lock';
/** Backups of older runs than this many are pruned on the host. */
export const BACKUPS_KEPT = 10;
const HEREDOC_END = '__AWSLOGS_PROVISION_EOF__';

/** Run ids name folders on hosts; only this shape is ever accepted. */
export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function assertRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
}

/**
 * Shell functions shared by apply and restore scripts. Output protocol, one line each:
 * `@@done STEP`, `@@file PATH_B64 BEFORE_SHA AFTER_SHA`, `@@fail STEP`, `@@msg TEXT`, `@@agentlog TEXT`,
 * `@@rolledback`. Temp files are removed on any exit, so an interrupted run leaves none behind.
 */
export function prelude(runId: string): string {
  assertRunId(runId);
  return `set -u
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C
B=${quote(`${BACKUP_ROOT}/${runId}`)}
RUN=${quote(runId)}
L=${quote(HOST_LOCK)}
TMPS=""
LOCKED=0
# on_abort: what a script does when it is killed or its connection is gone (apply: undo its writes).
on_abort() { :; }
release_lock() {
  [ $LOCKED = 1 ] || return 0
  [ "$(cat "$L/pid" 2>/dev/null)" = "$$" ] && rm -rf "$L"
  LOCKED=0
}
cleanup() { for t in $TMPS; do rm -f "$t"; done; release_lock; }
# A signal or a closed connection: output can go nowhere, so stop writing to it, undo, clean up.
abort() { trap '' HUP INT TERM PIPE; exec >/dev/null 2>&1; on_abort; cleanup; exit "$1"; }
trap cleanup EXIT
trap 'abort 129' HUP
trap 'abort 130' INT
trap 'abort 143' TERM
trap 'abort 141' PIPE
say() { printf '@@%s\\n' "$*"; }
${PATH_GUARD}
fail() { step=$1; shift; say "fail $step"; printf '%s\\n' "$*" | tail -n 20 | sed 's/^/@@msg /'; exit 1; }
sha() { if [ -e "$1" ]; then set -- $(sha256sum < "$1"); echo "$1"; else echo absent; fi; }
b64() { printf '%s' "$1" | base64 -w0; }
# take_lock: one run at a time on this host. A lock whose pid is gone (a killed run) is cleared.
take_lock() {
  mkdir -p ${quote('/var/lib/awslogs-provision')} && chmod 700 ${quote('/var/lib/awslogs-provision')} || fail lock "cannot create /var/lib/awslogs-provision"
  tries=0
  while ! mkdir "$L" 2>/dev/null; do
    owner=$(cat "$L/run" 2>/dev/null); opid=$(cat "$L/pid" 2>/dev/null)
    if [ -n "$opid" ] && ! kill -0 "$opid" 2>/dev/null && [ ! -d "/proc/$opid" ]; then
      # stale: move it aside (atomic), then make sure what was moved is the one judged stale
      if mv "$L" "$L.stale.$$" 2>/dev/null; then
        if [ "$(cat "$L.stale.$$/pid" 2>/dev/null)" = "$opid" ]; then
          rm -rf "$L.stale.$$"; say "msg cleared a stale lock of run $owner (pid $opid gone)"
        else
          mv "$L.stale.$$" "$L" 2>/dev/null || rm -rf "$L.stale.$$"
        fi
      fi
      continue
    fi
    tries=$((tries+1))
    # a lock still being written (no pid yet) gets two seconds; a live one fails this host at once
    if [ -n "$opid" ] || [ $tries -gt 8 ]; then
      [ -n "$opid" ] || { rm -rf "$L"; continue; }
      fail lock "another run ($owner) is applying here (pid $opid); wait for it to finish"
    fi
    sleep 0.25
  done
  LOCKED=1
  printf '%s\\n' "$$" > "$L/pid" && printf '%s\\n' "$RUN" > "$L/run" || fail lock "cannot write the lock $L (disk full?)"
}
# bounded CMD...: a step that could hang (package manager, init system) ends itself in time.
bounded() {
  if command -v timeout >/dev/null 2>&1; then timeout -k 5 "$STEP_TIMEOUT" "$@"; else "$@"; fi
}
# timed_out CODE OUTPUT: the step's output, or why it was stopped.
timed_out() { if [ "$1" = 124 ] || [ "$1" = 137 ]; then echo "timed out after \${STEP_TIMEOUT}s on the host and was stopped: $2"; else printf '%s' "$2"; fi; }
ensure_backup_dir() {
  mkdir -p "$B" 2>/dev/null && chmod 700 ${quote('/var/lib/awslogs-provision')} ${quote(BACKUP_ROOT)} "$B" || fail backup "cannot create $B"
  root_dirs "$B/0.path"
}
# root_dirs PATH: every folder above PATH is a real folder (no link) that root alone controls: owned by root,
# not writable by another user (a sticky folder lets no one replace root's entries). Else the host fails before
# anything is written there: a link would carry the write out of the managed path (/etc/agent -> /etc/cron.d),
# and a folder another user controls lets them swap what root writes for a link of theirs. The facts probe,
# which looks at PATH, would not see either. Folders found fine are remembered (one stat per folder and run).
RD_OK='
'
root_dirs() {
  case $1 in */*) d=\${1%/*} ;; *) return 0 ;; esac
  [ -n "$d" ] || return 0
  case $RD_OK in *"
$d
"*) return 0 ;; esac
  e=$d
  while [ -n "$e" ] && [ "$e" != / ] && [ "$e" != . ]; do
    [ -L "$e" ] && fail "file $1" "refused: $e is a symlink (to $(readlink "$e")); the tool does not write through links"
    case $e in */*) e=\${e%/*} ;; *) e= ;; esac
  done
  AS=root; WHO=; WHO_AT=; WHO_NAME=; WHY=
  WC_MISSING_OK=1
  wc_walk "$d"; rd=$?
  WC_MISSING_OK=
  if [ $rd != 0 ]; then
    [ "$AS" = refuse ] && fail "file $1" "refused: $WHY; the tool does not write where another user can"
    fail "file $1" "refused: $WHO_AT is owned by $WHO_NAME (uid \${AS%%:*}); the tool does not write where another user can"
  fi
  RD_OK="$RD_OK$d
"
}
# unchanged PATH SHA: under the lock, before any step, PATH is still what the facts read (SHA or absent),
# and no link or other user's folder has appeared at it or above it since.
unchanged() {
  root_dirs "$1"
  [ -L "$1" ] && fail "file $1" "refused: $1 is a symlink; the tool does not write through links"
  [ "$(sha "$1")" = "$2" ] || fail "file $1" "$1 changed on the host after this run read it (another run, or a hand edit): nothing written; run again to plan from what is there now"
}
# backup IDX PATH: keep the before-image (content, mode, owner, or absent) of PATH.
backup() {
  root_dirs "$2"
  [ -L "$2" ] && fail "file $2" "refused: $2 is a symlink; the tool does not write through links"
  [ -e "$2" ] && [ ! -f "$2" ] && fail "file $2" "refused: $2 is not a regular file"
  printf '%s\\n' "$2" > "$B/$1.path" || fail backup "cannot write the backup of $2 (disk full?)"
  if [ -e "$2" ]; then
    cp -p "$2" "$B/$1.content" || fail backup "cannot back up $2 (disk full?)"
    stat -c '%a %U %G' "$2" > "$B/$1.meta" || fail backup "cannot stat $2"
  else
    echo absent > "$B/$1.meta"
  fi
}
# install_file PATH MODE OWNER GROUP DECODER < content: atomic replace (temp in the same directory, then
# rename), so a reader sees the old file or the new one, never a part.
install_file() {
  root_dirs "$1"
  case $1 in */*) d=\${1%/*} ;; *) d=. ;; esac
  d=\${d:-/}
  mkdir -p "$d" || fail "file $1" "cannot create $d"
  t=$(mktemp "$d/.awslogs-provision.XXXXXX") || fail "file $1" "cannot create a temp file in $d (read-only or full?)"
  TMPS="$TMPS $t"
  $5 > "$t" || { rm -f "$t"; fail "file $1" "cannot write $1 (disk full?)"; }
  chmod "$2" "$t" && chown "$3:$4" "$t" || { rm -f "$t"; fail "file $1" "cannot set mode/owner on $1"; }
  mv -f "$t" "$1" || { rm -f "$t"; fail "file $1" "cannot replace $1"; }
}
# restore_from DIR IDX: put back the before-image kept under DIR.
restore_from() {
  p=$(cat "$1/$2.path"); m=$(cat "$1/$2.meta")
  if [ "$m" = absent ]; then root_dirs "$p"; rm -f "$p"; return; fi
  set -- "$p" $m "$1/$2.content"
  install_file "$1" "$2" "$3" "$4" cat < "$5"
}
# restore_changed DIR IDX: restore_from, unless the path already is its before-image (undo after a package
# install, which may or may not have replaced a file); status 1 when there was nothing to put back.
restore_changed() {
  p=$(cat "$1/$2.path"); m=$(cat "$1/$2.meta")
  if [ "$m" = absent ]; then { [ -e "$p" ] || [ -L "$p" ]; } || return 1
  elif [ -f "$p" ] && [ ! -L "$p" ] && [ "$(sha "$p")" = "$(sha "$1/$2.content")" ] && [ "$(stat -c '%a %U %G' "$p")" = "$m" ]; then return 1
  fi
  restore_from "$1" "$2"
}
prune_backups() {
  ls -1 ${quote(BACKUP_ROOT)} 2>/dev/null | sort | head -n -${BACKUPS_KEPT} | while read -r old; do
    case "$old" in *[!0-9TZa-f-]*|'') continue ;; esac
    rm -rf ${quote(BACKUP_ROOT)}/"$old"
  done
}
`;
}

/** `install_file` fed by a base64 heredoc: the content never appears in a command line. */
export function writeFileLines(
  path: string,
  content: string | Buffer,
  mode: number,
  owner: string,
  group: string,
): string {
  const body = (typeof content === 'string' ? Buffer.from(content, 'utf8') : content)
    .toString('base64')
    .replace(/(.{76})/g, '$1\n');
  return `install_file ${quote(path)} ${octal(mode)} ${quote(owner)} ${quote(group)} 'base64 -d' <<'${HEREDOC_END}'
${body}
${HEREDOC_END}`;
}

export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/**
 * The whole script is one function that runs only once it has arrived complete: a connection cut while
 * the script is being sent runs nothing, never half a heredoc.
 */
export function wholeScript(runId: string, body: string, stepTimeoutS = 300): string {
  return `${prelude(runId)}
STEP_TIMEOUT=${Math.max(1, Math.floor(stepTimeoutS))}
main() {
${body}
}
main </dev/null
`;
}
