// awslogs.conf + drop-ins → the agent's settings, with StreamConfig's rules: a missing [general], a missing
// `file`/`log_group_name`/`log_stream_name` or an unparsable main file is fatal (ConfigError); an invalid
// option value is logged as a warning and replaced by its default, with the agent's wording.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DateTimeParser, type TimeZoneSetting } from './datetime-parser.js';
import { resolvePlaceholders, type HostFacts } from './host.js';
import { IniConfig, IniError, parseIni, pyInt } from './ini.js';
import type { Logger } from './log.js';
import { decoderFor } from './encoding.js';

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
  multiLineStart: RegExp;
  batchCount: number;
  batchSize: number;
}

export interface AgentConfig {
  stateFile: string;
  streams: StreamConfig[];
}

export interface LoadOptions {
  configFile: string;
  /** Drop-in folder; its files' [general] is ignored. */
  configDir?: string;
  host: HostFacts;
  /** Lowest accepted buffer_duration: 5000 as in the agent; tests may lower it (`--min-buffer-duration`). */
  minBufferDuration?: number;
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
    const streams = config
      .sectionNames()
      .filter((s) => s !== 'general')
      .map((s) => streamConfig(config, s, withDefault, opts, log));
    return { stateFile, streams };
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
  const logGroupName = resolvePlaceholders(config.get(section, 'log_group_name'), opts.host, log);
  const logStreamName = resolvePlaceholders(config.get(section, 'log_stream_name'), opts.host, log);
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
  const multiLineStart = multiLinePattern(withDefault(section, 'multi_line_start_pattern'), parser, log);
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

function multiLinePattern(pattern: string, parser: DateTimeParser | undefined, log: Logger): RegExp {
  const fallback = /^[^\s]/;
  if (pattern === '{datetime_format}') {
    if (parser) return new RegExp(parser.compiled.source, 'i');
    log.warning('The multi-line start pattern uses {datetime_format} but datetime_format is invalid or not specified.');
    return fallback;
  }
  if (pattern === '') return fallback;
  try {
    return new RegExp(fromPythonRegex(pattern));
  } catch {
    log.warning(`The multi-line start pattern '${pattern}' is invalid, using default pattern (^[^\\s])`);
    return fallback;
  }
}

/** The few Python-only regex spellings an operator may write, in JavaScript's syntax. */
export function fromPythonRegex(pattern: string): string {
  return pattern
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$(?![\\s\\S])');
}
