// Who controls a path on a host, as POSIX sh functions shared by the probe (src/facts/probe.ts), the verify
// probe line, the doctor's state copy and the apply/restore/repair scripts. The tool runs as root on hosts
// other people use: a log folder's owner can plant a link at a log file's name (→ /etc/shadow, → a root-only
// file) or swap a folder under a root process. So:
// - reads and appends on a path someone else controls are done with that user's rights (setpriv), never root's:
//   the kernel then refuses them whatever the path leads to; a path only root controls is used as root, a
//   root-owned link on it (logrotate's) resolved first;
// - writes of the tool's own files (backups, restores, config, state) are refused under a folder root does not
//   control alone;
// - nothing is read from /proc, /sys or /dev, whose "files" may never end.
// "Controls" means: owns it or a link on the way to it, or owns a folder above it; a folder writable by other
// users without the sticky bit lets them replace anything in it. It costs one `stat` for the path and every
// folder above it (no more processes than the single stat the probe made before), one `readlink` more for a
// root-owned link, and setpriv only for a path someone else controls.

/** Seconds a read or append done with another user's rights may take (a FIFO swapped in would block it). */
export const OWNER_STEP_TIMEOUT_S = 10;

/**
 * `who_controls PATH` sets:
 * - `AS`: `root` (no one else can change what PATH names), `UID:GID` (act with that user's rights; `WHO` names
 *   them: `NAME (uid N, owner of P)`), or `refuse` (`WHY` says why: a root-owned file in a folder others may write);
 * - `REAL`: the path to act on as root: PATH, or where root-owned links on it lead;
 * - `WT` (file|directory|link|other|absent), `WM` (permission bits, decimal), `WY` (mtime), `WS` (size),
 *   `WU` `WG` (owner and group names): the last component as lstat sees it (REAL's when links were resolved).
 * `as_owner CMD…` runs CMD as root when AS=root, else with AS's uid and gid and no other group, bounded in time.
 * `pseudo_fs PATH` is true in /proc, /sys and /dev.
 */
export const PATH_GUARD = `pseudo_fs() { case $1 in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) return 0 ;; esac; return 1; }
wc_walk() {
  # ME: the script's own user (root on a host), read without a process; it and root are not "someone else".
  if [ -z "\${ME:-}" ]; then ME=0; while read -r wc_k wc_r wc_e wc_x; do [ "$wc_k" = Uid: ] && { ME=$wc_e; break; }; done </proc/self/status; fi
  wc_p=$1; wc_link=; wc_loose=; wc_uid=
  case $- in *f*) wc_nog=1 ;; *) wc_nog=0; set -f ;; esac
  if [ -n "\${IFS+x}" ]; then wc_ifs=$IFS; wc_hadifs=1; else wc_hadifs=0; fi
  IFS=/
  set -- /
  wc_pre=
  for wc_c in $wc_p; do [ -n "$wc_c" ] || continue; wc_pre=$wc_pre/$wc_c; set -- "$@" "$wc_pre"; done
  if [ $wc_hadifs = 1 ]; then IFS=$wc_ifs; else unset IFS; fi
  [ $wc_nog = 1 ] || set +f
  wc_n=$#
  wc_out=$(stat -c '%u %g %f %Y %s %U %G' -- "$@" 2>/dev/null)
  wc_i=0; WT=absent
  while IFS=' ' read -r wc_u wc_g wc_f wc_y wc_s wc_un wc_gn; do
    [ -n "$wc_u" ] || continue
    wc_i=$((wc_i+1))
    eval "wc_at=\\\${$wc_i}"
    case $wc_u$wc_g in *[!0-9]*) AS=refuse; WHY="cannot tell who owns $wc_at"; return 1 ;; esac
    case $wc_f in *[!0-9a-f]*|'') AS=refuse; WHY="cannot tell what $wc_at is"; return 1 ;; esac
    wc_m=$((0x$wc_f)); wc_t=$((wc_m & 61440))
    [ $wc_t = 40960 ] && wc_link=1
    if [ "$wc_u" != 0 ] && [ "$wc_u" != "$ME" ]; then wc_uid=$wc_u; wc_gid=$wc_g; WHO="$wc_un (uid $wc_u, owner of $wc_at)"; WHO_AT=$wc_at; WHO_NAME=$wc_un; fi
    if [ $wc_t = 16384 ] && [ $((wc_m & 512)) = 0 ]; then
      if [ $((wc_m & 2)) != 0 ] || { [ $((wc_m & 16)) != 0 ] && [ "$wc_g" != 0 ]; }; then wc_loose=$wc_at; wc_loosem=$((wc_m & 4095)); fi
    fi
    case $wc_t in 32768) WT=file ;; 16384) WT=directory ;; 40960) WT=link ;; *) WT=other ;; esac
    WM=$((wc_m & 4095)); WY=$wc_y; WS=$wc_s; WU=$wc_un; WG=$wc_gn
  done <<WC_EOF
$wc_out
WC_EOF
  # Every folder above must be there (stat answers in order, so what is missing is the end of the list), unless
  # the caller is about to create them (WC_MISSING_OK).
  if [ $wc_i -lt $((wc_n - 1)) ] && [ -z "\${WC_MISSING_OK:-}" ]; then AS=refuse; WHY="a folder above $wc_p is missing or cannot be read"; return 1; fi
  [ $wc_i = $wc_n ] || WT=absent
  if [ -n "$wc_uid" ]; then AS=$wc_uid:$wc_gid; return 1; fi
  if [ -n "$wc_loose" ]; then
    AS=refuse; WHY="$wc_loose is writable by other users (mode $(printf '%04o' $wc_loosem), no sticky bit): they can replace what is in it"
    return 1
  fi
  return 0
}
wc_pseudo() {
  pseudo_fs "$REAL" || return 1
  wc_top=\${REAL#/}; wc_top=/\${wc_top%%/*}
  AS=refuse; WHY="$1 is $REAL, in $wc_top: not a log file (not a regular file on a disk: its reads may never end)"
}
who_controls() {
  AS=root; WHO=; WHO_AT=; WHO_NAME=; WHY=; REAL=$1
  case $1 in /*) ;; *) AS=refuse; WHY="$1 is not an absolute path"; return 0 ;; esac
  wc_pseudo "$1" && return 0
  wc_walk "$1" || return 0
  [ -n "$wc_link" ] || return 0
  # Only root-owned links on the way (a rotation link): followed, and the folders where they lead checked too.
  REAL=$(readlink -f -- "$1" 2>/dev/null) || { AS=refuse; WHY="cannot resolve the links of $1"; return 0; }
  wc_pseudo "$1" && return 0
  wc_walk "$REAL" || return 0
  [ -z "$wc_link" ] || { AS=refuse; WHY="the links of $1 changed while they were read"; }
}
as_owner() {
  if [ "$AS" = root ]; then "$@"; return; fi
  command -v setpriv >/dev/null 2>&1 || { echo "setpriv (util-linux) is missing: cannot act as $WHO" >&2; return 126; }
  if command -v timeout >/dev/null 2>&1; then
    timeout -k 2 ${OWNER_STEP_TIMEOUT_S} setpriv --reuid="\${AS%%:*}" --regid="\${AS#*:}" --clear-groups -- "$@"
  else
    setpriv --reuid="\${AS%%:*}" --regid="\${AS#*:}" --clear-groups -- "$@"
  fi
}`;
