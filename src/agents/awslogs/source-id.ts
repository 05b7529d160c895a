// The agent's source id of a file: md5(section name + the bytes of its fingerprint lines, line ends included),
// the key of its push_state row. Pure.
import { createHash } from 'node:crypto';

/** `file_fingerprint_lines` as the agent reads it: `N` or `N-M`, anything else (007, 01-3, x) line 1. */
export function fingerprintRange(value: string | undefined): { start: number; end: number } {
  if (!value || !/^[1-9][0-9]*-?[0-9]*$/.test(value)) return { start: 1, end: 1 };
  const [a, b] = value.split('-');
  const start = Number(a);
  return { start, end: b ? Number(b) : start };
}

/** The source id of a file whose first bytes are `head`; undefined when it has fewer lines than the range needs. */
export function sourceIdOf(
  section: string,
  head: string | Buffer,
  fingerprint: string | undefined,
): string | undefined {
  const { start, end } = fingerprintRange(fingerprint);
  const bytes = typeof head === 'string' ? Buffer.from(head, 'utf8') : head;
  const lines: Buffer[] = [];
  let at = 0;
  while (at < bytes.length && lines.length < end) {
    const nl = bytes.indexOf(10, at);
    const stop = nl < 0 ? bytes.length : nl + 1;
    lines.push(bytes.subarray(at, stop));
    at = stop;
  }
  const wanted = lines.slice(start - 1, end);
  if (lines.length < end || wanted.length === 0) return undefined;
  return createHash('md5')
    .update(Buffer.concat([Buffer.from(section, 'utf8'), ...wanted]))
    .digest('hex');
}

/** `file_fingerprint_lines` → the last line the probe must read of a file, with the agent's fallback to 1. */
export function fingerprintEnd(value: string | undefined): number {
  if (!value || !/^[1-9][0-9]*(-[0-9]*)?$/.test(value)) return 1;
  const [a, b] = value.split('-');
  return Math.max(Number(a), b ? Number(b) : Number(a));
}
