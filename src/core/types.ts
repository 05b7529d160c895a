// Pure domain types shared by every layer. No I/O, no adapters.

/** The OS flavours the tool knows how to drive. */
export type OsFlavour = 'amzn1' | 'amzn2' | 'amzn2023';

/** A file the host must have, exactly. */
export interface DesiredFile {
  path: string;
  content: string;
  /** Octal permission bits, e.g. 0o600. */
  mode: number;
  owner: string;
  group: string;
  /** Values that must never be shown: masked in diffs and output. */
  secrets: string[];
  /**
   * The file holds credentials: its content is masked by content wherever it is shown (maskSecretFileLines),
   * so that a secret the tool does not know (an old key commented out on the host) never shows either.
   */
  holdsSecrets?: boolean;
  /** Restart the service when this file changes. */
  notifies: boolean;
  /** The file may hold credentials (whatever the tool writes there): it must not be readable by other users. */
  credentials?: boolean;
}

export interface DesiredPackage {
  name: string;
}

export interface DesiredService {
  /** The service's name (its systemd unit, or its SysV script). */
  name: string;
  /** The name on a given flavour when it differs from `name` (an agent packaged differently there). */
  names?: Partial<Record<OsFlavour, string>>;
  running: boolean;
  enabled: boolean;
}

/**
 * A command that installs what the files hold where the agent reads it (the CloudWatch agent's `fetch-config`,
 * which validates a config with the agent's own rules before it replaces anything). It runs when a file it
 * installs changes, or when what the agent reads is not what it would install; its exit status is the
 * agent's verdict (non-zero: refused, with its output as the reason).
 */
export interface DesiredCommand {
  /** What it does, for the report: `install the agent's configuration (fetch-config)`. */
  name: string;
  command: string;
  /** Run when any of these managed files changes (is created or updated). */
  after: string[];
  /** Run when one of these files on the host (probed as managed paths) does not hold exactly this content. */
  expect: { path: string; content: string }[];
  /** Run when this folder (probed, see HostFacts.dirs) holds any entry besides these names. */
  only?: { dir: string; names: string[] };
  /** Paths the command may write or remove: kept as before-images, put back by an undo and by rollback. */
  writes: string[];
  /** Folders whose every file the command may replace or remove: each kept the same way. */
  writesIn: string[];
  /** The command (re)starts the service itself: a notified restart needs no restart of its own. */
  restartsService: boolean;
}

/** What a host must look like once the tool is done with it. */
export interface DesiredState {
  package: DesiredPackage;
  files: DesiredFile[];
  /** Run after the files, before the service, in this order. */
  commands?: DesiredCommand[];
  service: DesiredService;
}

/** An entry of a folder the probe listed. */
export interface DirEntry {
  name: string;
  kind: 'file' | 'directory' | 'link' | 'other';
}

/** What is on a managed path now. */
export type FileFact =
  | { exists: false }
  | {
      exists: true;
      content: string;
      mode: number;
      owner: string;
      group: string;
      isSymlink?: boolean;
      /** Set when the path is not a regular file (content is then empty). */
      kind?: 'directory' | 'other';
      /** The file is larger than the probe reads: `content` holds only its first (or, for a tail, last) bytes. */
      truncated?: boolean;
      /** Size in bytes, when the probe reported it. */
      size?: number;
      /** The probe could not read the content (permissions): `content` is empty. */
      unreadable?: boolean;
      /** sha256 (hex) of the whole file's bytes as the probe read them; absent when truncated or unreadable. */
      sha256?: string;
      /**
       * Someone besides root controls the path (owns it or a folder above, or may write that folder): who, or
       * why not; the probe did not read it, and nothing is written there.
       */
      controlledBy?: string;
    };

/** Everything the planner needs to know about a host, gathered in one probe. */
export interface HostFacts {
  os: { id: string; version: string; flavour: OsFlavour | 'unknown' };
  init: 'systemd' | 'sysv';
  package: { installed: boolean; version?: string };
  files: Record<string, FileFact>;
  service: { active: boolean; enabled: boolean };
  hostname: string;
  ipAddress: string;
  instanceId?: string;
  /** The host's clock when the probe ran, epoch ms. */
  clockMs: number;
  /** Files read for diagnosis only (e.g. the agent's log), by path; see probeScript's extraFiles. */
  extraFiles?: Record<string, FileFact>;
  /** Folders listed by the probe (their entries, no content), by path; absent: the folder does not exist. */
  dirs?: Record<string, DirEntry[]>;
  /** The host's UTC offset when the probe ran, minutes east of UTC (`date +%z`). */
  utcOffsetMinutes?: number;
  /** The host's zone abbreviation (`date +%Z`), e.g. UTC or KST. */
  timeZoneName?: string;
  /** The host's IANA zone (its /etc/localtime link or /etc/sysconfig/clock), e.g. Asia/Seoul, when it names one. */
  timeZoneId?: string;
  /** The configured log files, one entry per log section in the spec's order (when the probe was asked). */
  logs?: LogSectionFacts[];
  /** gethostbyname(gethostname()): what the agent's {ip_address} is, when the host's name resolves. */
  hostnameAddress?: string;
  /** The Python the installed agent runs on (from where its code is), when the probe found it. */
  agentPython?: { version: string; path: string };
  /** The user an agent runs as (agent.run_as_user), when the probe was asked: its ids and groups. */
  runAs?: { name: string; uid: number; gids: number[] } | { name: string; missing: true };
}

export interface LogFileFact {
  path: string;
  /** A match of the pattern (what the agent sees) or a rotated sibling of a plain path. */
  role: 'match' | 'rotated';
  readable: boolean;
  kind: 'file' | 'directory' | 'other';
  mtimeMs: number;
  size: number;
  compressed: boolean;
  /** The first `fingerprintEnd` lines (at most 8 KiB), for the two newest uncompressed files. */
  head?: string;
  /**
   * Someone besides root controls the path (a link or a folder on it is theirs): the file was looked at and
   * read with their rights, never root's; who, e.g. `mallory (uid 1002, owner of /var/log/app)`.
   */
  readAs?: string;
  /** Why the probe did not look at the file at all (in /proc, or in a folder other users may write). */
  refused?: string;
  /** Whether the user the agent runs as may read it, asked of the kernel on the host (when the probe was told one). */
  readableAsAgent?: boolean;
}

export interface LogSectionFacts {
  pattern: string;
  /** Newest first: matches, then rotated siblings. */
  files: LogFileFact[];
  /** The end of the newest uncompressed match: its path, text, and whether the file is longer than that. */
  tail?: { path: string; text: string; truncated: boolean; bytes?: Buffer };
}

/** One change the apply will make; a union on `kind`. */
export type Change =
  | { kind: 'package'; action: 'install'; name: string; summary: string; command: string }
  | {
      kind: 'file';
      action: 'create' | 'update' | 'mode' | 'owner';
      path: string;
      summary: string;
      /** Unified diff with secrets masked; empty when only metadata changes. */
      diff: string;
      desired: DesiredFile;
      notifies: boolean;
      /**
       * What the path held when the facts were read: the sha256 (hex) of its bytes, or `absent`. The host script
       * refuses to write when it finds anything else under the host lock (another run or a hand edit came
       * between). Unset when the probe did not read the whole file.
       */
      expectedSha256?: string;
    }
  | {
      kind: 'service';
      action: 'start' | 'enable' | 'restart';
      name: string;
      summary: string;
      command: string;
    }
  | {
      kind: 'command';
      action: 'run';
      /** The desired command's name. */
      name: string;
      summary: string;
      command: string;
      /** What the agent reads now against what the command installs (a unified diff), when it differs. */
      diff?: string;
      writes: string[];
      writesIn: string[];
      restartsService: boolean;
    };

/**
 * The result of one operation: changes, or a no-op with its reason (as pyinfra does). `refusals` says what the
 * operation will not touch and why (a managed path that is a symlink); a host with a refusal fails.
 */
export type StepOutcome = ({ changes: Change[] } | { changes: []; noop: string }) & { refusals?: string[] };

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable';
