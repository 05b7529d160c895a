// The agent's whole JSON config against its schema and translator rules (logs and the agent settings that
// concern logs; metrics, traces and OpenTelemetry pass untouched), with every problem at once. Pure.
import { show, type ConfigPath } from './findings.js';
import { get, isMapping, type Checker, type Mapping } from './checker.js';
import { checkEntry, type CollectEntry } from './entry.js';
import { checkName } from './names.js';
import {
  AGENT_KEYS,
  CREDENTIALS_KEYS,
  FILES_KEYS,
  FLUSH_INTERVAL,
  LOGS_COLLECTED_KEYS,
  LOGS_KEYS,
  MAX_COLLECT_LIST,
  TOP_KEYS,
} from './schema.js';

export interface CheckedConfig {
  entries: CollectEntry[];
  region?: string;
  runAsUser?: string;
  forceFlushInterval: number;
}

const REGION = /^[a-z]{2}(?:-[a-z]+){1,2}-\d{1,2}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** A user name or a numeric uid, as run_as_user takes either. */
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
const COLLECT = ['logs', 'logs_collected', 'files', 'collect_list'] as const;

export function checkConfig(c: Checker, config: unknown): CheckedConfig | undefined {
  const f = c.findings;
  const before = f.problems.length;
  const root = c.mapping([], config, 'the agent configuration');
  if (root === undefined) return undefined;
  c.keys([], root, TOP_KEYS, 'the configuration', {}, 'warn');
  const agent = checkAgent(c, get(root, 'agent'));
  const logsValue = get(root, 'logs');
  if (logsValue === undefined) {
    f.fail(
      ['logs'],
      'the configuration has no logs section: the agent would ship no log file',
      'logs.logs_collected.files.collect_list',
    );
    return undefined;
  }
  const logs = c.mapping(['logs'], logsValue, 'logs');
  if (logs === undefined) return undefined;
  c.keys(['logs'], logs, LOGS_KEYS, 'logs');
  const defaultStream = optional(logs, 'log_stream_name', (v) =>
    checkName(c, ['logs', 'log_stream_name'], v, 'log_stream_name'),
  );
  const flush =
    optional(logs, 'force_flush_interval', (v) =>
      c.int(['logs', 'force_flush_interval'], v, FLUSH_INTERVAL.min, FLUSH_INTERVAL.max),
    ) ?? FLUSH_INTERVAL.default;
  optional(logs, 'endpoint_override', (v) => c.text(['logs', 'endpoint_override'], v, 4, 2048));
  optional(logs, 'credentials', (v) => checkCredentials(c, ['logs', 'credentials'], v));
  optional(logs, 'concurrency', (v) => c.int(['logs', 'concurrency'], v, 1));
  optional(logs, 'service.name', (v) => c.text(['logs', 'service.name'], v, 1, 255));
  optional(logs, 'deployment.environment', (v) => c.text(['logs', 'deployment.environment'], v, 1, 259));
  const list = collectList(c, logs);
  const entries: CollectEntry[] = [];
  list?.forEach((item, i) => {
    const e = checkEntry(c, [...COLLECT, i], item, i, defaultStream);
    if (e) entries.push(e);
  });
  if (list) crossEntries(c, list, entries);
  if (f.problems.length > before) return undefined;
  const out: CheckedConfig = { entries, forceFlushInterval: flush };
  if (agent?.region !== undefined) out.region = agent.region;
  if (agent?.runAsUser !== undefined) out.runAsUser = agent.runAsUser;
  return out;
}

function optional<T>(v: Mapping, key: string, check: (x: unknown) => T | undefined): T | undefined {
  const value = get(v, key);
  return value === undefined ? undefined : check(value);
}

function checkAgent(c: Checker, v: unknown): { region?: string; runAsUser?: string } | undefined {
  if (v === undefined) return {};
  const agent = c.mapping(['agent'], v, 'agent');
  if (agent === undefined) return undefined;
  const at = (k: string): ConfigPath => ['agent', k];
  c.keys(['agent'], agent, AGENT_KEYS, 'agent', {}, 'warn');
  const out: { region?: string; runAsUser?: string } = {};
  const region = optional(agent, 'region', (x) => c.text(at('region'), x, 1, 64));
  if (region !== undefined) {
    if (REGION.test(region)) out.region = region;
    else
      c.findings.fail(
        at('region'),
        'agent.region is not a region name',
        'a region name like ap-northeast-2',
        show(region),
      );
  }
  const user = optional(agent, 'run_as_user', (x) => c.text(at('run_as_user'), x, 1, 32));
  if (user !== undefined) {
    if (USER.test(user)) out.runAsUser = user;
    else
      c.findings.fail(
        at('run_as_user'),
        'run_as_user must be a user name or uid',
        'a user name like cwagent',
        show(user),
      );
  }
  const logfile = optional(agent, 'logfile', (x) => (x === '' ? '' : c.text(at('logfile'), x, 1, 4096)));
  if (logfile !== undefined && logfile !== '' && !logfile.startsWith('/'))
    c.findings.fail(
      at('logfile'),
      'agent.logfile must be an absolute path (or "" for stdout)',
      'an absolute path',
      show(logfile),
    );
  optional(agent, 'debug', (x) => c.bool(at('debug'), x));
  optional(agent, 'omit_hostname', (x) => c.bool(at('omit_hostname'), x));
  optional(agent, 'aws_sdk_log_level', (x) => c.text(at('aws_sdk_log_level'), x));
  optional(agent, 'metrics_collection_interval', (x) => c.int(at('metrics_collection_interval'), x, 1, 172800));
  optional(agent, 'credentials', (x) => checkCredentials(c, at('credentials'), x));
  return out;
}

function checkCredentials(c: Checker, p: ConfigPath, v: unknown): string | undefined {
  const creds = c.mapping(p, v, 'credentials');
  if (creds === undefined) return undefined;
  c.keys(p, creds, CREDENTIALS_KEYS, 'credentials');
  const arn = optional(creds, 'role_arn', (x) => c.text([...p, 'role_arn'], x, 20, 2048));
  if (arn !== undefined && !ROLE_ARN.test(arn))
    return c.findings.fail(
      [...p, 'role_arn'],
      'role_arn is not an IAM role ARN',
      'arn:aws:iam::123456789012:role/NAME',
      show(arn),
    );
  return arn;
}

function collectList(c: Checker, logs: Mapping): unknown[] | undefined {
  const f = c.findings;
  const expected = 'logs_collected.files.collect_list: a list of 1–16384 entries';
  const lcValue = get(logs, 'logs_collected');
  if (lcValue === undefined) return f.fail(['logs', 'logs_collected'], 'logs_collected is required', expected);
  const lc = c.mapping(['logs', 'logs_collected'], lcValue, 'logs_collected');
  if (lc === undefined) return undefined;
  c.keys(['logs', 'logs_collected'], lc, LOGS_COLLECTED_KEYS, 'logs_collected');
  if (get(lc, 'windows_events') !== undefined)
    f.fail(
      ['logs', 'logs_collected', 'windows_events'],
      'windows_events is for Windows hosts: a Linux agent has no event log',
      'files',
    );
  const filesValue = get(lc, 'files');
  if (filesValue === undefined) return f.fail(['logs', 'logs_collected', 'files'], 'files is required', expected);
  const files = c.mapping(['logs', 'logs_collected', 'files'], filesValue, 'files');
  if (files === undefined) return undefined;
  c.keys(['logs', 'logs_collected', 'files'], files, FILES_KEYS, 'files');
  const listValue = get(files, 'collect_list');
  if (listValue === undefined) return f.fail([...COLLECT], 'collect_list is required', expected);
  const list = c.list([...COLLECT], listValue, 'collect_list');
  if (list === undefined) return undefined;
  if (list.length === 0) return f.fail([...COLLECT], 'collect_list may not be empty', expected, '[]');
  if (list.length > MAX_COLLECT_LIST)
    return f.fail([...COLLECT], 'collect_list has more than 16384 entries', expected, String(list.length));
  return list;
}

/** Rules across entries: distinct entries, one retention and one class per log group, one entry per file. */
function crossEntries(c: Checker, list: unknown[], entries: CollectEntry[]): void {
  const f = c.findings;
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const key = canonical(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else
      f.fail(
        [...COLLECT, i],
        `collect_list[${i}] repeats collect_list[${first}]: the agent refuses duplicate entries`,
        'distinct entries',
      );
  });
  // Per log group (case-insensitive), the first entry that asked for a retention, and for a class.
  const asked = {
    retention_in_days: new Map<string, CollectEntry>(),
    log_group_class: new Map<string, CollectEntry>(),
  };
  const files = new Map<string, CollectEntry>();
  for (const e of entries) {
    const group = e.logGroupName.toLowerCase();
    for (const key of ['retention_in_days', 'log_group_class'] as const) {
      const value = key === 'retention_in_days' ? e.retentionInDays : e.logGroupClass;
      if (value === undefined) continue;
      const other = asked[key].get(group);
      if (other === undefined) {
        asked[key].set(group, e);
        continue;
      }
      const first = key === 'retention_in_days' ? other.retentionInDays : other.logGroupClass;
      if (first !== value) {
        f.fail(
          [...COLLECT, e.index, key],
          `collect_list[${other.index}] sends to the same log group ${JSON.stringify(other.logGroupName)} (names compare case-insensitively) with ${key} ${JSON.stringify(first)}: one log group has one ${key}`,
          JSON.stringify(first),
          JSON.stringify(value),
        );
      }
    }
    const sameFile = files.get(e.filePath);
    if (sameFile === undefined) files.set(e.filePath, e);
    else {
      f.warn(
        [...COLLECT, e.index, 'file_path'],
        `collect_list[${sameFile.index}] reads the same file_path: the agent keeps one read position per path, so the two entries share it`,
      );
    }
  }
}

/** JSON with sorted keys: equal entries, however their keys were ordered. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMapping(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
