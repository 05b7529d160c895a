// One `collect_list` entry against the agent's schema and translator rules, and the warnings where the agent
// surprises. Pure.
import { show, type ConfigPath } from './findings.js';
import { get, isMapping, type Checker, type Mapping } from './checker.js';
import { checkName, defaultGroupName } from './names.js';
import { compileRe2 } from './re2.js';
import { checkEncoding } from './encodings.js';
import { checkTimestampFormat } from './timestamp-format.js';
import {
  AWSLOGS_NAMES,
  BACKPRESSURE_MODES,
  COMPRESSED_SUFFIX,
  DEFAULT_MULTI_LINE_START,
  ENTRY_KEYS,
  FILTER_KEYS,
  FILTER_TYPES,
  GROUP_CLASSES,
  RETENTION_DAYS,
  TIMEZONES,
} from './schema.js';

export interface LogFilter {
  type: 'include' | 'exclude';
  expression: string;
}

/** A checked entry: what the tool's preflight, verify and doctor need to know about it. */
export interface CollectEntry {
  index: number;
  filePath: string;
  /** The entry's group, or the agent's default (the path up to its last dot). */
  logGroupName: string;
  groupDefaulted: boolean;
  /** The entry's stream template, else `logs.log_stream_name`; unset: `{instance_id}` on EC2. */
  logStreamName?: string;
  timestampFormat?: string;
  timezone: 'UTC' | 'Local';
  /** A regex, `{timestamp_format}`, or the default `^[\S]`. */
  multiLineStartPattern: string;
  /** WHATWG name the stand-in decodes with; utf-8 by default. */
  encoding: string;
  publishMultiLogs: boolean;
  blacklist?: string;
  filters: LogFilter[];
  retentionInDays?: number;
  logGroupClass?: string;
  autoRemoval: boolean;
}

const GLOB = /[*?[]/;

export function checkEntry(
  c: Checker,
  p: ConfigPath,
  v: unknown,
  index: number,
  defaultStream: string | undefined,
): CollectEntry | undefined {
  const entry = c.mapping(p, v, 'a collect_list entry');
  if (entry === undefined) return undefined;
  const f = c.findings;
  const before = f.problems.length;
  const at = (key: string): ConfigPath => [...p, key];
  c.keys(p, entry, ENTRY_KEYS, 'a collect_list entry', AWSLOGS_NAMES);

  const filePath = checkFilePath(c, at('file_path'), get(entry, 'file_path'));
  const publishMultiLogs = optional(entry, 'publish_multi_logs', (x) => c.bool(at('publish_multi_logs'), x)) ?? false;
  if (filePath !== undefined) warnFilePath(c, at('file_path'), filePath, publishMultiLogs);

  const groupValue = get(entry, 'log_group_name');
  let logGroupName: string | undefined;
  if (groupValue !== undefined) logGroupName = checkName(c, at('log_group_name'), groupValue, 'log_group_name');
  else if (filePath !== undefined) {
    const derived = defaultGroupName(filePath);
    if (GLOB.test(derived) || derived.length > 512 || !/^[A-Za-z0-9_\-/.#]+$/.test(derived)) {
      f.fail(
        at('log_group_name'),
        `log_group_name is unset and the agent's default, the file path up to its last dot (${JSON.stringify(derived)}), is not a valid log group name`,
        'log_group_name set',
      );
    } else {
      logGroupName = derived;
      f.warn(
        at('log_group_name'),
        `log_group_name is unset: the agent sends to ${JSON.stringify(derived)} (the file path up to its last dot)`,
      );
    }
  }
  const streamValue = get(entry, 'log_stream_name');
  const logStreamName =
    streamValue !== undefined ? checkName(c, at('log_stream_name'), streamValue, 'log_stream_name') : defaultStream;

  const timestampFormat = optional(entry, 'timestamp_format', (x) => checkFormat(c, at('timestamp_format'), x));
  const tz = optional(entry, 'timezone', (x) => c.oneOf(at('timezone'), x, TIMEZONES));
  const multiLineStartPattern = checkMultiLine(
    c,
    at('multi_line_start_pattern'),
    get(entry, 'multi_line_start_pattern'),
    entry,
  );
  const encoding = optional(entry, 'encoding', (x) => checkEncodingValue(c, at('encoding'), x)) ?? 'utf-8';
  const blacklist = optional(entry, 'blacklist', (x) => checkRegex(c, at('blacklist'), x, 'blacklist'));
  const filters = optional(entry, 'filters', (x) => checkFilters(c, at('filters'), x)) ?? [];
  const retentionInDays = optional(entry, 'retention_in_days', (x) =>
    c.oneOf(at('retention_in_days'), x, RETENTION_DAYS),
  );
  const logGroupClass = optional(entry, 'log_group_class', (x) => c.oneOf(at('log_group_class'), x, GROUP_CLASSES));
  const autoRemoval = optional(entry, 'auto_removal', (x) => c.bool(at('auto_removal'), x)) ?? false;
  if (autoRemoval)
    f.warn(at('auto_removal'), 'auto_removal: the agent deletes each file once it has read it and a newer one appears');
  optional(entry, 'trim_timestamp', (x) => c.bool(at('trim_timestamp'), x));
  optional(entry, 'backpressure_mode', (x) => c.oneOf(at('backpressure_mode'), x, BACKPRESSURE_MODES));
  optional(entry, 'service.name', (x) => c.text(at('service.name'), x, 1, 255));
  optional(entry, 'deployment.environment', (x) => c.text(at('deployment.environment'), x, 1, 259));

  if (f.problems.length > before || filePath === undefined || logGroupName === undefined) return undefined;
  const out: CollectEntry = {
    index,
    filePath,
    logGroupName,
    groupDefaulted: groupValue === undefined,
    timezone: tz === 'UTC' ? 'UTC' : 'Local',
    multiLineStartPattern: multiLineStartPattern ?? DEFAULT_MULTI_LINE_START,
    encoding,
    publishMultiLogs,
    filters,
    autoRemoval,
  };
  if (logStreamName !== undefined) out.logStreamName = logStreamName;
  if (timestampFormat !== undefined) out.timestampFormat = timestampFormat;
  if (blacklist !== undefined) out.blacklist = blacklist;
  if (retentionInDays !== undefined) out.retentionInDays = retentionInDays;
  if (logGroupClass !== undefined) out.logGroupClass = logGroupClass;
  return out;
}

function optional<T>(entry: Mapping, key: string, check: (v: unknown) => T | undefined): T | undefined {
  const v = get(entry, key);
  return v === undefined ? undefined : check(v);
}

function checkFilePath(c: Checker, p: ConfigPath, v: unknown): string | undefined {
  if (v === undefined)
    return c.findings.fail(p, 'file_path is required', 'an absolute path of the log file (globs allowed)');
  const s = c.text(p, v, 1, 4096);
  if (s === undefined) return undefined;
  if (!s.startsWith('/'))
    return c.findings.fail(p, 'file_path must be an absolute path', 'an absolute path starting with /', show(s));
  return s;
}

function warnFilePath(c: Checker, p: ConfigPath, s: string, publishMultiLogs: boolean): void {
  if (COMPRESSED_SUFFIX.test(s)) {
    c.findings.warn(p, 'the agent skips compressed files (.gz .zip .bz2 .tar .zst .rar): this file is never read');
  }
  if (s.includes('**')) {
    c.findings.warn(
      p,
      'file_path has **: the agent walks every folder below on each scan, which costs CPU on large trees',
    );
  }
  if (GLOB.test(s) && !publishMultiLogs) {
    c.findings.warn(
      p,
      'file_path is a glob: the agent reads only the most recently modified match (set publish_multi_logs: true to read every match)',
    );
  }
}

function checkFormat(c: Checker, p: ConfigPath, v: unknown): string | undefined {
  const s = c.text(p, v, 1, 4096);
  if (s === undefined) return undefined;
  const r = checkTimestampFormat(s);
  if (!r.ok) {
    return c.findings.fail(
      p,
      r.rule,
      "the agent's directives %Y %y %b %B %m %-m %d %-d %A %a %H %I %-I %M %-M %S %-S %p %Z %z %f",
      show(r.found),
    );
  }
  for (const w of r.warnings) c.findings.warn(p, w);
  return s;
}

function checkMultiLine(c: Checker, p: ConfigPath, v: unknown, entry: Mapping): string | undefined {
  if (v === undefined) {
    c.findings.warn(
      p,
      "multi_line_start_pattern is unset: the agent's default ^[\\S] makes every line that starts with a space or tab part of the event before it",
    );
    return undefined;
  }
  const s = c.text(p, v, 1, 4096);
  if (s === '{timestamp_format}') {
    if (get(entry, 'timestamp_format') !== undefined) return s;
    return c.findings.fail(
      p,
      'multi_line_start_pattern {timestamp_format} needs timestamp_format in the same entry: without it no line starts an event and the agent sends one huge event, then stalls',
      'timestamp_format set in the same entry',
      show(s),
    );
  }
  return s === undefined ? undefined : checkRegex(c, p, s, 'multi_line_start_pattern');
}

function checkRegex(c: Checker, p: ConfigPath, v: unknown, what: string): string | undefined {
  const s = c.text(p, v, 1, 4096);
  if (s === undefined) return undefined;
  const r = compileRe2(s);
  if (r.ok) return s;
  return c.findings.fail(
    p,
    `${what} is not a regex the agent's RE2 engine compiles: ${r.reason}`,
    'a Go RE2 regex (no look-around, no back-references)',
    show(s),
  );
}

function checkEncodingValue(c: Checker, p: ConfigPath, v: unknown): string | undefined {
  const s = c.text(p, v, 1, 4096);
  if (s === undefined) return undefined;
  const r = checkEncoding(s);
  if (!r.ok) {
    return c.findings.fail(
      p,
      `encoding ${JSON.stringify(s)} is not supported by the agent (E! the encoding ${s} is not supported.)`,
      'a WHATWG or IANA charset name such as utf-8, euc-kr, shift_jis, gbk, iso-8859-1, windows-1252, utf-16le',
      show(s),
    );
  }
  if (r.warning) c.findings.warn(p, r.warning);
  return r.canonical;
}

function checkFilters(c: Checker, p: ConfigPath, v: unknown): LogFilter[] | undefined {
  const list = c.list(p, v, 'filters');
  if (list === undefined) return undefined;
  const out: LogFilter[] = [];
  list.forEach((item, i) => {
    const fp = [...p, i];
    if (!isMapping(item))
      return c.findings.fail(fp, 'a filter must be a mapping { type, expression }', 'a mapping', show(item));
    c.keys(fp, item, FILTER_KEYS, 'a filter');
    const typeValue = get(item, 'type');
    const type =
      typeValue === undefined
        ? c.findings.fail([...fp, 'type'], 'a filter needs a type', FILTER_TYPES.join(' | '))
        : c.oneOf([...fp, 'type'], typeValue, FILTER_TYPES);
    const exprValue = get(item, 'expression');
    // An empty expression matches every line: an exclude filter would drop them all.
    const expression =
      exprValue === undefined
        ? c.findings.fail([...fp, 'expression'], 'a filter needs an expression', 'a Go RE2 regex')
        : checkRegex(c, [...fp, 'expression'], exprValue, 'expression');
    if (type !== undefined && expression !== undefined) out.push({ type, expression });
  });
  return out.length === list.length ? out : undefined;
}
