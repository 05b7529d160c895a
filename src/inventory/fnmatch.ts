// The two ways a host pattern part matches a name in Ansible (InventoryManager._match_list): Python's
// fnmatch.translate of a glob, matched whole; and `~regex`, Python's re.match (anchored at the start only).

/** Python 3.11's fnmatch.translate, ported rule for rule, as a JavaScript regex source matched whole. */
export function globSource(pattern: string): string {
  let source = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern.charAt(i);
    i++;
    if (c === '*') {
      if (!source.endsWith('.*')) source += '.*';
    } else if (c === '?') source += '.';
    else if (c === '[') {
      let j = i;
      if (j < n && pattern[j] === '!') j++;
      if (j < n && pattern[j] === ']') j++;
      while (j < n && pattern[j] !== ']') j++;
      if (j >= n) {
        source += '\\[';
        continue;
      }
      let stuff = pattern.slice(i, j);
      if (!stuff.includes('-')) stuff = stuff.replace(/\\/g, '\\\\');
      else {
        const chunks: string[] = [];
        let k = pattern[i] === '!' ? i + 2 : i + 1;
        for (;;) {
          k = pattern.indexOf('-', k);
          if (k < 0 || k >= j) break;
          chunks.push(pattern.slice(i, k));
          i = k + 1;
          k = k + 3;
        }
        const chunk = pattern.slice(i, j);
        if (chunk) chunks.push(chunk);
        else chunks[chunks.length - 1] += '-';
        // Remove empty ranges (z-a), which a regex refuses.
        for (let m = chunks.length - 1; m > 0; m--) {
          const before = chunks[m - 1] ?? '';
          const after = chunks[m] ?? '';
          if (before.charAt(before.length - 1) > after.charAt(0)) {
            chunks[m - 1] = before.slice(0, -1) + after.slice(1);
            chunks.splice(m, 1);
          }
        }
        stuff = chunks.map((s) => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-')).join('-');
      }
      stuff = stuff.replace(/([&~|])/g, '\\$1');
      i = j + 1;
      if (!stuff) source += '(?!)';
      else if (stuff === '!') source += '.';
      else {
        if (stuff.startsWith('!')) stuff = '^' + stuff.slice(1);
        else if (stuff.startsWith('^') || stuff.startsWith('[')) stuff = '\\' + stuff;
        source += `[${jsClass(stuff)}]`;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return source;
}

/** A Python character set's inside, written for JavaScript: a `]` Python takes as the first member is escaped. */
function jsClass(set: string): string {
  let out = '';
  for (let i = 0; i < set.length; i++) {
    const c = set.charAt(i);
    if (c === '\\') {
      out += c + set.charAt(i + 1);
      i++;
    } else out += c === ']' ? '\\]' : c;
  }
  return out;
}

export function compileGlob(pattern: string): RegExp {
  return new RegExp(`^(?:${globSource(pattern)})$`, 's');
}

/**
 * A Python regex as JavaScript reads it: Python's spellings of named groups, \A and \Z, and inline flags at the
 * start are rewritten; anything else is taken as JavaScript reads it. Throws SyntaxError when it does not compile.
 */
export function compilePythonRegex(source: string): RegExp {
  let flags = '';
  let body = source;
  const leading = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (leading) {
    const letters = leading[1] ?? '';
    if (/[Lx]/.test(letters)) throw new SyntaxError(`inline flags (?${letters}) have no JavaScript equivalent`);
    flags = [...new Set(letters.replace(/[au]/g, ''))].join('');
    body = body.slice(leading[0].length);
  }
  body = body
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])((?:\\\\)*)\\A/g, '$1$2^')
    .replace(/(^|[^\\])((?:\\\\)*)\\Z/g, '$1$2$(?![\\s\\S])');
  return new RegExp(`^(?:${body})`, flags);
}
