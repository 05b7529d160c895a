// awslogs' `multi_line_start_pattern` (Python `re`, compiled as bytes by the agent, searched in each line) → a Go
// RE2 pattern the CloudWatch agent searches each line with, where RE2 has the same meaning: named groups stay,
// `\Z` becomes `\z`, a global flag anywhere moves to the start (Python applies it to the whole pattern), `(?#…)`
// comments go, `{,n}` becomes `{0,n}`, escapes RE2 does not know become the character Python read, UTF-8 bytes
// written as `\xNN` become the character. Look-arounds, back-references, conditionals, verbose mode and escapes
// whose meaning depends on the agent's Python cannot be carried: the reason is returned. The result must compile
// with the agent's engine (re2js, as entry.ts checks it). Pure.
import { compileRe2 } from '../re2.js';
import { classOpening } from '../../awslogs/python-regex.js';

export type RegexConversion = { ok: true; pattern: string; notes: string[] } | { ok: false; reason: string };

/** Escapes with one meaning in Python's `re` (bytes) and Go's RE2. */
const SAME_ESCAPES = new Set('dDsSwWbBAfnrtv'.split(''));
/** Go's repetition limit. */
const MAX_REPEAT = 1000;

function refuse(reason: string): RegexConversion {
  return { ok: false, reason };
}

/** Converts one pattern; the reason when RE2 cannot mean the same. */
export function convertPythonRegex(pattern: string): RegexConversion {
  const notes = new Set<string>();
  let out = '';
  let flags = '';
  let inClass = false;
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      const escaped = escape(pattern, i, inClass);
      if ('reason' in escaped) return refuse(escaped.reason);
      out += escaped.text;
      if (escaped.note) notes.add(escaped.note);
      i = escaped.next;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':')
        return refuse('"[:" inside a class: RE2 reads [:name:] as a POSIX class, Python as the characters themselves');
      if (c === ']') inClass = false;
      else if (c.charCodeAt(0) > 0x7f)
        return refuse(
          `the non-ASCII character ${JSON.stringify(c)} inside a class: awslogs matched each of its bytes, RE2 the character`,
        );
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      const open = classOpening(pattern, i);
      out += open.text;
      i = open.next;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const group = extension(pattern, i, out === '');
      if ('reason' in group) return refuse(group.reason);
      out += group.text;
      for (const f of group.flags ?? '') if (!flags.includes(f)) flags += f;
      if (group.note) notes.add(group.note);
      i = group.next;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d*)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (m && (m[1] !== '' || m[2] !== undefined)) {
        const low = m[1] === '' ? '0' : m[1]!;
        if (Number(low) > MAX_REPEAT || (m[2] !== undefined && m[2] !== '' && Number(m[2]) > MAX_REPEAT))
          return refuse(`the repetition ${m[0]} is over RE2's limit of ${MAX_REPEAT}`);
        if (m[1] === '') notes.add('{,n} → {0,n}: RE2 reads "{,n}" as literal text');
        out += m[2] === undefined ? `{${low}}` : `{${low},${m[2]}}`;
        i += m[0].length;
        continue;
      }
      out += '\\{';
      i++;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i++;
      continue;
    }
    if (c.charCodeAt(0) > 0x7f) {
      const next = pattern[i + 1];
      if (next !== undefined && '*+?{'.includes(next))
        return refuse(
          `a quantifier after the non-ASCII character ${JSON.stringify(c)}: awslogs repeated its last byte, RE2 the character`,
        );
      notes.add('non-ASCII text: awslogs matched its UTF-8 bytes, the CloudWatch agent matches the decoded characters');
    }
    out += c;
    i++;
  }
  if (inClass) return refuse('unterminated character class');
  const result = (flags ? `(?${flags})` : '') + out;
  const compiled = compileRe2(result);
  if (!compiled.ok) return refuse(`RE2 refuses ${JSON.stringify(result)}: ${compiled.reason}`);
  if (/[.]/.test(out.replace(/\\./g, '')))
    notes.add('on non-ASCII text "." matched one byte in awslogs, one character in the CloudWatch agent');
  return { ok: true, pattern: result, notes: [...notes] };
}

type Piece = { text: string; next: number; note?: string; flags?: string } | { reason: string };

/** One escape at `i` (pattern[i] is the backslash). */
function escape(pattern: string, i: number, inClass: boolean): Piece {
  const e = pattern[i + 1];
  if (e === undefined) return { reason: 'the pattern ends with a lone backslash' };
  if (e === 'Z' && !inClass) return { text: '\\z', next: i + 2, note: '\\Z → \\z (end of text)' };
  if (e === 'b' && inClass) return { text: '\\x08', next: i + 2 };
  if (e === 'a') return { text: '\\x07', next: i + 2 };
  if (SAME_ESCAPES.has(e) && !(inClass && 'AB'.includes(e))) return { text: `\\${e}`, next: i + 2 };
  if (e === 'x') {
    const bytes: number[] = [];
    let j = i;
    while (pattern[j] === '\\' && pattern[j + 1] === 'x' && /^[0-9A-Fa-f]{2}$/.test(pattern.slice(j + 2, j + 4))) {
      bytes.push(parseInt(pattern.slice(j + 2, j + 4), 16));
      j += 4;
      if (bytes[bytes.length - 1]! < 0x80) break;
    }
    if (bytes.length === 0) return { reason: `incomplete escape ${pattern.slice(i, i + 4)}` };
    if (bytes.length === 1 && bytes[0]! < 0x80) return { text: `\\x${pattern.slice(i + 2, i + 4)}`, next: j };
    const ascii = bytes[bytes.length - 1]! < 0x80 ? bytes.pop() : undefined;
    if (ascii !== undefined) j -= 4;
    const text = new TextDecoder('utf-8', { fatal: true });
    let chars: string;
    try {
      chars = text.decode(Uint8Array.from(bytes));
    } catch {
      return {
        reason: `the bytes ${pattern.slice(i, j)} are not UTF-8 text: awslogs matched raw bytes, the CloudWatch agent matches decoded characters`,
      };
    }
    if (inClass && [...chars].length > 1)
      return { reason: `the bytes ${pattern.slice(i, j)} inside a class: awslogs matched each byte, RE2 characters` };
    return {
      text: [...chars].map((ch) => `\\x{${ch.codePointAt(0)!.toString(16)}}`).join(''),
      next: j,
      note: 'UTF-8 bytes written as \\xNN escapes → the characters they encode',
    };
  }
  if (e === 'u' || e === 'U' || e === 'N')
    return {
      reason: `\\${e} means a character on Python 3 and the letter ${e} on Python 2.7 (Amazon Linux's awslogs): write the character itself`,
    };
  if (e === '0') {
    const oct = /^0[0-7]{0,2}/.exec(pattern.slice(i + 1))![0];
    return { text: `\\x{${parseInt(oct, 8).toString(16)}}`, next: i + 1 + oct.length };
  }
  if (/[1-9]/.test(e)) {
    const oct = /^[0-7]{3}/.exec(pattern.slice(i + 1));
    if (oct) return { text: `\\x{${parseInt(oct[0], 8).toString(16)}}`, next: i + 4 };
    return { reason: `\\${e} is a back-reference: RE2 has none` };
  }
  if (/[A-Za-z]/.test(e))
    return {
      text: e,
      next: i + 2,
      note: `\\${e} → ${e}: Python 2.7 reads an unknown letter escape as the letter (RE2 would refuse or give it a meaning)`,
    };
  if (e.charCodeAt(0) > 0x7f) return { text: e, next: i + 2 };
  return { text: `\\${e}`, next: i + 2 };
}

/** A `(?…` group at `i`; `atStart`: nothing precedes it in the pattern. */
function extension(pattern: string, i: number, atStart: boolean): Piece {
  const rest = pattern.slice(i + 2);
  if (rest.startsWith('P<')) return { text: '(?P<', next: i + 4 };
  if (rest.startsWith('P=')) return { reason: '(?P=name) is a back-reference: RE2 has none' };
  if (rest.startsWith(':')) return { text: '(?:', next: i + 3 };
  if (/^(?:=|!|<=|<!)/.test(rest)) return { reason: 'a look-around (?=, (?!, (?<=, (?<!: RE2 has none' };
  if (rest.startsWith('(')) return { reason: 'a conditional group (?(…): RE2 has none' };
  if (rest.startsWith('#')) {
    const end = pattern.indexOf(')', i);
    if (end < 0) return { reason: 'unterminated comment (?#' };
    return { text: '', next: end + 1, note: '(?#…) comments removed' };
  }
  const m = /^([aiLmsux]*)(?:-([imsx]+))?([:)])/.exec(rest);
  if (!m || (m[1] === '' && m[2] === undefined)) return { reason: `unknown group extension (?${rest.slice(0, 2)}` };
  const all = `${m[1]}${m[2] ?? ''}`;
  if (all.includes('x'))
    return { reason: 'verbose mode (?x): RE2 has none; write the pattern without spaces and comments' };
  if (all.includes('L')) return { reason: "(?L) makes \\w and \\b follow the agent's locale: RE2 has no such mode" };
  if (all.includes('u'))
    return { reason: '(?u) makes \\w, \\d and \\s match Unicode on Python: RE2 has no such mode for them' };
  const flags = m[1]!.replace('a', ''); // (?a): ASCII classes, which RE2's are
  if (m[3] === ':') return { text: `(?${flags}${m[2] ? `-${m[2]}` : ''}:`, next: i + 2 + m[0].length };
  return {
    text: '',
    flags,
    next: i + 2 + m[0].length,
    note: atStart ? undefined : `(?${m[1]}) moved to the start: Python applies it to the whole pattern`,
  };
}
