// What the cut-over reads of each log's files while neither agent runs (from-awslogs/observed.ts): the newest
// match of the pattern and its rotated siblings (`<pattern>*`, newest first), each with its size, inode, mtime,
// first bytes and last bytes; and, for the way back, the CloudWatch agent's state files with the inode each
// named path has now. Shell lines on the prelude every host script shares (they use its path guard: a file is
// read with the rights of whoever controls it) and the parser of what they print. Pure text.
// Records: `@@scur I PATH_B64`, `@@sfile I J PATH_B64 SIZE INODE MTIME_S.NS COMPRESSED`, `@@shead I J B64`,
// `@@stail I J OFFSET B64`, `@@cwstate CONTENT_B64 INODE|-`.
import { quote } from '../../../core/shell-quote.js';
import type { ObservedFile } from '../from-awslogs/observed.js';
import { STATE_DIR } from '../paths.js';

/** Files read per log (the current one and its newest rotations). */
export const SIBLINGS_MAX = 6;
/** Bytes of each file's end read: the last batch awslogs handed over is usually there. */
export const OBSERVE_WINDOW_BYTES = 256 * 1024;
const HEAD_BYTES = 8 * 1024;
/** State files of the CloudWatch agent read on the way back, and the bytes of each. */
const STATE_FILES_MAX = 256;
const STATE_FILE_BYTES = 64 * 1024;

const FUNCTIONS = `# read_siblings I PATTERN: the newest regular match of PATTERN (as both agents pick it), then PATTERN* newest first.
read_siblings() {
  rs_i=$1
  rs_matches=$(ls -1td -- $2 2>/dev/null | head -n 20)
  rs_all=$(ls -1td -- $2* 2>/dev/null | head -n ${SIBLINGS_MAX})
  set -f
  IFS='
'
  rs_cur=''
  for rs_m in $rs_matches; do
    case "$rs_m" in *.tar|*.gz|*.zip|*.bz2|*.rar|*.zst) continue ;; esac
    if [ -f "$rs_m" ]; then rs_cur=$rs_m; break; fi
  done
  [ -n "$rs_cur" ] && echo "@@scur $rs_i $(b64 "$rs_cur")"
  rs_j=0
  for rs_m in $rs_all; do
    unset IFS
    [ -f "$rs_m" ] || continue
    who_controls "$rs_m"
    if [ "$AS" = refuse ] || [ "$WT" != file ]; then continue; fi
    rs_c=0; case "$rs_m" in *.tar|*.gz|*.zip|*.bz2|*.rar|*.zst) rs_c=1 ;; esac
    rs_st=$(stat -c '%s %i' -- "$REAL") || continue
    rs_y=$(stat -c '%Y.%y' -- "$REAL" | sed 's/^\\([0-9]*\\)\\.[^.]*\\.\\([0-9]*\\).*/\\1.\\2/')
    set -- $rs_st
    rs_size=$1
    rs_off=0; [ "$rs_size" -gt ${OBSERVE_WINDOW_BYTES} ] && rs_off=$((rs_size - ${OBSERVE_WINDOW_BYTES}))
    echo "@@sfile $rs_i $rs_j $(b64 "$rs_m") $rs_size $2 $rs_y $rs_c"
    echo "@@shead $rs_i $rs_j $(as_owner head -c ${HEAD_BYTES} -- "$REAL" | base64 -w0)"
    echo "@@stail $rs_i $rs_j $rs_off $(as_owner tail -c +$((rs_off + 1)) -- "$REAL" | head -c $((rs_size - rs_off)) | base64 -w0)"
    rs_j=$((rs_j + 1))
  done
  unset IFS
  set +f
}`;

/** Reads of a log's files tried before the read is printed as it is, marked unsettled. */
export const OBSERVE_TRIES = 3;

const SIGNATURE = `# sibling_sig PATTERN: each file the read would consider, with its inode, in a stable order.
sibling_sig() {
  ss_all=$(ls -1td -- $1* 2>/dev/null | head -n ${SIBLINGS_MAX})
  ss_cur=$(ls -1td -- $1 2>/dev/null | head -n 20)
  set -f
  IFS='
'
  for ss_m in $ss_all $ss_cur; do stat -c '%i %n' -- "$ss_m" 2>/dev/null; done | LC_ALL=C sort
  unset IFS
  set +f
}`;

/**
 * Lines that print what each pattern's files hold now (the patterns in order: index I). A rotation while the files
 * are read (a path listed before it moved, read after) would give a view of no one moment, in which a rotated file's
 * rest can be missing: the read is kept only when every path names the same inode after it as before it, else read
 * again; after OBSERVE_TRIES it is printed with `@@sunsettled`.
 */
export function observeLines(patterns: readonly string[]): string {
  const each = (fn: (p: string, i: number) => string) => patterns.map(fn).join('\n') || ':';
  return `${FUNCTIONS}
${SIGNATURE}
observe_sig() {
${each((p) => `  sibling_sig ${quote(p)}`)}
}
observe_read() {
${each((p, i) => `  read_siblings ${i} ${quote(p)}`)}
}
ob_try=0
while :; do
  ob_before=$(observe_sig)
  ob_out=$(observe_read)
  ob_after=$(observe_sig)
  ob_try=$((ob_try + 1))
  [ "$ob_before" = "$ob_after" ] && break
  [ $ob_try -ge ${OBSERVE_TRIES} ] && { echo "@@sunsettled"; break; }
done
printf '%s\n' "$ob_out"`;
}

/** The files kept moving while they were read (OBSERVE_TRIES times): what was read is of no one moment. */
export function observedUnsettled(stdout: string): boolean {
  return /^@@sunsettled$/m.test(stdout);
}

/**
 * Lines that print the CloudWatch agent's state files (root's folder, regular files only, bounded), each with the
 * inode the path it names has now (`-`: gone).
 */
export function stateFolderLines(stateDir: string): string {
  return `n=0
for f in ${quote(stateDir)}/*; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  n=$((n + 1)); [ $n -gt ${STATE_FILES_MAX} ] && break
  p=$(head -c ${STATE_FILE_BYTES} -- "$f" | sed -n 2p)
  ino=-; case "$p" in /*) [ -f "$p" ] && ino=$(stat -c %i -- "$p" 2>/dev/null || echo -) ;; esac
  echo "@@cwstate $(head -c ${STATE_FILE_BYTES} -- "$f" | base64 -w0) $ino"
done`;
}

/** Each pattern's files, in the pattern's order; `current` marks the newest match of the pattern itself. */
export function parseObserved(stdout: string, count: number): ObservedFile[][] {
  const out: ObservedFile[][] = Array.from({ length: count }, () => []);
  const current = new Map<number, string>();
  const files = new Map<string, ObservedFile>();
  const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64');
  for (const line of stdout.split('\n')) {
    const m = /^@@(scur|sfile|shead|stail) (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, tag, index, rest = ''] = m;
    const i = Number(index);
    if (i >= count) continue;
    const parts = rest.split(' ');
    if (tag === 'scur') {
      current.set(i, b64(parts[0]).toString('utf8'));
      continue;
    }
    const key = `${i} ${parts[0]}`;
    if (tag === 'sfile' && parts.length === 6) {
      const file: ObservedFile = {
        path: b64(parts[1]).toString('utf8'),
        size: Number(parts[2]),
        inode: Number(parts[3]),
        mtimeMs: Math.round(Number(parts[4]) * 1000),
        current: false,
        ...(parts[5] === '1' ? { compressed: true } : {}),
        head: Buffer.alloc(0),
        window: { offset: 0, bytes: Buffer.alloc(0) },
      };
      if ([file.size, file.inode, file.mtimeMs].every(Number.isFinite)) {
        files.set(key, file);
        out[i]!.push(file);
      }
    } else if (tag === 'shead') {
      const f = files.get(key);
      if (f) f.head = b64(parts[1]);
    } else if (tag === 'stail') {
      const f = files.get(key);
      if (f) f.window = { offset: Number(parts[1]), bytes: b64(parts[2]) };
    }
  }
  out.forEach((list, i) => {
    const cur = current.get(i);
    const f = list.find((x) => x.path === cur);
    if (f) f.current = true;
  });
  return out;
}

/** The CloudWatch agent's state files as printed: content, and the inode its path has now. */
export function parseStateFolder(stdout: string): { content: string; inode?: number }[] {
  const out: { content: string; inode?: number }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^@@cwstate (\S*) (\S+)$/.exec(line);
    if (!m) continue;
    const inode = Number(m[2]);
    out.push({
      content: Buffer.from(m[1]!, 'base64').toString('utf8'),
      ...(Number.isInteger(inode) ? { inode } : {}),
    });
  }
  return out;
}

/**
 * Lines that print `@@observe-size N`: the bytes, gzip'd, that the first script of a cut-over or of a way back
 * (which reads the CloudWatch agent's state folder too) would print of the logs' files now, plus awslogs' state file
 * base64'd (counted as it is, not compressed). Read-only, nothing stopped: over SSM, where a script's output comes
 * back within a bound, a host whose read would not fit is refused before either agent stops.
 */
export function observedSizeLines(patterns: readonly string[], statePath: string, wayBack = false): string {
  return `n=$( { ${wayBack ? stateFolderLines(STATE_DIR) : ':'}
${observeLines(patterns)}
} 2>/dev/null | gzip -c | wc -c)
s=0; [ -f ${quote(statePath)} ] && [ ! -L ${quote(statePath)} ] && s=$(stat -c %s -- ${quote(statePath)})
echo "@@observe-size $((n + (s + 2) / 3 * 4))"`;
}

/** The size observedSizeLines printed; undefined when it did not. */
export function parseObservedSize(stdout: string): number | undefined {
  const m = /^@@observe-size (\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : undefined;
}
