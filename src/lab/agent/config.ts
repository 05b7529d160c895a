// awslogs.conf + drop-ins → the agent's settings, with StreamConfig's rules: a missing [general], a missing
// `file`/`log_group_name`/`log_stream_name` or an unparsable main file is fatal (ConfigError); an invalid
// option value is logged as a warning and replaced by its default, with the agent's wording. Placeholders are
// expanded in `log_stream_name` only (1.4.0 leaves `{hostname}` in a `log_group_name` as it is written).
// `multi_line_start_pattern` is checked here as Python checks a str pattern; the reader compiles it as bytes
// (byte-pattern.ts), which can still fail on Python 3.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DateTimeParser, type TimeZoneSetting } from './datetime-parser.js';
import { resolvePlaceholders, type HostFacts } from './host.js';
import { IniConfig, IniError, parseIni, pyInt } from '../../agents/awslogs/ini.js';
import type { Logger } from './log.js';
import { decoderFor } from './encoding.js';
import { checkPythonRegex } from '../../agents/awslogs/python-regex.js';
import { compileBytesPattern, type AgentPython } from '../../agents/awslogs/byte-pattern.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  state_file: 'watchstate',
  encoding: 'utf_8',
  initial_position: 'start_of_file',
  buffer_duration: '5000',
  time_zone: 'LOCAL',
  file_fingerprint_lines: '1',
  multi_line_start_pattern: '^[^\\s]',
  // awscli-cwlogs 1.4.0 (Amazon Linux's package); later releases raised both.
  batch_count: '1000',
  batch_size: '32768',
};
export const MAX_BATCH_COUNT = 10000;
export const MAX_BATCH_SIZE = 1048576;
export const MIN_BUFFER_DURATION = 5000;

export interface StreamConfig {
  /** The section name: the stream's key in `stream_state`. */
  key: string;
  file: string;
  fingerprintLines: { start: number; end: number };
  logGroupName: string;
  logStreamName: string;
  dateTimeParser?: DateTimeParser;
  timeZone: TimeZoneSetting;
  bufferDuration: number;
  initialPosition: 'start_of_file' | 'end_of_file';
  encoding: string;
  /** The pattern as the reader compiles it (bytes, on the agent's Python); `{datetime_format}` ignores case. */
  multiLineStart: MultiLineStart;
  batchCount: number;
  batchSize: number;
}

export interface MultiLineStart {
  /** The configured Python regex, or (`{datetime_format}`) the format's own regex, matched ignoring case. */
  pattern: string;
  fromDatetimeFormat: boolean;
  python: AgentPython;
}

export const DEFAULT_MULTI_LINE_START = '^[^\\s]';

export interface AgentConfig {
  stateFile: string;
  streams: StreamConfig[];
  /** `[general] use_gzip_http_content_encoding` (default true): PutLogEvents bodies over 1 KiB are gzipped. */
  gzip: boolean;
}

export interface LoadOptions {
  configFile: string;
  /** Drop-in folder; its files' [general] is ignored. */
  configDir?: string;
  host: HostFacts;
  /** Lowest accepted buffer_duration: 5000 as in the agent; tests may lower it (`--min-buffer-duration`). */
  minBufferDuration?: number;
  /** The Python the agent runs on (Amazon Linux's package: 2.7). */
  python?: AgentPython;
}

export function loadConfig(opts: LoadOptions, log: Logger): AgentConfig {
  const main = readMain(opts.configFile);
  const sections = new Map(main.sections);
  for (const [file, sub] of readDropIns(opts.configDir, log)) {
    for (const [name, options] of sub.sections) {
      if (sections.has(name) || name === 'general') continue;
      const merged = new Map(sub.defaults);
      for (const [k, v] of options) merged.set(k, v);
      sections.set(name, merged);
      void file;
    }
  }
  const config = new IniConfig(sections, main.defaults);
  const withDefault = (section: string, option: keyof typeof DEFAULTS): string =>
    config.find(section, option) ?? DEFAULTS[option];
  try {
    if (!config.has('general')) config.get('general', 'state_file');
    const stateFile = withDefault('general', 'state_file');
    const gzip = pyBoolean(config.find('general', 'use_gzip_http_content_encoding'));
    if (gzip === undefined)
      log.info('Missing or invalid value for use_gzip_http_content_encoding config. Defaulting to use gzip encoding.');
    const streams = config
      .sectionNames()
      .filter((s) => s !== 'general')
      .map((s) => streamConfig(config, s, withDefault, opts, log));
    return { stateFile, streams, gzip: gzip ?? true };
  } catch (err) {
    if (err instanceof IniError) throw new ConfigError(err.message);
    throw err;
  }
}

function readMain(file: string): { sections: Map<string, Map<string, string>>; defaults: Map<string, string> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code;
    throw new ConfigError(`[Errno ${code === 'ENOENT' ? 2 : 13}] ${reason}: '${file}'`);
  }
  try {
    return parseIni(text, file);
  } catch (err) {
    if (err instanceof IniError) throw new ConfigError(err.message);
    throw err;
  }
}

function readDropIns(dir: string | undefined, log: Logger): [string, ReturnType<typeof parseIni>][] {
  if (dir === undefined) return [];
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return [];
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: [string, ReturnType<typeof parseIni>][] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    log.info(`Loading additional configs from ${file}`);
    try {
      out.push([file, parseIni(readFileSync(file, 'utf8'), file)]);
    } catch (err) {
      log.warning(`Failed to parse additional config file ${file}: ${(err as Error).message}`);
    }
  }
  return out;
}

function streamConfig(
  config: IniConfig,
  section: string,
  withDefault: (section: string, option: keyof typeof DEFAULTS) => string,
  opts: LoadOptions,
  log: Logger,
): StreamConfig {
  const file = config.get(section, 'file');
  let fingerprint = withDefault(section, 'file_fingerprint_lines');
  const logGroupName = config.get(section, 'log_group_name');
  let logStreamName: string;
  try {
    logStreamName = resolvePlaceholders(config.get(section, 'log_stream_name'), opts.host, log);
  } catch (err) {
    if (err instanceof IniError) throw err;
    throw new ConfigError((err as Error).message); // socket.gaierror for {ip_address}: the command fails
  }
  let format: string | undefined = config.find(section, 'datetime_format');
  if (format === '') format = undefined;
  let timeZone = withDefault(section, 'time_zone');
  if (timeZone !== 'UTC' && timeZone !== 'LOCAL') {
    log.warning(`The time zone '${timeZone}' is unknown, using default time zone (LOCAL)`);
    timeZone = 'LOCAL';
  }
  let parser: DateTimeParser | undefined;
  if (format !== undefined) {
    try {
      parser = new DateTimeParser(format, timeZone as TimeZoneSetting);
    } catch {
      log.warning(`The datetime format (${format}) is invalid, will use current time.`);
    }
  }
  const minBuffer = opts.minBufferDuration ?? MIN_BUFFER_DURATION;
  let bufferDuration = intOption(config, section, 'buffer_duration', 'buffer duration', withDefault, log);
  if (bufferDuration < minBuffer) {
    log.warning(`The buffer_duration is set to MIN_BUFFER_DURATION (${minBuffer})`);
    bufferDuration = minBuffer;
  }
  let initialPosition = withDefault(section, 'initial_position');
  if (initialPosition !== 'start_of_file' && initialPosition !== 'end_of_file') {
    log.warning(`The initial position '${initialPosition}' is unknown, using default initial position (start_of_file)`);
    initialPosition = 'start_of_file';
  }
  let encoding = withDefault(section, 'encoding');
  if (decoderFor(encoding) === undefined) {
    log.warning(`The encoding '${encoding}' is unknown, using default encoding (utf_8)`);
    encoding = 'utf_8';
  }
  if (fingerprint !== '' && !/^[1-9]+[0-9]*-?[0-9]*$/.test(fingerprint)) {
    log.warning(
      `The file fingerprint lines '${fingerprint}' is invalid, using first line to calculate file fingerprint`,
    );
    fingerprint = '1';
  }
  const [a, b] = fingerprint.split('-');
  const start = Number(a || '1');
  const fingerprintLines = { start, end: b ? Number(b) : start };
  const multiLineStart = multiLinePattern(
    withDefault(section, 'multi_line_start_pattern'),
    parser,
    opts.python ?? '2.7',
    log,
  );
  let batchSize = intOption(config, section, 'batch_size', 'batch size', withDefault, log);
  if (batchSize > MAX_BATCH_SIZE) {
    log.warning(`The batch size is set to MAX_BATCH_SIZE (${MAX_BATCH_SIZE})`);
    batchSize = MAX_BATCH_SIZE;
  }
  let batchCount = intOption(config, section, 'batch_count', 'batch count', withDefault, log);
  if (batchCount > MAX_BATCH_COUNT) {
    log.warning(`The batch size is set to MAX_BATCH_COUNT (${MAX_BATCH_COUNT})`);
    batchCount = MAX_BATCH_COUNT;
  }
  return {
    key: section,
    file,
    fingerprintLines,
    logGroupName,
    logStreamName,
    dateTimeParser: parser,
    timeZone: timeZone as TimeZoneSetting,
    bufferDuration,
    initialPosition: initialPosition as StreamConfig['initialPosition'],
    encoding,
    multiLineStart,
    batchCount,
    batchSize,
  };
}

function intOption(
  config: IniConfig,
  section: string,
  option: 'buffer_duration' | 'batch_size' | 'batch_count',
  words: string,
  withDefault: (section: string, option: keyof typeof DEFAULTS) => string,
  log: Logger,
): number {
  const raw = withDefault(section, option);
  const n = pyInt(raw);
  if (n !== undefined) return n;
  const def = Number(DEFAULTS[option]);
  log.warning(`The ${words} '${raw}' is invalid, using default ${words} (${def})`);
  return def;
}

function multiLinePattern(
  pattern: string,
  parser: DateTimeParser | undefined,
  python: AgentPython,
  log: Logger,
): MultiLineStart {
  const fallback = { pattern: DEFAULT_MULTI_LINE_START, fromDatetimeFormat: false, python };
  if (pattern === '{datetime_format}') {
    if (parser) return { pattern: parser.compiled.source, fromDatetimeFormat: true, python };
    log.warning('The multi-line start pattern uses {datetime_format} but datetime_format is invalid or not specified.');
    return fallback;
  }
  if (pattern === '') return fallback;
  if (!strPatternCompiles(pattern, python)) {
    log.warning(`The multi-line start pattern '${pattern}' is invalid, using default pattern (^[^\\s])`);
    return fallback;
  }
  return { pattern, fromDatetimeFormat: false, python };
}

/**
 * `re.compile(pattern)` on the configured text: a str on Python 3, the file's bytes on Python 2.7 (which
 * takes an unknown letter escape as the letter, and (?u) on a byte string).
 */
function strPatternCompiles(pattern: string, python: AgentPython): boolean {
  if (python === '3') return checkPythonRegex(pattern).ok;
  try {
    compileBytesPattern(pattern, '2.7');
    return true;
  } catch {
    return false;
  }
}

/** configparser's getboolean: 1/yes/true/on and 0/no/false/off, any case; undefined when missing or invalid. */
export function pyBoolean(value: string | undefined): boolean | undefined {
  const v = value?.toLowerCase();
  if (v === '1' || v === 'yes' || v === 'true' || v === 'on') return true;
  if (v === '0' || v === 'no' || v === 'false' || v === 'off') return false;
  return undefined;
}
