// Host entries as Ansible reads them under `hosts:` (plugins/inventory/__init__.py, _expand_hostpattern and
// expand_hostname_range): `web[01:20].example.com`, `db[a:c]`, `web1:2222`, `[2001:db8::1]:22`, rule for rule,
// including the odd ones (a reversed numeric range is no host at all; `h[a:e:2]` steps over letters).
import { parseAddress } from './address.js';

export interface HostEntry {
  names: string[];
  /** The port written after the name; Ansible applies it only where the entry creates the host, and not 0. */
  port?: number;
}

/** How many more host names the inventory may still expand to; shared by every entry of one inventory. */
export interface HostBudget {
  remaining: number;
}

/** A malformed entry: the message is Ansible's own reason, which Ansible reports as a parse failure. */
export class HostEntryError extends Error {}

/** The entry would take the inventory past its host budget. */
export class HostBudgetError extends Error {
  constructor(readonly wanted: number) {
    super(`expands to ${wanted} more host names`);
  }
}

/** Expands one host entry; throws HostEntryError or HostBudgetError before any name is made. */
export function expandHostEntry(entry: string, budget: HostBudget = { remaining: Infinity }): HostEntry {
  const address = parseAddress(entry);
  const name = address?.host ?? entry;
  const port = address?.port;
  if (!name.includes('[')) {
    take(budget, 1);
    return port === undefined ? { names: [name] } : { names: [name], port };
  }
  const levels = rangeLevels(name);
  const count = levels.reduce((product, level) => product * level.count, 1);
  take(budget, count);
  const names: string[] = [];
  if (count > 0) expand(levels, 0, levels[0]?.head ?? '', names);
  return port === undefined ? { names } : { names, port };
}

function take(budget: HostBudget, count: number): void {
  if (count > budget.remaining) throw new HostBudgetError(count);
  budget.remaining -= count;
}

interface RangeLevel {
  /** Text before this range (after the previous one's value). */
  head: string;
  count: number;
  value(index: number): string;
  /** Text after the last range, on the last level only. */
  tail: string;
}

// Ansible splits at the first '[' and the first ']' and recurses into the tail for the next range. The head
// holds no bracket and a value is digits or letters, so every value of one level leaves the same tail: the
// levels can be read once and their sizes multiplied before a single name is made.
function rangeLevels(line: string): RangeLevel[] {
  const levels: RangeLevel[] = [];
  let rest = line;
  while (rest.includes('[')) {
    const parts = rest.replace('[', '|').replace(']', '|').split('|');
    if (parts.length !== 3) throw new HostEntryError('a host range needs one [ and one ] around begin:end');
    const [head = '', spec = '', tail = ''] = parts;
    const level = { head, ...rangeValues(spec), tail: '' };
    levels.push(level);
    rest = tail;
    // Ansible never looks further once a range is empty: the rest of the entry is not even checked.
    if (level.count === 0) break;
  }
  const last = levels[levels.length - 1];
  if (last) last.tail = rest;
  return levels;
}

function expand(levels: RangeLevel[], index: number, prefix: string, out: string[]): void {
  const level = levels[index];
  if (!level) return;
  const next = levels[index + 1];
  for (let i = 0; i < level.count; i++) {
    const text = prefix + level.value(i);
    if (next) expand(levels, index + 1, text + next.head, out);
    else out.push(text + level.tail);
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function rangeValues(spec: string): { count: number; value(index: number): string } {
  const bounds = spec.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostEntryError('host range must be begin:end or begin:end:step');
  }
  const begin = bounds[0] || '0';
  const end = bounds[1] ?? '';
  const stepText = bounds[2] ?? '1';
  if (end === '') throw new HostEntryError('host range must specify end value');
  let fill = (n: number): string => String(n);
  if (begin.startsWith('0') && begin.length > 1) {
    if (begin.length !== end.length) {
      throw new HostEntryError('host range must specify equal-length begin and end formats');
    }
    fill = (n) => zfill(String(n), begin.length);
  }
  // As Python's str.index: a letter range may even name several letters ("ab" is found at 0).
  const from = LETTERS.indexOf(begin);
  const to = LETTERS.indexOf(end);
  const step = pythonInt(stepText);
  if (from >= 0 && to >= 0) {
    if (from > to) throw new HostEntryError('host range must have begin <= end');
    // A negative step over letters is Python's empty slice; a step of 0 or a non-number falls through to
    // numbers, as in Ansible, and fails there.
    if (step !== undefined && step < 0) return { count: 0, value: () => '' };
    if (step !== undefined && step > 0) {
      return { count: Math.floor((to - from) / step) + 1, value: (i) => LETTERS[from + i * step] ?? '' };
    }
  }
  const first = pythonInt(begin);
  const last = pythonInt(end);
  if (first === undefined || last === undefined || step === undefined) {
    throw new HostEntryError(`host range bounds must be numbers or letters, not ${JSON.stringify(spec)}`);
  }
  if (step === 0) throw new HostEntryError('host range step must not be zero');
  // Python's range(first, last + 1, step): a reversed range is empty, a negative step counts down.
  const stop = last + 1;
  const count = Math.max(0, step > 0 ? Math.ceil((stop - first) / step) : Math.ceil((first - stop) / -step));
  return { count, value: (i) => fill(first + i * step) };
}

/** Python's int(text) for ASCII digits: spaces around, a sign, single underscores between digits. */
function pythonInt(text: string): number | undefined {
  if (!/^\s*[-+]?[0-9]+(?:_[0-9]+)*\s*$/.test(text)) return undefined;
  return Number(text.replace(/[\s_]/g, ''));
}

/** Python's str.zfill: zeros after the sign. */
function zfill(text: string, width: number): string {
  const sign = text.startsWith('-') || text.startsWith('+') ? text.charAt(0) : '';
  return sign + text.slice(sign.length).padStart(width - sign.length, '0');
}
