// `multi_line_start_pattern`: the agent compiles it with Python's `re`. The tool has no Python at validation
// time, so it translates Python-only syntax to JavaScript (named groups, \A \Z, inline flags, comments),
// refuses JavaScript-only syntax Python rejects (`(?<name>`, `\k<…>`, `\p{…}`, unknown letter escapes),
// and lets JavaScript's RegExp judge the rest.

/** Escapes Python 3 accepts outside a character class; any other `\` + ASCII letter is "bad escape". */
const ESCAPES_OUTSIDE = new Set('abBdDfnrsStvwWxuUNAZ'.split(''));
/** Inside a class \A \B \Z are errors too; \b is a backspace. */
const ESCAPES_INSIDE = new Set('abdDfnrsStvwWxuUN'.split(''));

export type RegexCheck = { ok: true; source: string; flags: string } | { ok: false; reason: string };

function fail(reason: string): RegexCheck {
  return { ok: false, reason };
}

/**
 * A character class's opening at `i` (`[`, `[^`) with the `]` right after it, which Python reads as a literal and
 * JavaScript and RE2 would read as the class's end: written `\\]`. The text and the index after it.
 */
export function classOpening(pattern: string, i: number): { text: string; next: number } {
  let text = '[';
  let next = i + 1;
  if (pattern[next] === '^') {
    text += '^';
    next++;
  }
  if (pattern[next] === ']') {
    text += '\\]';
    next++;
  }
  return { text, next };
}

/** Translates a Python pattern to an equivalent JavaScript one and compiles it; the reason when it cannot. */
export function checkPythonRegex(pattern: string): RegexCheck {
  let out = '';
  let flags = '';
  let inClass = false;
  const groups = new Set<string>();
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return fail('the pattern ends with a lone backslash');
      if (/[A-Za-z]/.test(e)) {
        const allowed = inClass ? ESCAPES_INSIDE : ESCAPES_OUTSIDE;
        if (!allowed.has(e)) return fail(`bad escape \\${e}`);
        if (e === 'x' || e === 'u' || e === 'U') {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = pattern.slice(i + 2, i + 2 + len);
          if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) return fail(`incomplete escape \\${e}${hex}`);
          const code = parseInt(hex, 16);
          if (code > 0x10ffff) return fail(`bad escape \\${e}${hex}`);
          out += String.fromCodePoint(code)
            .split('')
            .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
            .join('');
          i += 2 + len;
          continue;
        }
        if (e === 'N') return fail('\\N{…} named characters cannot be checked here; write the character itself');
        if (e === 'A') out += '(?<![\\s\\S])';
        else if (e === 'Z') out += '(?![\\s\\S])';
        else if (e === 'a') out += '\\x07';
        else out += `\\${e}`;
        i += 2;
        continue;
      }
      out += `\\${e}`;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
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
      const rest = pattern.slice(i + 2);
      let m: RegExpMatchArray | null;
      if ((m = /^P<([^>]*)>/.exec(rest))) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1] as string)) return fail(`bad character in group name '${m[1]}'`);
        if (groups.has(m[1] as string)) return fail(`redefinition of group name '${m[1]}'`);
        groups.add(m[1] as string);
        out += `(?<${m[1]}>`;
        i += 2 + m[0].length;
        continue;
      }
      if ((m = /^P=([^)]*)\)/.exec(rest))) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1] as string)) return fail(`bad character in group name '${m[1]}'`);
        if (!groups.has(m[1] as string)) return fail(`unknown group name '${m[1]}'`);
        out += `\\k<${m[1]}>`;
        i += 2 + m[0].length;
        continue;
      }
      if (rest.startsWith('P')) return fail(`unknown extension ?P${rest.charAt(1)}`);
      if (rest.startsWith('#')) {
        const end = pattern.indexOf(')', i);
        if (end < 0) return fail('missing ), unterminated comment');
        i = end + 1;
        continue;
      }
      if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) {
        return fail('(?<name>…) is JavaScript syntax; Python writes a named group (?P<name>…)');
      }
      if ((m = /^([aiLmsux]+)\)/.exec(rest))) {
        if (i !== 0) return fail('global flags not at the start of the expression');
        for (const f of m[1] as string) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
        i += 2 + m[0].length;
        continue;
      }
      if ((m = /^([aiLmsux]*)(?:-([imsx]+))?:/.exec(rest)) && (m[1] || m[2])) {
        // Scoped flags: Node 20 has no modifiers; a plain group compiles the same way.
        out += '(?:';
        i += 2 + m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  if (inClass) return fail('unterminated character set');
  try {
    new RegExp(out, flags);
  } catch (err) {
    return fail((err as Error).message);
  }
  return { ok: true, source: out, flags };
}
