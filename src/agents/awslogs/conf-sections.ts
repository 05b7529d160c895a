// The log sections of an awslogs.conf as the agent reads them (configparser rules, DEFAULT inherited,
// [general] not a log): what the restart discipline needs to find each section's file, its source id and
// its stream. Pure.
import { IniError, parseIni } from './ini.js';

export interface ConfSection {
  section: string;
  file: string;
  log_group_name: string;
  /** As written: placeholders not resolved. */
  log_stream_name: string;
  file_fingerprint_lines?: string;
  encoding?: string;
  initial_position?: string;
}

/** The sections with the three options the agent requires; undefined when the file does not parse. */
export function confSections(text: string): ConfSection[] | undefined {
  let ini;
  try {
    ini = parseIni(text, 'awslogs.conf');
  } catch (err) {
    if (err instanceof IniError) return undefined;
    throw err;
  }
  const out: ConfSection[] = [];
  for (const [name, options] of ini.sections) {
    if (name === 'general') continue;
    const get = (key: string): string | undefined => options.get(key) ?? ini.defaults.get(key);
    const file = get('file');
    const group = get('log_group_name');
    const stream = get('log_stream_name');
    if (!file || !group || !stream) continue;
    const section: ConfSection = { section: name, file, log_group_name: group, log_stream_name: stream };
    const fingerprint = get('file_fingerprint_lines');
    if (fingerprint) section.file_fingerprint_lines = fingerprint;
    const encoding = get('encoding');
    if (encoding) section.encoding = encoding;
    const initial = get('initial_position');
    if (initial) section.initial_position = initial;
    out.push(section);
  }
  return out;
}
