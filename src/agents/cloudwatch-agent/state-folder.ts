// The agent's file names and its read positions: `logs/state/<escaped path>` files and the names `fetch-config`
// gives the configs it copies. Shared by the lab's stand-in (writes them), and the tool's probe, doctor and
// migration (read and seed them). Pure.
import path from 'node:path';
import { CONFIG_DIR, STATE_DIR } from './paths.js';

/** `/`, space and `:` become `_` (the agent's EscapeFilePath; the same rule names configs and state files). */
export function escapePath(p: string): string {
  return p.replace(/[/ :]/g, '_');
}

/** `logs/state/_var_log_messages` for `/var/log/messages`. */
export function stateFilePath(logFile: string): string {
  return `${STATE_DIR}/${escapePath(logFile)}`;
}

/**
 * The name `fetch-config -c file:PATH` gives its copy in `amazon-cloudwatch-agent.d/`: `file_` + the escaped
 * basename. Run on a file already in that folder, the copy of `file_x.json` is `file_file_x.json`.
 */
export function fetchConfigName(source: string): string {
  return `file_${escapePath(path.posix.basename(source))}`;
}

/** Where `fetch-config -c file:PATH` puts its copy, the file the agent really reads. */
export function installedConfigPath(source: string): string {
  return `${CONFIG_DIR}/${fetchConfigName(source)}`;
}

/** A closed byte range `[from, to)` that was sent, as the third line holds it (`0-1234`). */
export interface OffsetRange {
  from: number;
  to: number;
}

/** One state file: where the agent resumes in `path`, and (since mid-2025) the ranges it has sent. */
export interface StateRecord {
  offset: number;
  path: string;
  ranges?: OffsetRange[];
}

export class StateFormatError extends Error {
  constructor(message: string) {
    super(`state file: ${message}`);
    this.name = 'StateFormatError';
  }
}

const OFFSET = /^\d{1,16}$/;

/** `<offset>\n<path>[\n<ranges>]`, no trailing newline; both the two- and three-line forms are read. */
export function parseStateFile(text: string): StateRecord {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // tolerate a trailing newline
  if (lines.length < 2 || lines.length > 3) throw new StateFormatError(`expected 2 or 3 lines, found ${lines.length}`);
  const [offsetText, file, rangesText] = lines as [string, string, string | undefined];
  if (!OFFSET.test(offsetText)) throw new StateFormatError(`offset ${JSON.stringify(offsetText)} is not a byte count`);
  if (!file.startsWith('/')) throw new StateFormatError(`path ${JSON.stringify(file)} is not absolute`);
  const record: StateRecord = { offset: Number(offsetText), path: file };
  if (rangesText !== undefined && rangesText !== '') record.ranges = parseRanges(rangesText);
  return record;
}

function parseRanges(text: string): OffsetRange[] {
  return text.split(',').map((part) => {
    const m = /^(\d{1,16})-(\d{1,16})$/.exec(part);
    if (!m) throw new StateFormatError(`range ${JSON.stringify(part)} is not FROM-TO`);
    const range = { from: Number(m[1]), to: Number(m[2]) };
    if (range.to < range.from) throw new StateFormatError(`range ${part} ends before it starts`);
    return range;
  });
}

/** The file's bytes as the agent writes them. */
export function serializeStateFile(record: StateRecord): string {
  const lines = [String(record.offset), record.path];
  if (record.ranges && record.ranges.length > 0) lines.push(record.ranges.map((r) => `${r.from}-${r.to}`).join(','));
  return lines.join('\n');
}
