// A host's own awslogs.conf and config/*.conf, read as the agent reads them (the lab agent's config.ts follows
// the same rules): configparser syntax, the main file's DEFAULT inherited, a drop-in's DEFAULT inherited by its
// own sections, a drop-in's [general] and a section name already taken ignored, a drop-in that does not parse
// skipped; `file`, `log_group_name`, `log_stream_name` and [general] required (the agent does not start without
// them); any other invalid value replaced by the agent's default, as the agent does after a warning. Used where a
// host was not provisioned by the tool or was edited by hand (the migration translates what the agent really
// runs with). Pure: the files' text comes in.
import { IniConfig, IniError, parseIni, pyInt } from './ini.js';
import { compileFormat, FormatError } from './strptime.js';
import { compileBytesPattern, PythonError } from './byte-pattern.js';
import { LOG_OPTIONS, type GeneralSpec, type InitialPosition, type LogSection, type TimeZone } from './spec.js';

export interface ConfFile {
  path: string;
  text: string;
}

/** A value the agent refused and replaced by its default (with a warning in its log). */
export interface IgnoredValue {
  option: string;
  value: string;
  /** What the agent uses instead. */
  used: string;
  why: string;
}

export interface ReadSection {
  /** The options the agent uses: a value it ignored is left out (its default applies). */
  spec: LogSection;
  /** The file the section was written in. */
  file: string;
  ignored: IgnoredValue[];
  /** Options the agent does not know (it ignores them). */
  unknown: string[];
}

export interface AgentConf {
  general: GeneralSpec;
  generalIgnored: IgnoredValue[];
  sections: ReadSection[];
  /** Drop-ins the agent skips, and why. */
  skipped: { path: string; reason: string }[];
}

/** The agent would not start with these files. */
export class ConfFilesError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ConfFilesError';
  }
}

/** The agent's own defaults (awscli-cwlogs 1.4.0). */
export const AGENT_DEFAULTS = {
  state_file: 'watchstate',
  buffer_duration: 5000,
  batch_count: 1000,
  batch_size: 32768,
  max_batch_count: 10000,
  max_batch_size: 1048576,
} as const;

const FINGERPRINT = /^[1-9]+[0-9]*-?[0-9]*$/;

export function readAgentConf(main: ConfFile, dropIns: readonly ConfFile[]): AgentConf {
  const parsed = parse(main);
  const sections = new Map(parsed.sections);
  const origin = new Map([...parsed.sections.keys()].map((name) => [name, main.path]));
  const skipped: AgentConf['skipped'] = [];
  for (const drop of [...dropIns].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    let sub;
    try {
      sub = parseIni(drop.text, drop.path);
    } catch (err) {
      if (!(err instanceof IniError)) throw err;
      skipped.push({ path: drop.path, reason: err.message });
      continue;
    }
    for (const [name, options] of sub.sections) {
      if (sections.has(name) || name === 'general') continue;
      sections.set(name, new Map([...sub.defaults, ...options]));
      origin.set(name, drop.path);
    }
  }
  const config = new IniConfig(sections, parsed.defaults);
  if (!config.has('general')) throw new ConfFilesError(main.path, "No section: 'general' (the agent does not start)");
  const { general, ignored: generalIgnored } = readGeneral(config);
  const out: ReadSection[] = [];
  for (const name of config.sectionNames()) {
    if (name === 'general') continue;
    out.push(readSection(config, name, origin.get(name) ?? main.path));
  }
  return { general, generalIgnored, sections: out, skipped };
}

function parse(file: ConfFile) {
  try {
    return parseIni(file.text, file.path);
  } catch (err) {
    if (err instanceof IniError) throw new ConfFilesError(file.path, `${err.message} (the agent does not start)`);
    throw err;
  }
}

/** configparser's getboolean; undefined when missing or invalid. */
function pyBoolean(value: string | undefined): boolean | undefined {
  const v = value?.toLowerCase();
  if (v === '1' || v === 'yes' || v === 'true' || v === 'on') return true;
  if (v === '0' || v === 'no' || v === 'false' || v === 'off') return false;
  return undefined;
}

function readGeneral(config: IniConfig): { general: GeneralSpec; ignored: IgnoredValue[] } {
  const ignored: IgnoredValue[] = [];
  const general: GeneralSpec = { state_file: config.find('general', 'state_file') ?? AGENT_DEFAULTS.state_file };
  const logging = config.find('general', 'logging_config_file');
  if (logging) general.logging_config_file = logging;
  const gzipText = config.find('general', 'use_gzip_http_content_encoding');
  const gzip = pyBoolean(gzipText);
  if (gzip !== undefined) general.use_gzip_http_content_encoding = gzip;
  else if (gzipText !== undefined)
    ignored.push({ option: 'use_gzip_http_content_encoding', value: gzipText, used: 'true', why: 'not a boolean' });
  return { general, ignored };
}

function readSection(config: IniConfig, name: string, file: string): ReadSection {
  const required = (option: string): string => {
    const v = config.find(name, option);
    if (v === undefined)
      throw new ConfFilesError(file, `No option '${option}' in section: '${name}' (the agent does not start)`);
    return v;
  };
  const spec: LogSection = {
    section: name,
    file: required('file'),
    log_group_name: required('log_group_name'),
    log_stream_name: required('log_stream_name'),
  };
  const ignored: IgnoredValue[] = [];
  const ignore = (option: string, value: string, used: string, why: string) =>
    ignored.push({ option, value, used, why });
  const get = (option: string): string | undefined => config.find(name, option);

  const format = get('datetime_format');
  if (format) {
    try {
      compileFormat(format);
      spec.datetime_format = format;
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      ignore('datetime_format', format, 'the time each line is read', `strptime refuses it: ${err.message}`);
    }
  }
  const tz = get('time_zone');
  if (tz !== undefined) {
    if (tz === 'UTC' || tz === 'LOCAL') spec.time_zone = tz as TimeZone;
    else ignore('time_zone', tz, 'LOCAL', 'not UTC or LOCAL');
  }
  const initial = get('initial_position');
  if (initial !== undefined) {
    if (initial === 'start_of_file' || initial === 'end_of_file') spec.initial_position = initial as InitialPosition;
    else ignore('initial_position', initial, 'start_of_file', 'not start_of_file or end_of_file');
  }
  const encoding = get('encoding');
  if (encoding !== undefined) spec.encoding = encoding;
  const buffer = get('buffer_duration');
  if (buffer !== undefined) {
    const n = pyInt(buffer);
    if (n === undefined) ignore('buffer_duration', buffer, '5000', 'not an integer');
    else if (n < AGENT_DEFAULTS.buffer_duration)
      ignore('buffer_duration', buffer, '5000', 'below the minimum of 5000 ms');
    else spec.buffer_duration = n;
  }
  for (const [option, max] of [
    ['batch_count', AGENT_DEFAULTS.max_batch_count],
    ['batch_size', AGENT_DEFAULTS.max_batch_size],
  ] as const) {
    const raw = get(option);
    if (raw === undefined) continue;
    const n = pyInt(raw);
    if (n === undefined) ignore(option, raw, String(AGENT_DEFAULTS[option]), 'not an integer');
    else if (n > max) {
      ignore(option, raw, String(max), `over the maximum of ${max}`);
      spec[option] = max;
    } else spec[option] = n;
  }
  const fingerprint = get('file_fingerprint_lines');
  if (fingerprint !== undefined && fingerprint !== '') {
    if (FINGERPRINT.test(fingerprint)) spec.file_fingerprint_lines = fingerprint;
    else ignore('file_fingerprint_lines', fingerprint, '1', 'not N or N-M');
  }
  const pattern = get('multi_line_start_pattern');
  if (pattern !== undefined && pattern !== '') {
    if (pattern === '{datetime_format}') {
      if (spec.datetime_format) spec.multi_line_start_pattern = pattern;
      else ignore('multi_line_start_pattern', pattern, '^[^\\s]', 'datetime_format is not set or not valid');
    } else {
      try {
        compileBytesPattern(pattern, '2.7');
        spec.multi_line_start_pattern = pattern;
      } catch (err) {
        // As the agent's Python sees it: a PythonError names the reason; the regex engine's own error is its syntax.
        const why = err instanceof PythonError ? err.rule : (err as Error).message;
        ignore('multi_line_start_pattern', pattern, '^[^\\s]', `Python's re refuses it: ${why}`);
      }
    }
  }
  const known = new Set<string>(LOG_OPTIONS);
  const unknown = [...(config.sections.get(name)?.keys() ?? [])].filter((k) => !known.has(k));
  return { spec, file, ignored, unknown };
}
