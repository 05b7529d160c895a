// Python's glob.glob for the `file` option: `*`, `?` and `[...]` within one path segment, no `**`, and
// names starting with `.` only matched by a pattern segment that starts with `.`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = /[*?[]/;

/** fnmatch.translate for one segment. */
export function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function glob(pattern: string): string[] {
  if (!MAGIC.test(pattern)) return existsSync(pattern) ? [pattern] : [];
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p) => p !== '');
  let candidates = [absolute ? '/' : '.'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of candidates) {
      if (!MAGIC.test(part)) {
        const p = join(dir, part);
        if (existsSync(p)) next.push(p);
        continue;
      }
      let names: string[];
      try {
        if (!statSync(dir).isDirectory()) continue;
        names = readdirSync(dir);
      } catch {
        continue;
      }
      const re = segmentRegex(part);
      for (const name of names) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(join(dir, name));
      }
    }
    candidates = next;
  }
  return absolute ? candidates : candidates.map((c) => c.replace(/^\.\//, ''));
}
