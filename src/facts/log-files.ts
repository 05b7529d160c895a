// The probe's log-file section (preflight and doctor): for each configured log file (a path or a glob), the
// files it matches and, for a plain path, its rotated siblings (`FILE.1`, `FILE-2026…`), newest first; the
// first lines of the two newest uncompressed ones (fingerprints) and the last 64 KiB of the newest match.
// Pure: a shell snippet and the parser of its records. Records, one a line:
//   @@log <i> <pattern base64>
//   @@logfile <i> <match|rotated> <readable 0|1> <file|directory|other> <mtime s> <size> <path base64>
//   @@content l<i>h<k> 1 … @@end l<i>h<k>      first bytes of the k-th file record of section i (the parser cuts
//                                              them to the log's fingerprintEnd lines)
//   @@loghead <i> <k>                          the same, to be taken from the tail: the k-th file was read whole
//   @@logreadas <i> <k> <0|1>                  whether the agent's user (RUNAS) may read the k-th file
//   @@content l<i>t 1 … @@end l<i>t            last bytes of the newest uncompressed match
import { quote } from '../core/shell-quote.js';
import type { LogSectionFacts } from '../core/types.js';

/** Bytes of a log file's end read at most (the bound). */
export const LOG_TAIL_BYTES = 64 * 1024;
/** Bytes of a file's first lines read at most for its fingerprint. */
export const LOG_HEAD_BYTES = 8 * 1024;
/** Matches listed at most per section. */
export const LOG_MATCHES_MAX = 20;
/** What the agent ignores among a glob's matches. */
export const COMPRESSED = /\.(tar|gz|zip|bz2|rar)$/;

export interface LogProbe {
  /** The log's file: a path or a glob. */
  pattern: string;
  /** How many first lines of the newest files identify them to the agent (at least 1). */
  fingerprintEnd: number;
}

const MAGIC = /[*?[]/;

export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** A literal path as a glob that matches only itself. */
function globEscape(path: string): string {
  return path.replace(/[*?[\]]/g, (c) => `[${c}]`);
}

/** Where rotated copies of a plain path land with logrotate's two usual namings. */
export function rotationPatterns(file: string): [string, string] {
  const base = globEscape(file);
  return [`${base}.[0-9]*`, `${base}-[0-9]*`];
}

/**
 * The shell function; `$1` index, `$2` pattern, `$3` `$4` rotation patterns ('' for a glob), `$5` the pattern in
 * base64. It starts as few processes as it can (a fleet's hosts may share little CPU): a
 * plain path is not listed with ls, rotated siblings only when the shell's own glob finds one, and a file that
 * fits in the tail is read once, for both its head and its tail (`@@loghead`). Each file is looked at through
 * path-guard.ts: one `stat` of it and every folder above; a file another user controls is looked at and read
 * with that user's rights (the record says whose), never root's; nothing in /proc, /sys or /dev is read. Every
 * read is `head -c` or `dd` of at most its bound, whatever the file's size says.
 */
export const PROBE_LOG = `probe_log() {
  li=$1
  echo "@@log $li $5"
  IFS='
'
  lrot=''
  if [ -n "$3" ]; then
    lmatch=''; { [ -e "$2" ] || [ -L "$2" ]; } && lmatch=$2
    for f in $3 $4; do
      if [ -e "$f" ]; then lrot=$(ls -1td -- $3 $4 2>/dev/null | head -n 5); break; fi
    done
  else
    lmatch=$(ls -1td -- $2 2>/dev/null | head -n ${LOG_MATCHES_MAX})
  fi
  set -f
  k=0; heads=0; tailed=0
  for role in match rotated; do
    if [ $role = match ]; then llist=$lmatch; else llist=$lrot; fi
    for m in $llist; do
      { [ -e "$m" ] || [ -L "$m" ]; } || continue
      who_controls "$m"
      src=$REAL; guard=root; r=0
      case $AS in
        root)
          kind=$WT; st="$WY $WS"
          [ $kind = absent ] && continue
          [ $kind = link ] && kind=other
          [ -r "$REAL" ] && r=1 ;;
        refuse) kind=file; st='0 0'; guard="refused:$(b64 "$WHY")" ;;
        *)
          src=$m; guard="as:$(b64 "$WHO")"
          if lst=$(as_owner stat -L -c '%f %Y %s' -- "$m" 2>/dev/null); then
            case $(( 0x\${lst%% *} & 61440 )) in 32768) kind=file ;; 16384) kind=directory ;; *) kind=other ;; esac
            st=\${lst#* }
            as_owner test -r "$m" && r=1
          else kind=file; st='0 0'; fi ;;
      esac
      if [ "$m" = "$2" ]; then b=$5; else b=$(printf '%s' "$m" | base64 | tr -d '\n'); fi
      echo "@@logfile $li $role $r $kind $st $b $guard"
      # The user the agent runs as (RUNAS uid:gid:groups, set by the probe): the kernel asked whether it may read.
      if [ -n "\${RUNAS:-}" ] && [ $role = match ] && [ $kind = file ]; then
        ra=0; ra_g=\${RUNAS#*:}
        setpriv --reuid="\${RUNAS%%:*}" --regid="\${ra_g%%:*}" --groups="\${ra_g#*:}" -- test -r "$m" 2>/dev/null && ra=1
        echo "@@logreadas $li $k $ra"
      fi
      case "$m" in *.tar|*.gz|*.zip|*.bz2|*.rar) k=$((k+1)); continue ;; esac
      if [ $kind = file ] && [ $r = 1 ]; then
        size=\${st#* }; whole=0
        if [ $role = match ] && [ $tailed = 0 ]; then
          echo "@@content l\${li}t 1"
          if [ "$size" -lt ${LOG_TAIL_BYTES} ]; then as_owner head -c ${LOG_TAIL_BYTES} -- "$src" | base64; whole=1
          else as_owner dd if="$src" bs=${LOG_TAIL_BYTES} count=1 iflag=skip_bytes,fullblock skip=$((size - ${LOG_TAIL_BYTES})) status=none | base64; fi
          echo "@@end l\${li}t"
          tailed=1
        fi
        if [ $heads -lt 2 ]; then
          if [ $whole = 1 ]; then echo "@@loghead $li $k"
          else echo "@@content l\${li}h$k 1"; as_owner head -c ${LOG_HEAD_BYTES} -- "$src" | base64; echo "@@end l\${li}h$k"; fi
          heads=$((heads+1))
        fi
      fi
      k=$((k+1))
    done
  done
  set +f
  unset IFS
}`;

/** One call of probe_log per section; every value quoted. */
export function probeLogLines(logs: LogProbe[]): string[] {
  return logs.map((l, i) => {
    const [r1, r2] = isGlob(l.pattern) ? ['', ''] : rotationPatterns(l.pattern);
    const b64 = Buffer.from(l.pattern, 'utf8').toString('base64');
    return `probe_log ${i} ${quote(l.pattern)} ${quote(r1)} ${quote(r2)} ${b64}`;
  });
}

/** The probe's word on who controls a path: `root`, `as:<who base64>` or `refused:<why base64>`. */
export function parseGuard(guard: string): { readAs?: string; refused?: string } {
  const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  if (guard.startsWith('as:')) return { readAs: text(guard.slice(3)) };
  if (guard.startsWith('refused:')) return { refused: text(guard.slice(8)) };
  return {};
}

export interface RawBlock {
  readable?: boolean;
  base64?: string[];
  closed?: boolean;
}

/**
 * Sections from the `@@log`/`@@logfile` records and the `l…` content blocks the probe parser collected.
 * `records` are the record lines' values (after the key), in order.
 */
export function parseLogSections(
  logs: LogProbe[],
  records: { key: string; value: string }[],
  blocks: Map<string, RawBlock>,
): LogSectionFacts[] {
  const sections: LogSectionFacts[] = logs.map((l) => ({ pattern: l.pattern, files: [] }));
  /** `l<i>h<k>` heads that the probe left to be taken from section i's tail (a file read whole). */
  const headsInTail = new Set<string>();
  for (const { key, value } of records) {
    const parts = value.split(' ');
    const section = sections[Number(parts[0])];
    if (!section || !/^\d+$/.test(parts[0] ?? '')) continue;
    if (key === 'logfile') {
      const [, role, readable, kind, mtime, size, b64 = '', guard = 'root'] = parts;
      if ((role !== 'match' && role !== 'rotated') || !/^\d+$/.test(mtime ?? '') || !/^\d+$/.test(size ?? '')) continue;
      const path = Buffer.from(b64, 'base64').toString('utf8');
      section.files.push({
        path,
        role,
        readable: readable === '1',
        kind: kind === 'file' || kind === 'directory' ? kind : 'other',
        mtimeMs: Number(mtime) * 1000,
        size: Number(size),
        compressed: COMPRESSED.test(path),
        ...parseGuard(guard),
      });
    } else if (key === 'loghead' && /^\d+$/.test(parts[1] ?? '')) {
      headsInTail.add(`l${parts[0]}h${parts[1]}`);
    } else if (key === 'logreadas' && /^\d+$/.test(parts[1] ?? '')) {
      const file = section.files[Number(parts[1])];
      if (file) file.readableAsAgent = parts[2] === '1';
    }
  }
  sections.forEach((section, i) => {
    const lines = logs[i]!.fingerprintEnd;
    const tail = blocks.get(`l${i}t`);
    const whole = tail?.closed && tail.base64 ? Buffer.from(tail.base64.join(''), 'base64') : undefined;
    section.files.forEach((f, k) => {
      const key = `l${i}h${k}`;
      const head = blocks.get(key);
      if (head?.closed && head.base64) f.head = firstLines(Buffer.from(head.base64.join(''), 'base64'), lines);
      else if (headsInTail.has(key) && whole) f.head = firstLines(whole, lines);
    });
    const newest = section.files.find((f) => f.role === 'match' && !f.compressed && f.kind === 'file' && f.readable);
    if (whole && newest) {
      // A file read whole that grew past the bound since its stat: only its last bytes count.
      const bytes = whole.length > LOG_TAIL_BYTES ? whole.subarray(whole.length - LOG_TAIL_BYTES) : whole;
      const size = Math.max(newest.size, whole.length);
      section.tail = { path: newest.path, text: bytes.toString('utf8'), truncated: bytes.length < size, bytes };
    }
  });
  return sections;
}

/** The first `n` lines of a file's first bytes (what `head -n N | head -c LOG_HEAD_BYTES` prints). */
function firstLines(bytes: Buffer, n: number): string {
  let end = 0;
  for (let line = 0; line < Math.max(1, n) && end < bytes.length; line++) {
    const newline = bytes.indexOf(10, end);
    end = newline < 0 ? bytes.length : newline + 1;
  }
  return bytes.subarray(0, Math.min(end, LOG_HEAD_BYTES)).toString('utf8');
}
