// Names and keys that end up in rendered files, shells, logs and terminals: a host or group name, or any key of an
// inventory or vars file, with a control character in it is refused before anything else happens. YAML allows
// them all through escapes ("web\n1", "\e[2J"), and Ansible takes them; the tool does not.

// C0 (tab included), DEL, C1, the Unicode line and paragraph separators, and the bidirectional controls that
// make a terminal show text in another order than it is stored.
// eslint-disable-next-line no-control-regex -- finding control characters is this regex's whole purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** The text with every control character spelled as \uXXXX, safe to print. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const CONTROL_CHARACTER_RULE =
  'control characters (newline, carriage return, escape, NUL, other C0/C1, DEL, U+2028/U+2029, bidirectional controls) are not allowed in host names, group names or keys';
