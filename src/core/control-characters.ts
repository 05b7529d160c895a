// Control characters in strings from inventories and hosts: what they are, and how to show them without
// letting them act (start a line in a rendered file, move a terminal's cursor, set its title).

/**
 * C0 (tab, line feed, carriage return, ESC, …), DEL, C1 (NEL, CSI, OSC, …), and Unicode's line and paragraph
 * separators: each either ends a line for some reader (Python's `splitlines`, a terminal) or is an escape.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The code points of the control characters in `text`, each once, e.g. `U+000A, U+001B`. */
export function controlCodePoints(text: string): string {
  const found = new Set<string>();
  for (const m of text.matchAll(CONTROL_CHARACTERS))
    found.add(`U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return [...found].join(', ');
}

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control character written as an escape (`\n`, `\r`, `\t`, `\x1b`, `\u2028`): what is
 * shown is what the string holds, and nothing in it acts. `keep` lists characters left as they are (a line
 * feed, where the text is meant to span lines). A backslash is left alone: the escapes are for reading.
 */
export function escapeControlCharacters(text: string, keep: readonly string[] = []): string {
  return text.replace(CONTROL_CHARACTERS, (c) => {
    if (keep.includes(c)) return c;
    const code = c.charCodeAt(0);
    return SHORT[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}
