// The doctor's read of the agent's state folder: for each file the agent tails, its state file
// (logs/state/<escaped path>), read through path-guard.ts (the folder becomes run_as_user's when the agent runs as
// another user: then read with that user's rights, never root's), bounded. Pure text generation and its parser.
import { quote } from '../../../core/shell-quote.js';
import { PATH_GUARD } from '../../../operations/path-guard.js';
import { parseStateFile, stateFilePath, type StateRecord } from '../state-folder.js';

/** A state file is a few dozen bytes; more is not the agent's. */
export const STATE_FILE_MAX = 64 * 1024;

/** Output per file I: `@@cwstate I absent`, `@@cwstate I refused WHY_B64`, or `@@cwstate I ok CONTENT_B64`. */
export function readStatesScript(files: readonly string[]): string {
  return `LC_ALL=C; export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
b64() { printf '%s' "$1" | base64 | tr -d '\\n'; }
${PATH_GUARD}
read_state() {
  { [ -e "$2" ] || [ -L "$2" ]; } || { echo "@@cwstate $1 absent"; return; }
  who_controls "$2"
  case $AS in
    refuse) echo "@@cwstate $1 refused $(b64 "$WHY")"; return ;;
    root) [ "$WT" = file ] || { echo "@@cwstate $1 refused $(b64 "$2 is not a regular file")"; return; }; src=$REAL ;;
    *) src=$2 ;;
  esac
  if c=$(as_owner head -c ${STATE_FILE_MAX} -- "$src" 2>&1); then echo "@@cwstate $1 ok $(b64 "$c")"
  else echo "@@cwstate $1 refused $(b64 "cannot read $2\${WHO:+ as $WHO}: $c")"; fi
}
${files.map((f, i) => `read_state ${i} ${quote(stateFilePath(f))}`).join('\n')}
echo '@@cwstate-end'
`;
}

export type StateRead =
  | { state: 'absent' }
  | { state: 'refused'; why: string }
  | { state: 'ok'; record: StateRecord }
  | {
      state: 'bad';
      why: string;
    };

/** Each file's state, in the order given; undefined when the script did not finish. */
export function parseStates(stdout: string, count: number): StateRead[] | undefined {
  if (!stdout.includes('@@cwstate-end')) return undefined;
  const out: StateRead[] = Array.from({ length: count }, () => ({ state: 'absent' }));
  const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
  for (const line of stdout.split('\n')) {
    const [tag, i, what, data] = line.split(' ');
    const index = Number(i);
    if (tag !== '@@cwstate' || !Number.isInteger(index) || index < 0 || index >= count) continue;
    if (what === 'refused') out[index] = { state: 'refused', why: text(data) };
    else if (what === 'ok') {
      try {
        out[index] = { state: 'ok', record: parseStateFile(text(data)) };
      } catch (err) {
        out[index] = { state: 'bad', why: (err as Error).message };
      }
    }
  }
  return out;
}
