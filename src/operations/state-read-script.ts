// The doctor's copy of the agent's state file, read on the host through path-guard.ts: as root only where root
// alone controls the path (a root-owned link resolved), else with the rights of the user who does; only a
// regular file, outside /proc, /sys and /dev, of at most STATE_READ_MAX bytes. Pure text generation.
import { quote } from '../core/shell-quote.js';
import { PATH_GUARD } from './path-guard.js';

/** The largest state file the doctor copies (the agent's is a few KiB per log). */
export const STATE_READ_MAX = 8 * 1024 * 1024;

/**
 * Output: `@@state absent`, `@@state refused WHY_B64`, or `@@state ok SIZE` then `@@statedata BASE64` (one line).
 * Run with `sh -s`, as root.
 */
export function readStateScript(statePath: string): string {
  return `LC_ALL=C; export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
b64() { printf '%s' "$1" | base64 | tr -d '\\n'; }
refused() { echo "@@state refused $(b64 "$1")"; exit 0; }
${PATH_GUARD}
S=${quote(statePath)}
{ [ -e "$S" ] || [ -L "$S" ]; } || { echo '@@state absent'; exit 0; }
who_controls "$S"
case $AS in
  refuse) refused "$WHY" ;;
  root)
    [ "$WT" = absent ] && { echo '@@state absent'; exit 0; }
    [ "$WT" = file ] || refused "$S is not a regular file ($REAL: $WT)"
    size=$WS; src=$REAL ;;
  *)
    t=$(as_owner stat -L -c '%f %s' -- "$S" 2>&1) || refused "cannot read $S as $WHO: $t"
    [ $(( 0x\${t%% *} & 61440 )) = 32768 ] || refused "$S is not a regular file (read as $WHO)"
    size=\${t#* }; src=$S
    t=$(as_owner head -c 0 -- "$S" 2>&1) || refused "cannot read $S as $WHO: $t" ;;
esac
[ "$size" -le ${STATE_READ_MAX} ] || refused "$S is $size bytes, more than the ${STATE_READ_MAX / (1024 * 1024)} MiB the doctor copies"
echo "@@state ok $size"
printf '@@statedata '; as_owner head -c ${STATE_READ_MAX} -- "$src" | base64 | tr -d '\\n'; echo
`;
}

export type StateRead = { absent: true } | { refused: string } | { bytes: Buffer };

export function parseStateRead(stdout: string): StateRead | undefined {
  let ok = false;
  for (const line of stdout.split('\n')) {
    if (line === '@@state absent') return { absent: true };
    if (line.startsWith('@@state refused '))
      return { refused: Buffer.from(line.slice('@@state refused '.length), 'base64').toString('utf8') };
    if (line.startsWith('@@state ok ')) ok = true;
    else if (ok && line.startsWith('@@statedata '))
      return { bytes: Buffer.from(line.slice('@@statedata '.length), 'base64') };
  }
  return undefined;
}
