// The one escaping function at the output boundary: everything human output prints (host and group names,
// log lines, diffs, the agent's words, errors) passes through it, so that nothing from a host or an inventory
// can act on the operator's terminal (ESC ]0; sets its title, ESC [2J clears it, a carriage return overwrites
// a line) or forge a line of the tool's own.
import { escapeControlCharacters } from '../core/control-characters.js';

/**
 * `text` with every control character shown as an escape (`\x1b`, `\r`, `\u009b`). A line feed is escaped
 * too unless `lines` is set: a value meant to stay on its line (a host name, a log line) cannot start another.
 */
export function terminalText(text: string, options: { lines?: boolean } = {}): string {
  return escapeControlCharacters(text, options.lines ? ['\n'] : []);
}

/**
 * A JSON document with the control characters JSON.stringify leaves raw (DEL, C1, U+2028/U+2029) written as
 * `\u` escapes: the same JSON value, harmless on a terminal.
 */
export function terminalJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
