// The agent's own log (/var/log/awslogs.log), classified into the known faults. Records are Python logging's
// `%(asctime)s - %(name)s - %(levelname)s - %(process)d - %(threadName)s - %(message)s`, asctime in the
// host's local time (read with its zone's rules when known, see local-time.ts); lines without that prefix (a
// traceback) belong to the record before them and are counted with it, never as records of their own.
// A fault is current when it was seen since the agent last started and no accepted batch came after it; a
// send fault that a later accepted batch has superseded (the endpoint came back) is history. A publisher
// thread that died (`Exception caught in <EventBatchPublisher(…)>`) is followed until the watcher starts a
// new one. Pure.
import { fixedOffset, type LocalTime } from '../../../doctor/local-time.js';

export type LogFaultName =
  | 'future'
  | 'past'
  | 'credentials-missing'
  | 'credentials-denied'
  | 'region-endpoint'
  | 'file-not-found'
  | 'throttling'
  | 'datetime-format'
  | 'fallback-time'
  | 'dead-publisher'
  | 'refresh-failed';

interface Rule {
  name: LogFaultName;
  pattern: RegExp;
  what: string;
}

/** First match wins: the more specific rules come first. */
const RULES: Rule[] = [
  {
    name: 'dead-publisher',
    pattern: /^Exception caught in <EventBatchPublisher\((Thread-\d+)/,
    what: "a stream's publisher thread died",
  },
  {
    name: 'refresh-failed',
    pattern: /^Failed to refresh stream: (\{.*\}), reason: (.*)\.$/,
    what: 'a stream cannot start (the watcher retries every 60 s)',
  },
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
  /** Lines that followed the record without a prefix of their own (a traceback). */
  continuation?: string[];
}

/** A publisher thread that died, and what became of its stream. */
export interface DeadPublisher {
  thread: string;
  diedAtMs?: number;
  /** What its last call failed with (its `Caught exception: …`). */
  error?: string;
  /** The stream it published to, when its own lines or its reader say so. */
  group?: string;
  stream?: string;
  sourceId?: string;
  /** The stream's last accepted batch before it died. */
  lastAcceptedMs?: number;
  /** The watcher started a new publisher after it (or the agent restarted). */
  replacedAtMs?: number;
  /** A batch was accepted after it. */
  supersededAtMs?: number;
  current: boolean;
  /** Lines of its traceback (counted with the record). */
  tracebackLines: number;
}

/** A stream the watcher could not start: its file and the exception, as the agent printed them. */
export interface RefreshFailure {
  file?: string;
  reason: string;
  count: number;
  lastMs?: number;
  /** A reader started on that file after it. */
  supersededAtMs?: number;
  /** Seen since the agent last started. */
  current: boolean;
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
  /** When an accepted batch came after the fault's last line: it is history. */
  supersededAtMs?: number;
  /** `dead-publisher`: each thread. */
  publishers?: DeadPublisher[];
  /** `refresh-failed`: each file. */
  refresh?: RefreshFailure[];
}

const LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) - (\S+) - ([A-Z]+) - \d+ - (\S+) - (.*)$/;
/** The stream announces a reader; the reader's first line (its own thread) follows. */
const STARTING_READER = /^Starting reader for \[([0-9a-f]{32}), /;
const SKIP = /Skip event: \{'timestamp': (\d+), 'start_position': (\d+), 'end_position': (\d+)\}/;
/** A line the agent writes once at every start. */
const START = /^Using default logging configuration\.|^Loading additional configs from/;
/** An accepted batch, as the publisher logs it. */
const PUBLISHED = /^Log group: (.*), log stream: (.*), queue size: \d+, Publish batch: /;
const STARTING_PUBLISHER = /^Starting publisher for \[([0-9a-f]{32}), (.*)\]$/;
/** Faults of the calls to CloudWatch Logs: a later accepted batch shows they are over. */
const SEND_FAULTS = new Set<LogFaultName>([
  'credentials-missing',
  'credentials-denied',
  'region-endpoint',
  'throttling',
]);

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

/** The log's records: each prefixed line with the unprefixed lines after it. `text` may start mid-line. */
export function agentLogRecords(text: string, local: LocalTime | number, truncated = false): AgentLogLine[] {
  const raws = text.split('\n').filter((l) => l.trim() !== '');
  if (truncated) raws.shift();
  const zone = typeof local === 'number' ? fixedOffset(local) : local;
  const records: AgentLogLine[] = [];
  for (const raw of raws) {
    const line = parseAgentLogLine(raw, zone);
    const last = records.at(-1);
    if (line.atMs === undefined && last) (last.continuation ??= []).push(raw);
    else records.push(line);
  }
  return records;
}

/** The faults of the log's last lines, most recent first. `text` may start mid-line (a tail). */
export function classifyAgentLog(text: string, local: LocalTime | number, truncated = false): LogFault[] {
  const lines = agentLogRecords(text, local, truncated);
  let lastStart = -1;
  lines.forEach((l, i) => {
    if (l.logger === 'cwlogs.push' && START.test(l.message)) lastStart = i;
  });
  const faults = new Map<LogFaultName, LogFault>();
  // Reader threads → the source id they read, from "Starting reader for [id, file]" and the next new
  // reader thread's first line.
  const sources = new Map<string, string>();
  let announced: string | undefined;
  const lastIndex = new Map<LogFaultName, number>();
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
    lastIndex.set(rule.name, i);
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
  const published = lines.flatMap((l, i) =>
    l.atMs !== undefined && PUBLISHED.test(l.message) ? [{ i, atMs: l.atMs }] : [],
  );
  for (const f of faults.values()) {
    if (!SEND_FAULTS.has(f.fault)) continue;
    const after = published.find((p) => p.i > lastIndex.get(f.fault)!);
    if (after) {
      f.supersededAtMs = after.atMs;
      f.current = false;
    }
  }
  const dead = faults.get('dead-publisher');
  if (dead) {
    dead.publishers = deadPublishers(lines, lastStart, sources);
    dead.current = dead.publishers.some((p) => p.current);
  }
  const refresh = faults.get('refresh-failed');
  if (refresh) {
    refresh.refresh = refreshFailures(lines, lastStart);
    refresh.current = refresh.refresh.some((r) => r.supersededAtMs === undefined && r.current);
  }
  return [...faults.values()].sort((a, b) => (b.lastMs ?? 0) - (a.lastMs ?? 0));
}

const EXCEPTION_IN = /^Exception caught in <EventBatchPublisher\((Thread-\d+)/;
const FILE_FIELD = /'file': '((?:[^'\\]|\\.)*)'/;

/** Each publisher thread that died: its stream, how long that stream has been silent, and whether it is over. */
function deadPublishers(lines: AgentLogLine[], lastStart: number, readers: Map<string, string>): DeadPublisher[] {
  const out: DeadPublisher[] = [];
  lines.forEach((line, i) => {
    const m = EXCEPTION_IN.exec(line.message);
    if (!m) return;
    const thread = m[1]!;
    const own = lines.slice(0, i).filter((l) => l.thread === thread);
    const error = [...own]
      .reverse()
      .find((l) => /^Caught exception: /.test(l.message))
      ?.message.replace(/^Caught exception: /, '');
    const stream = [...own]
      .reverse()
      .map((l) => PUBLISHED.exec(l.message))
      .find((x) => x);
    // Without a batch of its own: the reader started right after it (the next thread) names the source.
    const next = `Thread-${Number(thread.slice('Thread-'.length)) + 1}`;
    const sourceId = readers.get(next);
    const group = stream?.[1];
    const name = stream?.[2];
    const sameStream = (l: AgentLogLine) => {
      const p = PUBLISHED.exec(l.message);
      return p !== null && (group === undefined || (p[1] === group && p[2] === name));
    };
    const lastAccepted = [...lines.slice(0, i)].reverse().find((l) => l.thread === thread && sameStream(l));
    const later = lines.slice(i + 1);
    const replaced = later.find(
      (l) =>
        (l.logger === 'cwlogs.push' && START.test(l.message)) ||
        (STARTING_PUBLISHER.test(l.message) &&
          (sourceId === undefined || STARTING_PUBLISHER.exec(l.message)![1] === sourceId)),
    );
    const superseded = group === undefined ? undefined : later.find((l) => l.thread !== thread && sameStream(l));
    out.push({
      thread,
      ...(line.atMs !== undefined ? { diedAtMs: line.atMs } : {}),
      ...(error ? { error } : {}),
      ...(group !== undefined ? { group, stream: name! } : {}),
      ...(sourceId ? { sourceId } : {}),
      ...(lastAccepted?.atMs !== undefined ? { lastAcceptedMs: lastAccepted.atMs } : {}),
      ...(replaced?.atMs !== undefined ? { replacedAtMs: replaced.atMs } : {}),
      ...(superseded?.atMs !== undefined ? { supersededAtMs: superseded.atMs } : {}),
      current: i > lastStart && replaced === undefined,
      tracebackLines: line.continuation?.length ?? 0,
    });
  });
  return out;
}

/** Each file whose stream the watcher could not start, with the agent's reason. */
function refreshFailures(lines: AgentLogLine[], lastStart: number): RefreshFailure[] {
  const byFile = new Map<string, RefreshFailure & { current: boolean; index: number }>();
  lines.forEach((line, i) => {
    const m = /^Failed to refresh stream: (\{.*\}), reason: (.*)\.$/.exec(line.message);
    if (!m) return;
    const file = FILE_FIELD.exec(m[1]!)?.[1]?.replace(/\\(.)/g, '$1');
    const key = file ?? '';
    const r = byFile.get(key) ?? {
      reason: m[2]!,
      count: 0,
      current: false,
      index: i,
      ...(file !== undefined ? { file } : {}),
    };
    r.reason = m[2]!;
    r.count += 1;
    r.index = i;
    if (line.atMs !== undefined) r.lastMs = line.atMs;
    if (i > lastStart) r.current = true;
    byFile.set(key, r);
  });
  return [...byFile.values()].map(({ index, ...r }) => {
    const started = lines
      .slice(index + 1)
      .find((l) => STARTING_READER.test(l.message) && (r.file === undefined || l.message.endsWith(`, ${r.file}]`)));
    return started?.atMs !== undefined ? { ...r, supersededAtMs: started.atMs } : r;
  });
}
