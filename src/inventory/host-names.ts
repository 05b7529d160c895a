// Host entries as Ansible writes them under `hosts:`: `web[01:20].example.com`, `db[a:c]`, `web1:2222`,
// `[2001:db8::1]:22`.

/** Hostile input guard: one entry never expands to more hosts than this. */
export const MAX_HOSTS_PER_ENTRY = 10_000;

export interface HostEntry {
  names: string[];
  port?: number;
}

/** Expands one host entry; throws an Error with a short reason when the range is malformed. */
export function expandHostEntry(entry: string): HostEntry {
  const { name, port } = splitPort(entry);
  const names: string[] = [];
  expandRanges(name, names);
  return port === undefined ? { names } : { names, port };
}

function splitPort(entry: string): { name: string; port?: number } {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed?.[1]?.includes(':')) {
    return bracketed[2] === undefined ? { name: bracketed[1] } : { name: bracketed[1], port: Number(bracketed[2]) };
  }
  const outside = entry.replace(/\[[^\]]*\]/g, (group) => '_'.repeat(group.length));
  const colons = [...outside.matchAll(/:/g)].length;
  if (colons !== 1) return { name: entry }; // a bare IPv6 address or no port at all
  const at = outside.indexOf(':');
  const port = entry.slice(at + 1);
  if (!/^\d+$/.test(port)) return { name: entry };
  return { name: entry.slice(0, at), port: Number(port) };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function expandRanges(name: string, out: string[]): void {
  const range = /^([^[]*)\[([^\]]*:[^\]]*)\](.*)$/.exec(name);
  if (!range) {
    out.push(name);
    return;
  }
  const [, head = '', spec = '', tail = ''] = range;
  const bounds = spec.split(':');
  if (bounds.length !== 2 && bounds.length !== 3)
    throw new Error('a host range must be [begin:end] or [begin:end:step]');
  const begin = bounds[0] || '0';
  const end = bounds[1] ?? '';
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (end === '') throw new Error('a host range must give its end');
  if (!Number.isInteger(step) || step < 1) throw new Error('a host range step must be a positive integer');
  let values: string[];
  if (LETTERS.includes(begin) && begin.length === 1 && LETTERS.includes(end) && end.length === 1) {
    const from = LETTERS.indexOf(begin);
    const to = LETTERS.indexOf(end);
    if (from > to) throw new Error('a host range must have begin <= end');
    values = [];
    for (let i = from; i <= to; i += step) values.push(LETTERS[i] ?? '');
  } else {
    if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) throw new Error('a host range must be numeric or single letters');
    const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
    if (width > 0 && end.length !== width)
      throw new Error('a zero-padded host range needs begin and end of equal width');
    const from = Number(begin);
    const to = Number(end);
    if (from > to) throw new Error('a host range must have begin <= end');
    if ((to - from) / step + 1 > MAX_HOSTS_PER_ENTRY) {
      throw new Error(`a host range may expand to at most ${MAX_HOSTS_PER_ENTRY} hosts`);
    }
    values = [];
    for (let i = from; i <= to; i += step) values.push(String(i).padStart(width, '0'));
  }
  for (const value of values) {
    expandRanges(`${head}${value}${tail}`, out);
    if (out.length > MAX_HOSTS_PER_ENTRY)
      throw new Error(`a host entry may expand to at most ${MAX_HOSTS_PER_ENTRY} hosts`);
  }
}
