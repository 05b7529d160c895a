// `multi_line_start_pattern` as the agent's reader really compiles it: `re.compile(six.b(pattern))`, a BYTES
// pattern matched against the raw bytes of each line. What that means depends on the Python the agent runs on:
//   - Python 3: six.b encodes with Latin-1. A character outside Latin-1 (`^오류`) raises UnicodeEncodeError; a
//     `\u`, `\U` or `\N` escape is a "bad escape" in a bytes pattern; `(?u)` is refused ("cannot use UNICODE
//     flag with a bytes pattern"). The reader is never made: the stream ships nothing ("Failed to refresh
//     stream" every 60 s). A Latin-1 character such as `é` becomes the one byte E9, which UTF-8 text never holds.
//   - Python 2.7 (Amazon Linux's own package): the configured text is already bytes (UTF-8 as written in the
//     file); the same patterns compile and match byte for byte; `\u` is a literal `u`.
// On both, `\s`, `\w`, `\d` and `\b` are ASCII (a line starting with U+00A0, bytes C2 A0, starts a new event
// under the default `^[^\s]`), and (?i) folds ASCII letters only. Pure: the translation to a JavaScript regex
// over the line's bytes read as Latin-1 (one character per byte), so that both match the same lines.

export type AgentPython = '2.7' | '3';

/** A Python exception as the agent would raise it: its type and its repr() (what `%r` logs). */
export class PythonError extends Error {
  constructor(
    readonly type: string,
    readonly repr: string,
    /** In the tool's words: why the agent cannot use the pattern. */
    readonly rule: string,
  ) {
    super(repr);
    this.name = 'PythonError';
  }
}

/** Python 3's repr() of a str: quotes and escapes as Python prints them. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch)) {
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return quote + out + quote;
}

/**
 * six.b(pattern) as the agent's Python gives it, one character per byte (Latin-1 view). Python 3 raises
 * UnicodeEncodeError at the first run of characters outside Latin-1.
 */
export function patternBytes(pattern: string, python: AgentPython): string {
  if (python === '2.7') return Buffer.from(pattern, 'utf8').toString('latin1');
  const chars = [...pattern];
  const bad = chars.findIndex((c) => c.codePointAt(0)! > 0xff);
  if (bad >= 0) {
    let end = bad;
    while (end < chars.length && chars[end]!.codePointAt(0)! > 0xff) end++;
    throw new PythonError(
      'UnicodeEncodeError',
      `UnicodeEncodeError('latin-1', ${pyRepr(pattern)}, ${bad}, ${end}, 'ordinal not in range(256)')`,
      `${JSON.stringify(chars.slice(bad, end).join(''))} is outside Latin-1: the agent on Python 3 compiles the pattern as Latin-1 bytes and cannot encode it`,
    );
  }
  return pattern;
}

const ASCII_SPACE = '\\t\\n\\x0b\\x0c\\r ';
const CLASS_IN: Record<string, string> = {
  s: ASCII_SPACE,
  S: '\\x00-\\x08\\x0e-\\x1f\\x21-\\xff',
  d: '0-9',
  D: '\\x00-\\x2f\\x3a-\\xff',
  w: 'A-Za-z0-9_',
  W: '\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\xff',
};
/** Python 2's (?u) on a byte string: Unicode's view of the Latin-1 range. */
const CLASS_IN_UNICODE: Record<string, string> = {
  s: '\\t-\\r\\x1c-\\x20\\x85\\xa0',
  S: '\\x00-\\x08\\x0e-\\x1b\\x21-\\x84\\x86-\\x9f\\xa1-\\xff',
  d: '0-9',
  D: '\\x00-\\x2f\\x3a-\\xff',
  w: 'A-Za-z0-9_\\xaa\\xb2\\xb3\\xb5\\xb9\\xba\\xbc-\\xbe\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff',
  W: '\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\xa9\\xab-\\xb1\\xb4\\xb6-\\xb8\\xbb\\xbf\\xd7\\xf7',
};

/** What (?x) skips outside a set: Python's whitespace for bytes. */
const VERBOSE_SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
const hex = (code: number): string => `\\x${code.toString(16).padStart(2, '0')}`;
const isLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const otherCase = (code: number): number => (code >= 97 ? code - 32 : code + 32);

interface Flags {
  i: boolean;
  s: boolean;
  x: boolean;
  u: boolean;
}

/** The compiled pattern: does a line (its bytes) start a new event? */
export interface BytesMatcher {
  /** JavaScript source over the Latin-1 view of the bytes. */
  readonly source: string;
  test(line: Buffer | string): boolean;
}

function bytesError(message: string, rule: string): PythonError {
  return new PythonError('error', `error(${pyRepr(message)})`, rule);
}

/**
 * Compiles the pattern as the agent's reader does (Python `re` on bytes) into a matcher over a line's bytes.
 * `ignoreCase` is the reader's re.IGNORECASE (set for `{datetime_format}`). Throws PythonError with the
 * exception the agent would raise there.
 */
export function compileBytesPattern(pattern: string, python: AgentPython, ignoreCase = false): BytesMatcher {
  const p = patternBytes(pattern, python);
  const global: Flags = { i: ignoreCase, s: false, x: false, u: false };
  // Python 2 and Python 3 before 3.11 apply a (?flags) group anywhere to the whole pattern; 3.11 refuses one
  // that is not at the start (the config check has by then replaced such a pattern by the default).
  for (const m of p.matchAll(/(?<!\\)\(\?([aiLmsux]+)(?:-[imsx]+)?[:)]/g)) {
    const u = m[1]!.indexOf('u');
    if (u >= 0 && python === '3')
      throw new PythonError(
        'error',
        `error(${pyRepr(`bad inline flags: cannot use 'u' flag with a bytes pattern at position ${m.index + 3 + u}`)})`,
        '(?u) is refused in a bytes pattern: the agent on Python 3 compiles the pattern as bytes',
      );
    if (!m[0].endsWith(')')) continue; // a scoped group: its flags apply inside it only
    for (const f of m[1]!) if (f === 'i' || f === 's' || f === 'x' || f === 'u') global[f] = true;
  }
  const source = translate(p, python, global);
  const regex = new RegExp(source);
  return {
    source,
    test: (line) => regex.test(typeof line === 'string' ? line : line.toString('latin1')),
  };
}

/** The Python (bytes) pattern `p` in JavaScript syntax, over a Latin-1 string; flags as Python applies them. */
function translate(p: string, python: AgentPython, global: Flags): string {
  let out = '';
  let i = 0;
  const n = p.length;
  const stack: Flags[] = [];
  let flags: Flags = { ...global };
  const classes = () => (flags.u && python === '2.7' ? CLASS_IN_UNICODE : CLASS_IN);
  const literal = (code: number): string => {
    if (flags.i && isLetter(code)) return `[${String.fromCharCode(code)}${String.fromCharCode(otherCase(code))}]`;
    return hex(code);
  };
  while (i < n) {
    const c = p[i]!;
    if (flags.x && VERBOSE_SPACE.has(c)) {
      i++;
      continue;
    }
    if (flags.x && c === '#') {
      while (i < n && p[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      const [text, used] = escape(p, i, python, false, classes(), literal);
      out += text;
      i += used;
      continue;
    }
    if (c === '[') {
      const [text, used] = charClass(p, i, python, flags, classes());
      out += text;
      i += used;
      continue;
    }
    if (c === '.') {
      out += flags.s ? '[\\s\\S]' : '[^\\n]';
      i++;
      continue;
    }
    if (c === '(') {
      const rest = p.slice(i + 1);
      stack.push(flags);
      flags = { ...flags };
      let m: RegExpExecArray | null;
      if (!rest.startsWith('?')) {
        out += '(';
        i++;
      } else if ((m = /^\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        out += `(?<${m[1]}>`;
        i += 1 + m[0].length;
      } else if ((m = /^\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
        flags = stack.pop()!;
        out += `\\k<${m[1]}>`;
        i += 1 + m[0].length;
      } else if (rest.startsWith('?#')) {
        flags = stack.pop()!;
        const end = p.indexOf(')', i);
        if (end < 0) throw bytesError('missing ), unterminated comment', 'an unterminated (?# comment');
        i = end + 1;
      } else if ((m = /^\?([aiLmsux]+)\)/.exec(rest))) {
        flags = stack.pop()!; // a global flag group: already applied to the whole pattern
        i += 1 + m[0].length;
      } else if ((m = /^\?([aiLmsux]*)(?:-([imsx]+))?:/.exec(rest))) {
        for (const f of m[1] ?? '') if (f in flags) flags[f as keyof Flags] = true;
        for (const f of m[2] ?? '') if (f in flags) flags[f as keyof Flags] = false;
        out += '(?:';
        i += 1 + m[0].length;
      } else if ((m = /^\?(?:[:=!]|<=|<!)/.exec(rest))) {
        out += `(${m[0]}`;
        i += 1 + m[0].length;
      } else {
        throw bytesError(
          `unknown extension ?${rest.charAt(1)} at position ${i + 1}`,
          'a group syntax Python does not know',
        );
      }
      continue;
    }
    if (c === ')') {
      flags = stack.pop() ?? flags;
      out += ')';
      i++;
      continue;
    }
    if (c === '{') {
      // Python's {,n} means {0,n}; a brace that is no quantifier is a literal.
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i));
      if (m && (m[1] !== '' || (m[2] === ',' && m[3] !== ''))) {
        out += `{${m[1] === '' ? '0' : m[1]}${m[2]}${m[3]}}`;
        i += m[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if ('*+?|^$'.includes(c)) {
      out += c;
      i++;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i++;
      continue;
    }
    out += literal(c.charCodeAt(0));
    i++;
  }
  return out;
}

/** One escape at p[i] (a backslash): its JavaScript text and how many characters it took. */
function escape(
  p: string,
  i: number,
  python: AgentPython,
  inClass: boolean,
  classes: Record<string, string>,
  literal: (code: number) => string,
): [string, number] {
  const e = p[i + 1];
  if (e === undefined) throw bytesError('bad escape (end of pattern)', 'the pattern ends with a lone backslash');
  if (e in classes) return [inClass ? classes[e]! : `[${classes[e]}]`, 2];
  if (!inClass) {
    if (e === 'b') return ['\\b', 2];
    if (e === 'B') return ['\\B', 2];
    if (e === 'A') return ['(?<![\\s\\S])', 2];
    if (e === 'Z') return ['(?![\\s\\S])', 2];
  } else if (e === 'b') return ['\\x08', 2];
  if (e === 'x') {
    const m = /^[0-9A-Fa-f]{2}/.exec(p.slice(i + 2));
    if (!m) throw bytesError(`incomplete escape \\x at position ${i}`, 'an incomplete \\x escape');
    const code = parseInt(m[0], 16);
    return [inClass ? hex(code) : literal(code), 4];
  }
  if (/[0-9]/.test(e)) {
    // In a set every digit escape is octal; outside, three octal digits or a leading 0.
    const octal = (inClass ? /^[0-7]{1,3}/ : /^[0-7]{3}/).exec(p.slice(i + 1));
    if (octal || e === '0') {
      const digits = octal ? octal[0] : (/^0[0-7]{0,2}/.exec(p.slice(i + 1))?.[0] ?? '0');
      const code = parseInt(digits, 8) & 0xff;
      return [inClass ? hex(code) : literal(code), 1 + digits.length];
    }
    const ref = /^[1-9][0-9]?/.exec(p.slice(i + 1))![0];
    return [`\\${ref}`, 1 + ref.length];
  }
  const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (e in simple) return [hex(simple[e]!), 2];
  if (/[A-Za-z]/.test(e)) {
    if (python === '3')
      throw bytesError(
        `bad escape \\${e} at position ${i}`,
        `\\${e} is a bad escape in a bytes pattern: the agent on Python 3 compiles the pattern as bytes`,
      );
    return [inClass ? hex(e.charCodeAt(0)) : literal(e.charCodeAt(0)), 2]; // Python 2: an unknown escape is the letter
  }
  const code = e.charCodeAt(0);
  return [inClass ? hex(code) : literal(code), 2];
}

/** A character class at p[i] (`[`): its JavaScript text and length, ASCII letters folded under (?i). */
function charClass(
  p: string,
  i: number,
  python: AgentPython,
  flags: Flags,
  classes: Record<string, string>,
): [string, number] {
  let j = i + 1;
  let negate = false;
  if (p[j] === '^') {
    negate = true;
    j++;
  }
  const items: string[] = [];
  const fold = (lo: number, hi: number): void => {
    if (!flags.i) return;
    for (let code = lo; code <= hi && code <= 122; code++) if (isLetter(code)) items.push(hex(otherCase(code)));
  };
  let first = true;
  for (;;) {
    if (j >= p.length) throw bytesError(`unterminated character set at position ${i}`, 'an unterminated [ set');
    const c = p[j]!;
    if (c === ']' && !first) {
      j++;
      break;
    }
    first = false;
    let lo: number;
    let text: string;
    if (c === '\\') {
      const e = p[j + 1];
      if (e !== undefined && e in classes) {
        items.push(classes[e]!);
        j += 2;
        continue;
      }
      const [t, used] = escape(p, j, python, true, classes, hex);
      text = t;
      lo = parseInt(t.slice(2), 16);
      j += used;
    } else {
      lo = c.charCodeAt(0);
      text = hex(lo);
      j++;
    }
    if (p[j] === '-' && p[j + 1] !== undefined && p[j + 1] !== ']') {
      let hi: number;
      let hiText: string;
      if (p[j + 1] === '\\') {
        const [t, used] = escape(p, j + 1, python, true, classes, hex);
        hiText = t;
        hi = parseInt(t.slice(2), 16);
        j += 1 + used;
      } else {
        hi = p.charCodeAt(j + 1);
        hiText = hex(hi);
        j += 2;
      }
      if (hi < lo)
        throw bytesError(`bad character range at position ${i}`, 'a character range whose end is before its start');
      items.push(`${text}-${hiText}`);
      fold(lo, hi);
      continue;
    }
    items.push(text);
    fold(lo, lo);
  }
  return [`[${negate ? '^' : ''}${items.join('')}]`, j - i];
}

/**
 * Why the agent on Python 3 cannot compile the pattern as bytes (the reader then never starts), or
 * undefined. `{datetime_format}` is the format's own regex: only its characters outside Latin-1 count.
 */
export function python3BytesProblem(pattern: string, datetimeFormat?: string): PythonError | undefined {
  try {
    if (pattern === '{datetime_format}') {
      if (datetimeFormat !== undefined) patternBytes(datetimeFormat, '3');
      return undefined;
    }
    compileBytesPattern(pattern, '3');
    return undefined;
  } catch (err) {
    if (err instanceof PythonError) return err;
    return undefined; // a syntax JavaScript cannot express: not the bytes rule's to judge
  }
}

/**
 * The same pattern written so that both Pythons compile it to the same bytes: characters outside ASCII and
 * \u/\U escapes as the \xNN escapes of their UTF-8 bytes, (?u) left out; undefined when a set holds such a
 * character (a byte range cannot say "one of these characters").
 */
export function portablePattern(pattern: string): string | undefined {
  const utf8 = (cp: number): string =>
    [...Buffer.from(String.fromCodePoint(cp), 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  let out = '';
  let inClass = false;
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const e = chars[i + 1];
      const len = e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const hexDigits = chars.slice(i + 2, i + 2 + len).join('');
      if (len > 0 && new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hexDigits)) {
        const cp = parseInt(hexDigits, 16);
        if (inClass && cp > 0x7f) return undefined;
        out += utf8(cp);
        i += 1 + len;
        continue;
      }
      out += c + (e ?? '');
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    const cp = c.codePointAt(0)!;
    if (cp > 0x7f) {
      if (inClass) return undefined;
      out += utf8(cp);
    } else out += c;
  }
  return out.replace(/\(\?([aiLmsx]*)u([aiLmsx]*)(\)|:|-)/g, (_m, a: string, b: string, end: string) =>
    a + b === '' && end === ')' ? '' : `(?${a}${b}${end}`,
  );
}
