// The CloudWatch agent's own log (logs/amazon-cloudwatch-agent.log), classified into the faults the doctor names.
// Lines are `2026-11-25T10:00:00Z E! [plugin] message` (E! error, W! warning, I! info, D! debug). A fault is current
// when it was seen since the agent last started ("Starting AmazonCloudWatchAgent"), else history. Pure.

export type CloudWatchAgentLogFaultName =
  | 'credentials-denied'
  | 'credentials-missing'
  | 'unreadable-as-user'
  | 'file-not-found'
  | 'out-of-time-range'
  | 'retries-dropped'
  | 'timestamp-fallback'
  | 'file-truncated';

interface Rule {
  name: CloudWatchAgentLogFaultName;
  pattern: RegExp;
  what: string;
  /** The group of `pattern` that names what it is about (a file, a group/stream). */
  about?: number;
}

/** First match wins: the more specific rules come first. */
const RULES: Rule[] = [
  {
    name: 'out-of-time-range',
    pattern:
      /The log entry in \((.+?)\) with timestamp \(.*\) comparing to the current time \(.*\) is out of accepted time range/,
    what: 'events discarded on the host: out of the accepted time range (more than 14 days old or 2 hours ahead)',
    about: 1,
  },
  {
    name: 'unreadable-as-user',
    pattern: /Failed to tail file (.+?) with error: open .*: permission denied/,
    what: 'a file the agent may not read (permission denied): nothing is sent from it',
    about: 1,
  },
  {
    name: 'file-not-found',
    pattern:
      /Stopping tail as file no longer exists: (.+)$|Failed to tail file (.+?) with error: open .*: no such file/,
    what: 'a file the agent tailed is gone',
    about: 1,
  },
  {
    name: 'retries-dropped',
    pattern: /All \d+ retries to (.+?) failed for PutLogEvents, request dropped/,
    what: 'batches dropped after their retries failed: those events never arrive',
    about: 1,
  },
  {
    name: 'credentials-denied',
    pattern:
      /AccessDenied(?:Exception)?|UnrecognizedClientException|InvalidSignatureException|SignatureDoesNotMatch|InvalidClientTokenId|ExpiredToken|is not authorized to perform/,
    what: 'CloudWatch Logs refuses the agent (access denied)',
  },
  {
    name: 'credentials-missing',
    pattern: /NoCredentialProviders|no valid providers in chain/,
    what: 'the agent finds no credentials',
  },
  {
    name: 'timestamp-fallback',
    pattern: /Unable to parse timestamp, using last valid timestamp.*: (\S+)$/,
    what: 'lines whose timestamp_format does not match: stamped with the last valid timestamp, else the time they were read',
    about: 1,
  },
  {
    name: 'file-truncated',
    pattern: /Re-opening truncated file (\S+)/,
    what: 'a file was truncated under the agent (lines around it may be lost or sent twice)',
    about: 1,
  },
];

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ([EWID])! (.*)$/;
const STARTED = /Starting AmazonCloudWatchAgent/;

export interface CloudWatchAgentLogFault {
  fault: CloudWatchAgentLogFaultName;
  what: string;
  count: number;
  lastMs?: number;
  /** Seen since the agent last started. */
  current: boolean;
  sample: string;
  /** What the lines are about: files, or group/stream names. */
  about: string[];
}

/** The log's last bytes → its faults, in the order first seen; `truncated`: the first line may be cut. */
export function classifyAgentLog(text: string, truncated: boolean): CloudWatchAgentLogFault[] {
  const lines = text.split('\n');
  if (truncated) lines.shift();
  let startIndex = -1;
  lines.forEach((l, i) => {
    if (STARTED.test(l)) startIndex = i;
  });
  const found = new Map<CloudWatchAgentLogFaultName, CloudWatchAgentLogFault>();
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const m = LINE.exec(line);
    if (!m) return;
    const message = m[3]!;
    const rule = RULES.find((r) => r.pattern.test(message));
    if (!rule) return;
    const match = rule.pattern.exec(message)!;
    const about = rule.about !== undefined ? (match[rule.about] ?? match[rule.about + 1]) : undefined;
    const at = Date.parse(m[1]!);
    let fault = found.get(rule.name);
    if (!fault) {
      fault = { fault: rule.name, what: rule.what, count: 0, current: false, sample: line, about: [] };
      found.set(rule.name, fault);
    }
    fault.count += 1;
    fault.sample = line;
    if (!Number.isNaN(at)) fault.lastMs = at;
    if (i > startIndex) fault.current = true;
    if (about && !fault.about.includes(about)) fault.about.push(about);
  });
  return [...found.values()];
}
