// The agent's own log (/var/log/awslogs.log), classified into the known faults. Lines are Python logging's
// `%(asctime)s - %(name)s - %(levelname)s - %(process)d - %(threadName)s - %(message)s`, asctime in the
// host's local time (read with its zone's rules when known, see local-time.ts). Pure.
import { fixedOffset, type LocalTime } from './local-time.js';

export type LogFaultName =
  | 'future'
  | 'past'
  | 'credentials-missing'
  | 'credentials-denied'
  | 'region-endpoint'
  | 'file-not-found'
  | 'throttling'
  | 'datetime-format'
  | 'fallback-time';

interface Rule {
  name: LogFaultName;
  pattern: RegExp;
  what: string;
}

/** First match wins: the more specific rules come first. */
const RULES: Rule[] = [
  {
    name: 'future',
    pattern: /Skip event: .*reason: timestamp is more than 2 hours in future/,
    what: 'events skipped: timestamp more than 2 hours in future',
  },
  {
    name: 'past',
    pattern: /Skip event: .*reason: timestamp is more than 14 days in past/,
    what: 'events skipped: timestamp more than 14 days in past',
  },
  {
    name: 'credentials-missing',
    pattern: /Unable to locate credentials|NoCredentialsError|Partial credentials found/,
    what: 'no AWS credentials found',
  },
  {
    name: 'credentials-denied',
    pattern:
      /\((AccessDenied|AccessDeniedException|UnrecognizedClientException|InvalidSignatureException|SignatureDoesNotMatch|InvalidClientTokenId|ExpiredToken|ExpiredTokenException|IncompleteSignature)\)|is not authorized to perform/,
    what: 'AWS credentials refused',
  },
  {
    name: 'region-endpoint',
    pattern: /Could not connect to the endpoint URL|You must specify a region|EndpointConnectionError|Invalid endpoint/,
    what: 'region or endpoint wrong or unreachable',
  },
  {
    name: 'throttling',
    pattern:
      /\((ThrottlingException|Throttling|TooManyRequestsException|ServiceUnavailableException|LimitExceededException)\)|Rate exceeded/,
    what: 'calls throttled by CloudWatch Logs',
  },
  {
    name: 'file-not-found',
    pattern: /No file is found with given path '(.*)'\./,
    what: 'a configured file is not found',
  },
  {
    name: 'datetime-format',
    pattern: /The datetime format \((.*)\) is invalid/,
    what: 'datetime_format refused by the agent',
  },
  {
    name: 'fallback-time',
    pattern: /Fall back to (current|previous event) time: /,
    what: 'timestamps that do not parse (fall back to another time)',
  },
];

export interface AgentLogLine {
  /** Epoch ms of the line (asctime read in the host's zone), when it has one. */
  atMs?: number;
  logger?: string;
  level?: string;
  thread?: string;
  message: string;
  raw: string;
}

export interface SkippedEvent {
  timestampMs: number;
  start: number;
  end: number;
  /** When the agent logged the skip (its clock), epoch ms. */
  atMs?: number;
  /** The source id of the reader that skipped it, when the log says which reader that was. */
  sourceId?: string;
}

export interface LogFault {
  fault: LogFaultName;
  what: string;
  count: number;
  /** Seen since the agent last started (else only in older lines). */
  current: boolean;
  firstMs?: number;
  lastMs?: number;
  /** The latest line of this fault, as written. */
  sample: string;
  /** `future`/`past`: the skipped events. */
  skipped?: SkippedEvent[];
  /** `file-not-found`: the paths. */
  paths?: string[];
}

const LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) - (\S+) - ([A-Z]+) - \d+ - (\S+) - (.*)$/;
/** The stream announces a reader; the reader's first line (its own thread) follows. */
const STARTING_READER = /^Starting reader for \[([0-9a-f]{32}), /;
const SKIP = /Skip event: \{'timestamp': (\d+), 'start_position': (\d+), 'end_position': (\d+)\}/;
/** A line the agent writes once at every start. */
const START = /^Using default logging configuration\.|^Loading additional configs from|Starting publisher for/;

/** `local`: the host's local time, or its UTC offset in minutes east. */
export function parseAgentLogLine(raw: string, local: LocalTime | number): AgentLogLine {
  const m = LINE.exec(raw);
  if (!m) return { message: raw, raw };
  const [, y, mo, d, h, mi, s, ms, logger, level, thread, message] = m;
  const zone = typeof local === 'number' ? fixedOffset(local) : local;
  const atMs = zone.toEpochMs(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms)),
  );
  return { atMs, logger: logger!, level: level!, thread: thread!, message: message!, raw };
}

/** The faults of the log's last lines, most recent first. `text` may start mid-line (a tail). */
export function classifyAgentLog(text: string, local: LocalTime | number, truncated = false): LogFault[] {
  const raws = text.split('\n').filter((l) => l.trim() !== '');
  if (truncated) raws.shift();
  const zone = typeof local === 'number' ? fixedOffset(local) : local;
  const lines = raws.map((r) => parseAgentLogLine(r, zone));
  let lastStart = -1;
  lines.forEach((l, i) => {
    if (l.logger === 'cwlogs.push' && START.test(l.message)) lastStart = i;
  });
  const faults = new Map<LogFaultName, LogFault>();
  // Reader threads → the source id they read, from "Starting reader for [id, file]" and the next new
  // reader thread's first line.
  const sources = new Map<string, string>();
  let announced: string | undefined;
  lines.forEach((line, i) => {
    const starting = STARTING_READER.exec(line.message);
    if (starting) announced = starting[1];
    else if (announced && line.logger === 'cwlogs.push.reader' && line.thread && !sources.has(line.thread)) {
      sources.set(line.thread, announced);
      announced = undefined;
    }
    const rule = RULES.find((r) => r.pattern.test(line.message));
    if (!rule) return;
    let f = faults.get(rule.name);
    if (!f) {
      f = { fault: rule.name, what: rule.what, count: 0, current: false, sample: line.raw };
      if (line.atMs !== undefined) f.firstMs = line.atMs;
      faults.set(rule.name, f);
    }
    f.count += 1;
    f.sample = line.raw;
    if (line.atMs !== undefined) f.lastMs = line.atMs;
    if (i > lastStart) f.current = true;
    if (rule.name === 'future' || rule.name === 'past') {
      const s = SKIP.exec(line.message);
      if (s) {
        (f.skipped ??= []).push({
          timestampMs: Number(s[1]),
          start: Number(s[2]),
          end: Number(s[3]),
          ...(line.atMs !== undefined ? { atMs: line.atMs } : {}),
          ...(line.thread && sources.has(line.thread) ? { sourceId: sources.get(line.thread)! } : {}),
        });
      }
    }
    if (rule.name === 'file-not-found') {
      const p = rule.pattern.exec(line.message)?.[1];
      if (p && !(f.paths ??= []).includes(p)) f.paths.push(p);
    }
  });
  return [...faults.values()].sort((a, b) => (b.lastMs ?? 0) - (a.lastMs ?? 0));
}
