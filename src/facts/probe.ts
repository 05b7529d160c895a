// The one remote probe per host per run: a POSIX sh script that prints every fact the planner needs, and
// the parser of its output. Pure: the script is a string, the parser a function of the output.
//
// Output format, one record per line, between `@@probe-begin 1` and `@@probe-end`:
//   @@<key> <value…>                       a fact; the value is the rest of the line
//   @@file <i> absent | dangling | unstatable
//   @@file <i> present <link 0|1> <file|directory|other> <mode octal> <size> <owner> <group>
//   @@content <i> <readable 0|1>           followed by base64 lines, closed by `@@end <i>`
// File <i> is the i-th of `paths`, then of `extraFiles` (prefixed `x`: `x0`, `x1`…), and `@@path <i> <base64>`
// echoes each path so that the parser can check that the output belongs to the paths it was given.
// Nothing here contacts any address: the primary IP comes from the host's own tables.
import { createHash } from 'node:crypto';
import { quote } from '../core/shell-quote.js';
import { PATH_GUARD } from '../operations/path-guard.js';
import type { DirEntry, FileFact, HostFacts, OsFlavour } from '../core/types.js';
import { parseGuard, parseLogSections, PROBE_LOG, probeLogLines, type LogProbe, type RawBlock } from './log-files.js';
import { zoneFromProbe } from './time-zone.js';

export const PROBE_VERSION = '1';
/**
 * How to run the probe: `transport.run(PROBE_COMMAND, { stdin: probeScript(…), become: true })`. The script goes
 * on stdin, so that it runs in sh whatever the login shell and no command line limit applies.
 */
export const PROBE_COMMAND = 'sh -s';
/** Default cap on the bytes of one managed file the probe reads (1 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface ExtraFile {
  path: string;
  /** Bytes to read at most; default 64 KiB. */
  maxBytes?: number;
  /** Read the last bytes instead of the first (for logs). */
  tail?: boolean;
}

export interface ProbeInput {
  /** The managed paths: each one's existence, type, mode, owner, group and content. */
  paths: string[];
  /** The agent's package. */
  packageName: string;
  /** The agent's service: its SysV name (Amazon Linux 1) and its systemd unit (Amazon Linux 2 and 2023). */
  services: { amzn1: string; amzn2: string };
  /** Folders whose entries are listed (names and kinds, no content): `HostFacts.dirs`. */
  dirs?: string[];
  /** A user whose uid and groups are read (`HostFacts.runAs`); the log files' matches are tried for reading as it. */
  runAs?: string;
  /** Files read for diagnosis only (the agent's log, its state file…): parsed into `HostFacts.extraFiles`. */
  extraFiles?: ExtraFile[];
  /** Cap on the bytes read of each managed path; default 1 MiB. */
  maxFileBytes?: number;
  /** The log sections' files (preflight, doctor): matches, rotated siblings, first lines, last 64 KiB. */
  logs?: LogProbe[];
  /**
   * Globs of the folder the agent's code lives in, one per way it is installed (`/usr/lib/python*`…): the
   * Python in the path the glob matches is the one the agent runs on. Constants of the agent module.
   */
  agentCodeDirs?: string[];
}

/**
 * `list_dir DIR I`: `@@dir I absent|present`, then `@@dirent I KIND raw:NAME|b64:NAME` for each entry (a link is
 * a link, never followed). Names of plain characters are printed as they are: no process per entry.
 */
const LIST_DIR = `list_dir() {
  if [ -L "$1" ] || [ ! -d "$1" ]; then echo "@@dir $2 absent"; return; fi
  echo "@@dir $2 present"
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    { [ -e "$e" ] || [ -L "$e" ]; } || continue
    if [ -L "$e" ]; then k=link; elif [ -f "$e" ]; then k=file; elif [ -d "$e" ]; then k=directory; else k=other; fi
    n=\${e##*/}
    case $n in *[!A-Za-z0-9._-]*) echo "@@dirent $2 $k b64:$(b64 "$n")" ;; *) echo "@@dirent $2 $k raw:$n" ;; esac
  done
}`;

/** A user name the probe may pass to `id`: what useradd accepts. */
const USER_NAME = /^(?:[a-z_][a-z0-9_-]*[$]?|\d+)$/;

/** A glob the probe may leave unquoted (so that the shell expands it): no space, quote or shell syntax. */
const SAFE_GLOB = /^\/[A-Za-z0-9/_.*-]+$/;

/**
 * The shell function that reports one path; `$1` path, `$2` index, `$3` cap, `$4` head|tail, `$5` the path in
 * base64, echoed as this script was given it (computed here, not by three processes on the host). One `stat`
 * reads the path and every folder above it (who controls it: path-guard.ts); a link, or a path another user
 * controls, is reported and not read as root: the planner refuses it; a diagnostic tail (an agent's own log) is
 * read with that user's rights. A read is `head -c` or `dd` of at most the cap, whatever the file's size says
 * (a file in /proc may say 0 and never end).
 */
const PROBE_FILE = `probe_file() {
  p=$1; i=$2; cap=$3; how=$4
  echo "@@path $i $5"
  if [ ! -e "$p" ]; then
    if [ -L "$p" ]; then echo "@@file $i dangling"; else echo "@@file $i absent"; fi
    return
  fi
  if [ -L "$p" ]; then
    if [ -f "$p" ]; then kind=file; elif [ -d "$p" ]; then kind=directory; else kind=other; fi
    st=$(stat -L -c '%a %s %U %G' -- "$p" 2>/dev/null)
    if [ -z "$st" ]; then echo "@@file $i unstatable"; return; fi
    echo "@@file $i present 1 $kind $st"
    [ $kind = file ] && { echo "@@content $i 0"; echo "@@end $i"; }
    return
  fi
  who_controls "$p"
  case $AS in root) guard=root ;; refuse) guard="refused:$(b64 "$WHY")" ;; *) guard="as:$(b64 "$WHO")" ;; esac
  if [ $WT = absent ]; then echo "@@file $i unstatable"; return; fi
  kind=$WT; [ $kind = link ] && kind=other
  echo "@@file $i present 0 $kind $(printf '%o' $WM) $WS $WU $WG $guard"
  [ $kind = file ] || return
  if [ $AS = root ] && [ -r "$p" ]; then
    echo "@@content $i 1"
    if [ "$how" = tail ] && [ "$WS" -gt "$cap" ]; then dd if="$p" bs="$cap" count=1 iflag=skip_bytes,fullblock skip=$((WS - cap)) status=none | base64
    else head -c "$cap" -- "$p" | base64; fi
  elif [ "$how" = tail ] && [ $AS != refuse ] && as_owner test -r "$p"; then
    # A diagnostic read (an agent's own log, in a folder of the user the agent runs as): with that user's rights.
    echo "@@content $i 1"
    if [ "$WS" -gt "$cap" ]; then as_owner dd if="$p" bs="$cap" count=1 iflag=skip_bytes,fullblock skip=$((WS - cap)) status=none | base64
    else as_owner head -c "$cap" -- "$p" | base64; fi
  else
    echo "@@content $i 0"
  fi
  echo "@@end $i"
}`;

/** The probe script for one host. Every path and name in it is quoted: hostile paths are safe. */
export function probeScript(input: ProbeInput): string {
  const cap = input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isInteger(cap) || cap <= 0) throw new Error(`probeScript: maxFileBytes must be a positive integer`);
  const pkg = quote(input.packageName);
  const sysd = quote(input.services.amzn2);
  const sysv = quote(input.services.amzn1);
  const lines: string[] = [
    '# awslogs-provision probe: read-only, prints @@ records',
    'LC_ALL=C; export LC_ALL',
    // sbin may be missing from a non-root PATH; appended, so that the caller's PATH still decides.
    'PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
    "NL='\n'",
    "b64() { printf '%s' \"$1\" | base64 | tr -d '\\n'; }",
    PATH_GUARD,
    PROBE_FILE,
    ...(input.dirs?.length ? [LIST_DIR] : []),
    ...(input.logs?.length ? [PROBE_LOG] : []),
    `echo '@@probe-begin ${PROBE_VERSION}'`,
    // Each process started costs the host a few ms, and a fleet's hosts may share little CPU: the probe starts as
    // few as it can (reads with the shell's own `read`, one date, no pipes to head or tr; the parser trims).
    'set -- $(date \'+%s%3N %z %Z\'); echo "@@clock $1"; echo "@@tz $2 $3"',
    // The zone's name, for its DST rules (time-zone.ts): none on a UTC host (no process), else the /etc/localtime link, else ZONE of /etc/sysconfig/clock.
    `if [ "$2 $3" = '+0000 UTC' ]; then tzz=; elif tzz=$(readlink /etc/localtime 2>/dev/null); then :; else tzz=; [ -r /etc/sysconfig/clock ] && while IFS='=' read -r tzk tzv; do [ "$tzk" = ZONE ] && tzz=$tzv; done </etc/sysconfig/clock; fi; echo "@@tz-zone $tzz"`,
    // os-release is read, not sourced: nothing of the host's is executed. The first line of each key; the parser
    // drops quotes and CRs; a missing file or key gives an empty value.
    'osid=; osver=; seen=',
    'if [ -r /etc/os-release ]; then while IFS= read -r l || [ -n "$l" ]; do case $l in',
    '  ID=*) case $seen in *i*) ;; *) seen="${seen}i"; osid=${l#ID=} ;; esac ;;',
    '  VERSION_ID=*) case $seen in *v*) ;; *) seen="${seen}v"; osver=${l#VERSION_ID=} ;; esac ;;',
    'esac; l=; done < /etc/os-release; fi',
    'echo "@@os-id $osid"; echo "@@os-version $osver"',
    'l=; [ -r /etc/system-release ] && IFS= read -r l < /etc/system-release; echo "@@system-release $l"',
    'if [ -d /run/systemd/system ]; then echo "@@init systemd"; else echo "@@init sysv"; fi',
    'if ! command -v rpm >/dev/null 2>&1; then echo "@@package no-rpm"',
    // One rpm query: its exit status says installed, its output the version (the first line, if several).
    `elif v=$(rpm -q --qf '%{VERSION}-%{RELEASE}\\n' ${pkg} 2>/dev/null); then echo "@@package installed \${v%%\${NL}*}"`,
    'else echo "@@package absent"; fi',
    // systemd (amzn2): the words systemctl prints (one line each for one unit); sysv (amzn1): service status code
    // and boot links.
    // One systemctl for both (a not-found unit: ActiveState=inactive, UnitFileState empty, as is-active and
    // is-enabled would say).
    'if command -v systemctl >/dev/null 2>&1; then',
    `  sa=; se=; for l in $(systemctl show -p ActiveState -p UnitFileState -- ${sysd} 2>/dev/null); do`,
    '    case $l in ActiveState=*) sa=${l#*=} ;; UnitFileState=*) se=${l#*=} ;; esac',
    '  done',
    '  echo "@@systemd-active $sa"; echo "@@systemd-enabled $se"',
    'fi',
    // The sysv facts only count on a host that systemd did not boot (parseFacts; Amazon Linux 1 never is): where it
    // did, `service … status` would only ask systemd again, through `systemctl status` and its journal read, the
    // probe's dearest command.
    'if [ ! -d /run/systemd/system ]; then',
    `  if command -v service >/dev/null 2>&1; then service ${sysv} status >/dev/null 2>&1; echo "@@sysv-status $?"`,
    `  elif [ -x /etc/init.d/${sysv} ]; then /etc/init.d/${sysv} status >/dev/null 2>&1; echo "@@sysv-status $?"`,
    '  fi',
    `  if command -v chkconfig >/dev/null 2>&1; then c=$(chkconfig --list ${sysv} 2>/dev/null); echo "@@sysv-chkconfig \${c%%\${NL}*}"; fi`,
    'fi',
    `rc3=0; for d in /etc/rc3.d /etc/rc.d/rc3.d; do for l in "$d"/S[0-9][0-9]${sysv}; do [ -e "$l" ] && rc3=1; done; done; echo "@@sysv-rc3 $rc3"`,
    // The UTS namespace's name, as hostname(1) prints it, without starting it.
    'h=; [ -r /proc/sys/kernel/hostname ] && read -r h < /proc/sys/kernel/hostname; [ -n "$h" ] || h=$(uname -n); echo "@@hostname $h"',
    // The primary IPv4: the first IPv4 of hostname -I, else the kernel's route lookup (no packet is sent; 192.0.2.1 is
    // TEST-NET-1, RFC 5737), else the first global address.
    'ip4=; for a in $(hostname -I 2>/dev/null); do case $a in *[!0-9.]*|.*|*.|*..*) ;; *.*.*.*) ip4=$a; break ;; esac; done',
    '[ -n "$ip4" ] || ip4=$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n \'s/.* src \\([0-9.]*\\).*/\\1/p\' | head -n 1)',
    '[ -n "$ip4" ] || ip4=$(ip -4 -o addr show scope global 2>/dev/null | awk \'{print $4}\' | cut -d/ -f1 | head -n 1)',
    'echo "@@ip $ip4"',
    // What the agent's {ip_address} is: gethostbyname(gethostname()) (files, then DNS; loopback where /etc/hosts says).
    'if r=$(getent ahostsv4 "$h" 2>/dev/null); then for a in $r; do echo "@@ip-of-hostname $a"; break; done; fi',
    // The instance id from cloud-init's cache, else the DMI asset tag (Nitro); never a metadata address.
    'l=; if [ -s /var/lib/cloud/data/instance-id ]; then read -r l < /var/lib/cloud/data/instance-id; echo "@@instance-id cloud $l"',
    'elif [ -r /sys/devices/virtual/dmi/id/board_asset_tag ]; then read -r l < /sys/devices/virtual/dmi/id/board_asset_tag; echo "@@instance-id dmi $l"',
    'fi',
  ];
  const b64 = (p: string) => Buffer.from(p, 'utf8').toString('base64');
  input.paths.forEach((p, i) => lines.push(`probe_file ${quote(p)} ${i} ${cap} head ${b64(p)}`));
  (input.extraFiles ?? []).forEach((f, i) => {
    const max = f.maxBytes ?? 64 * 1024;
    if (!Number.isInteger(max) || max <= 0) throw new Error(`probeScript: maxBytes of ${f.path} must be positive`);
    lines.push(`probe_file ${quote(f.path)} x${i} ${max} ${f.tail ? 'tail' : 'head'} ${b64(f.path)}`);
  });
  const dirs = input.agentCodeDirs ?? [];
  if (dirs.some((d) => !SAFE_GLOB.test(d))) throw new Error('probeScript: agentCodeDirs must be plain globs');
  // Expanded by the shell's own glob: no process. The first match names the agent's Python.
  if (dirs.length) lines.push(`for d in ${dirs.join(' ')}; do [ -d "$d" ] && echo "@@agent-code $d" && break; done`);
  (input.dirs ?? []).forEach((d, i) => lines.push(`list_dir ${quote(d)} ${i}`));
  if (input.runAs !== undefined) {
    if (!USER_NAME.test(input.runAs)) throw new Error('probeScript: runAs must be a user name');
    // The user's ids: the log files' matches are then tried for reading with exactly them (probe_log's RUNAS).
    lines.push(
      `RUNAS=; if ru=$(id -u ${input.runAs} 2>/dev/null) && rg=$(id -G ${input.runAs} 2>/dev/null); then echo "@@runas ${input.runAs} $ru $rg"; set -- $rg; RUNAS="$ru:$1:$(IFS=,; echo "$*")"; else echo "@@runas ${input.runAs} missing"; fi`,
    );
  }
  lines.push(...probeLogLines(input.logs ?? []));
  lines.push("echo '@@probe-end'");
  return lines.join('\n') + '\n';
}

/** The probe's output could not be understood: truncated, from another script, or not a probe at all. */
export class ProbeOutputError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(
      line === undefined ? `malformed probe output: ${message}` : `malformed probe output, line ${line}: ${message}`,
    );
    this.name = 'ProbeOutputError';
  }
}

/** Amazon Linux 1, 2 or 2023 from os-release, or from /etc/system-release when os-release says nothing. */
export function osFlavour(id: string, version: string, systemRelease: string): OsFlavour | 'unknown' {
  if (id === 'amzn') {
    if (version === '2') return 'amzn2';
    if (version === '2023') return 'amzn2023';
    if (/^20[01]\d\.\d\d$/.test(version)) return 'amzn1';
    return 'unknown';
  }
  if (id === '') {
    if (/^Amazon Linux AMI release /.test(systemRelease)) return 'amzn1';
    if (/^Amazon Linux (release )?2( |$)/.test(systemRelease)) return 'amzn2';
    if (/^Amazon Linux release 2023[. ]/.test(systemRelease)) return 'amzn2023';
  }
  return 'unknown';
}

interface RawFile {
  path?: string;
  status?: 'absent' | 'dangling' | 'unstatable' | 'present';
  link?: boolean;
  kind?: 'file' | 'directory' | 'other';
  mode?: number;
  size?: number;
  owner?: string;
  group?: string;
  /** Who controls the path (parseGuard). */
  guard?: string;
  readable?: boolean;
  base64?: string[];
  closed?: boolean;
}

const SINGLE_KEYS = [
  'clock',
  'os-id',
  'os-version',
  'system-release',
  'init',
  'package',
  'systemd-active',
  'systemd-enabled',
  'sysv-status',
  'sysv-chkconfig',
  'sysv-rc3',
  'hostname',
  'ip',
  'instance-id',
  'tz',
  'tz-zone',
  'agent-code',
  'ip-of-hostname',
] as const;
type SingleKey = (typeof SINGLE_KEYS)[number];
const REQUIRED: SingleKey[] = ['clock', 'os-id', 'os-version', 'init', 'package', 'hostname', 'ip', 'sysv-rc3'];

/**
 * Parse the probe's stdout for the given managed paths (the same list, in the same order, as given to
 * probeScript). Lines before `@@probe-begin` are ignored (a login banner); anything malformed after it
 * throws a ProbeOutputError that says what and where.
 */
export function parseFacts(
  stdout: string,
  paths: string[],
  extraFiles: ExtraFile[] = [],
  logs: LogProbe[] = [],
  dirs: string[] = [],
): HostFacts {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const begin = lines.findIndex((l) => l.startsWith('@@probe-begin '));
  if (begin < 0) throw new ProbeOutputError('no @@probe-begin line: the probe did not run (is /bin/sh there?)');
  const version = lines[begin]!.slice('@@probe-begin '.length).trim();
  if (version !== PROBE_VERSION) throw new ProbeOutputError(`probe version ${version}, expected ${PROBE_VERSION}`);

  const values = new Map<SingleKey, string>();
  const files = new Map<string, RawFile>();
  const file = (i: string): RawFile => {
    let f = files.get(i);
    if (!f) files.set(i, (f = {}));
    return f;
  };
  let open: { index: string; lines: string[] } | undefined;
  let ended = false;
  const logRecords: { key: string; value: string }[] = [];
  const dirRecords: string[] = [];
  let runAs: string | undefined;

  for (let n = begin + 1; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    const at = n + 1;
    if (open) {
      if (line === `@@end ${open.index}`) {
        file(open.index).closed = true;
        open = undefined;
      } else if (/^[A-Za-z0-9+/=]*$/.test(line)) {
        open.lines.push(line);
      } else {
        throw new ProbeOutputError(`expected base64 content or @@end ${open.index}, found ${JSON.stringify(line)}`, at);
      }
      continue;
    }
    if (line === '@@probe-end') {
      ended = true;
      break;
    }
    const m = /^@@([a-z0-9-]+)(?: (.*))?$/.exec(line);
    if (!m) throw new ProbeOutputError(`not a probe record: ${JSON.stringify(line)}`, at);
    const key = m[1]!;
    const value = m[2] ?? '';
    if ((SINGLE_KEYS as readonly string[]).includes(key)) {
      values.set(key as SingleKey, value.trim());
    } else if (key === 'path') {
      const [i, b64 = ''] = value.split(' ');
      file(i!).path = Buffer.from(b64, 'base64').toString('utf8');
    } else if (key === 'file') {
      const [i, status, link, kind, mode, size, owner, group, guard = 'root'] = value.split(' ');
      const f = file(i!);
      if (status === 'absent' || status === 'dangling' || status === 'unstatable') {
        f.status = status;
      } else if (
        status === 'present' &&
        (link === '0' || link === '1') &&
        (kind === 'file' || kind === 'directory' || kind === 'other') &&
        /^[0-7]{1,4}$/.test(mode ?? '') &&
        /^\d+$/.test(size ?? '') &&
        owner &&
        group
      ) {
        Object.assign(f, {
          status,
          link: link === '1',
          kind,
          mode: parseInt(mode!, 8),
          size: Number(size),
          owner,
          group,
          guard,
        });
      } else {
        throw new ProbeOutputError(`bad file record: ${JSON.stringify(line)}`, at);
      }
    } else if (key === 'content') {
      const [i, readable] = value.split(' ');
      if (!i || (readable !== '0' && readable !== '1')) {
        throw new ProbeOutputError(`bad content record: ${JSON.stringify(line)}`, at);
      }
      const f = file(i);
      f.readable = readable === '1';
      f.base64 = [];
      open = { index: i, lines: f.base64 };
    } else if (key === 'dir' || key === 'dirent') {
      dirRecords.push(value);
    } else if (key === 'runas') {
      runAs = value;
    } else if (key === 'log' || key === 'logfile' || key === 'loghead' || key === 'logreadas') {
      logRecords.push({ key, value });
    } else {
      // A record this parser does not know: a newer probe. Ignored, so that the two may evolve apart.
    }
  }
  if (open) throw new ProbeOutputError(`content of file ${open.index} not closed: output truncated?`);
  if (!ended) throw new ProbeOutputError('no @@probe-end line: output truncated or the probe failed midway');
  const missing = REQUIRED.filter((k) => !values.has(k));
  if (missing.length) throw new ProbeOutputError(`missing ${missing.map((k) => `@@${k}`).join(', ')}`);
  const get = (k: SingleKey): string => values.get(k) ?? '';

  const toFact = (index: string, expected: string): FileFact => {
    const f = files.get(index);
    if (!f || !f.status) throw new ProbeOutputError(`no record for ${JSON.stringify(expected)} (file ${index})`);
    if (f.path !== expected) {
      throw new ProbeOutputError(
        `file ${index} is ${JSON.stringify(f.path)}, expected ${JSON.stringify(expected)}: output of another probe?`,
      );
    }
    if (f.status === 'absent' || f.status === 'dangling') return { exists: false };
    if (f.status === 'unstatable') throw new ProbeOutputError(`could not stat ${JSON.stringify(expected)}`);
    const fact: FileFact = {
      exists: true,
      content: '',
      mode: f.mode!,
      owner: f.owner!,
      group: f.group!,
      size: f.size!,
    };
    if (f.link) fact.isSymlink = true;
    const guard = parseGuard(f.guard ?? 'root');
    if (guard.readAs) fact.controlledBy = `${guard.readAs} controls it`;
    if (guard.refused) fact.controlledBy = guard.refused;
    if (f.kind !== 'file') {
      fact.kind = f.kind!;
      return fact;
    }
    if (f.readable === undefined || !f.closed) throw new ProbeOutputError(`no content for ${JSON.stringify(expected)}`);
    if (!f.readable) {
      fact.unreadable = true;
      return fact;
    }
    const bytes = Buffer.from(f.base64!.join(''), 'base64');
    fact.content = bytes.toString('utf8');
    // Fewer bytes came back than the file holds: the probe's cap cut it.
    if (bytes.length < f.size!) fact.truncated = true;
    else fact.sha256 = createHash('sha256').update(bytes).digest('hex');
    return fact;
  };

  const factsFiles: Record<string, FileFact> = {};
  paths.forEach((p, i) => (factsFiles[p] = toFact(String(i), p)));

  // The probe prints these as the files hold them: os-release's quotes and any CR are dropped here.
  const unquoted = (k: SingleKey) => get(k).replace(/["'\r]/g, '');
  const id = unquoted('os-id');
  const osVersion = unquoted('os-version');
  const flavour = osFlavour(id, osVersion, get('system-release').replace(/\r/g, ''));
  const init = get('init');
  if (init !== 'systemd' && init !== 'sysv') throw new ProbeOutputError(`init is ${JSON.stringify(init)}`);

  const pkg = get('package');
  const packageFact: HostFacts['package'] = pkg.startsWith('installed ')
    ? { installed: true, version: pkg.slice('installed '.length).trim() }
    : { installed: false };
  if (!pkg.startsWith('installed ') && pkg !== 'absent' && pkg !== 'no-rpm') {
    throw new ProbeOutputError(`package is ${JSON.stringify(pkg)}`);
  }

  // amzn2 and amzn2023 drive the service with systemctl, amzn1 with service/chkconfig; an unknown OS by its init.
  const useSystemd = flavour === 'amzn2' || flavour === 'amzn2023' || (flavour === 'unknown' && init === 'systemd');
  const service = useSystemd
    ? {
        active: get('systemd-active') === 'active',
        enabled: ['enabled', 'enabled-runtime', 'alias'].includes(get('systemd-enabled')),
      }
    : {
        active: get('sysv-status') === '0',
        enabled: values.has('sysv-chkconfig') ? /\b3:on\b/.test(get('sysv-chkconfig')) : get('sysv-rc3') === '1',
      };

  const clockText = get('clock');
  let clockMs: number;
  if (/^\d{13}$/.test(clockText)) clockMs = Number(clockText);
  else if (/^\d{10}(\D.*)?$/.test(clockText))
    clockMs = Number(clockText.slice(0, 10)) * 1000; // a date without %N
  else throw new ProbeOutputError(`clock is ${JSON.stringify(clockText)}`);

  const hostname = get('hostname');
  if (!hostname) throw new ProbeOutputError('empty hostname');

  const facts: HostFacts = {
    os: { id, version: osVersion, flavour },
    init,
    package: packageFact,
    files: factsFiles,
    service,
    hostname,
    ipAddress: get('ip'),
    clockMs,
  };
  const [source, ...rest] = get('instance-id').split(' ');
  const instanceId = rest.join('').replace(/[\r\s]/g, '');
  if (instanceId && (source === 'cloud' || (source === 'dmi' && /^i-[0-9a-f]{8,17}$/.test(instanceId)))) {
    facts.instanceId = instanceId;
  }
  const tz = /^([+-])(\d\d)(\d\d)(?: (\S+))?$/.exec(get('tz'));
  if (tz) {
    facts.utcOffsetMinutes = (tz[1] === '-' ? -1 : 1) * (Number(tz[2]) * 60 + Number(tz[3]));
    if (tz[4]) facts.timeZoneName = tz[4];
  }
  const ipOfHostname = get('ip-of-hostname');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ipOfHostname)) facts.hostnameAddress = ipOfHostname;
  const agentCode = get('agent-code');
  const python = /\/python(\d+(?:\.\d+)?)\//.exec(agentCode + '/')?.[1];
  if (agentCode && python) facts.agentPython = { version: python, path: agentCode };
  const zone = zoneFromProbe(get('tz-zone'));
  if (zone) facts.timeZoneId = zone;
  if (logs.length) facts.logs = parseLogSections(logs, logRecords, files as Map<string, RawBlock>);
  if (dirs.length) facts.dirs = parseDirs(dirs, dirRecords);
  if (runAs !== undefined) {
    const [name = '', uid, ...gids] = runAs.split(' ');
    if (uid === 'missing') facts.runAs = { name, missing: true };
    else if (/^\d+$/.test(uid ?? '') && gids.every((g) => /^\d+$/.test(g)))
      facts.runAs = { name, uid: Number(uid), gids: gids.map(Number) };
  }
  if (extraFiles.length) {
    facts.extraFiles = {};
    extraFiles.forEach((x, i) => (facts.extraFiles![x.path] = toFact(`x${i}`, x.path)));
  }
  return facts;
}

/** The listed folders: absent ones are left out; each entry's name decoded. */
function parseDirs(dirs: string[], records: string[]): Record<string, DirEntry[]> {
  const out: Record<string, DirEntry[]> = {};
  for (const value of records) {
    const [i = '', what = '', name = ''] = value.split(' ');
    const dir = dirs[Number(i)];
    if (dir === undefined || !/^\d+$/.test(i)) continue;
    if (what === 'present') out[dir] ??= [];
    else if (['file', 'directory', 'link', 'other'].includes(what)) {
      const decoded = name.startsWith('b64:')
        ? Buffer.from(name.slice(4), 'base64').toString('utf8')
        : name.startsWith('raw:')
          ? name.slice(4)
          : undefined;
      if (decoded !== undefined) (out[dir] ??= []).push({ name: decoded, kind: what as DirEntry['kind'] });
    }
  }
  return out;
}
