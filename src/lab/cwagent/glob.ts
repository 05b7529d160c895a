// The agent's file_path globs: Go's filepath.Match per segment (`*`, `?`, `[…]`; a leading dot is not special),
// and `**` for any depth of folders (doublestar).
import { readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

const MAGIC = /[*?[]/;

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) return /(?!)/; // Go: ErrBadPattern, nothing matches
      let body = segment.slice(i + 1, close);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < segment.length) re += segment[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function stat(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** Absolute paths matching an absolute pattern. */
export function glob(pattern: string): string[] {
  if (!MAGIC.test(pattern)) return stat(pattern) ? [pattern] : [];
  let candidates = ['/'];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    const next = new Set<string>();
    for (const dir of candidates) {
      if (part === '**') {
        // Zero or more folders below.
        const stack = [dir];
        while (stack.length > 0) {
          const d = stack.pop()!;
          next.add(d);
          for (const name of list(d)) {
            const p = path.join(d, name);
            if (stat(p)?.isDirectory()) stack.push(p);
          }
        }
      } else if (!MAGIC.test(part)) {
        const p = path.join(dir, part);
        if (stat(p)) next.add(p);
      } else {
        const re = segmentRegex(part);
        for (const name of list(dir)) if (re.test(name)) next.add(path.join(dir, name));
      }
    }
    candidates = [...next];
  }
  return candidates;
}
