// Ansible host patterns, as given to --limit.
import { isIPv6 } from 'node:net';
import { UsageError } from '../core/errors.js';
import type { Inventory, InventoryHost } from './types.js';

/**
 * The hosts a pattern selects, in inventory order. Undefined selects every host. Parts are separated by `,` or
 * `:`; `&part` intersects, `!part` excludes; a part is a host or group name, an fnmatch glob (`web*`, `db?`,
 * `[ab]*`), or `~regex` matched from the start of the name; `group[0]`, `group[1:3]` (inclusive) and
 * `group[-1]` pick hosts by position. A part matching nothing is a UsageError.
 */
export function selectHosts(inventory: Inventory, pattern?: string): InventoryHost[] {
  if (pattern === undefined) return [...inventory.hosts];
  const parts = splitPattern(pattern);
  if (parts.length === 0) throw new UsageError(`host pattern '${pattern}' is empty`);
  const regular: string[] = [];
  const intersections: string[] = [];
  const exclusions: string[] = [];
  for (const part of parts) {
    if (part.startsWith('&')) intersections.push(part.slice(1));
    else if (part.startsWith('!')) exclusions.push(part.slice(1));
    else regular.push(part);
  }
  // As in Ansible, a pattern of only intersections and exclusions starts from all hosts.
  if (regular.length === 0) regular.push('all');

  const unmatched: string[] = [];
  const matchPart = (part: string): Set<string> => {
    const names = matchOne(inventory, part);
    if (names.size === 0) unmatched.push(part);
    return names;
  };
  const selected = new Set<string>();
  for (const part of regular) for (const name of matchPart(part)) selected.add(name);
  for (const part of intersections) {
    const names = matchPart(part);
    for (const name of [...selected]) if (!names.has(name)) selected.delete(name);
  }
  for (const part of exclusions) for (const name of matchPart(part)) selected.delete(name);

  if (unmatched.length > 0) {
    const list = unmatched.map((part) => `'${part}'`).join(', ');
    throw new UsageError(`host pattern '${pattern}': ${list} matched no host or group of ${inventory.file}`);
  }
  const hosts = inventory.hosts.filter((host) => selected.has(host.name));
  if (hosts.length === 0) throw new UsageError(`host pattern '${pattern}' selects no host of ${inventory.file}`);
  return hosts;
}

/** Splits on commas and on colons outside brackets; an IPv6 address stays whole. */
export function splitPattern(pattern: string): string[] {
  const parts: string[] = [];
  for (const piece of pattern.split(',')) {
    const trimmed = piece.trim();
    if (trimmed === '') continue;
    if (isIPv6(trimmed) || trimmed.startsWith('~')) {
      parts.push(trimmed);
      continue;
    }
    let current = '';
    let depth = 0;
    for (const char of trimmed) {
      if (char === '[') depth++;
      if (char === ']') depth = Math.max(0, depth - 1);
      if (char === ':' && depth === 0) {
        if (current.trim() !== '') parts.push(current.trim());
        current = '';
      } else current += char;
    }
    if (current.trim() !== '') parts.push(current.trim());
  }
  return parts;
}

function matchOne(inventory: Inventory, part: string): Set<string> {
  const { expression, subscript } = splitSubscript(part);
  const matcher = compile(expression, part);
  const groupNames = Object.keys(inventory.groups).filter((name) => matcher(name));
  const selected = new Set<string>();
  for (const name of groupNames) for (const host of hostsOfGroup(inventory, name)) selected.add(host);
  // Ansible also matches host names when no group matched, or when the part is a regex or a glob.
  if (groupNames.length === 0 || expression.startsWith('~') || /[.?*[]/.test(expression)) {
    for (const host of inventory.hosts) if (matcher(host.name)) selected.add(host.name);
  }
  const ordered = inventory.hosts.map((host) => host.name).filter((name) => selected.has(name));
  if (subscript === undefined) return new Set(ordered);
  const count = ordered.length;
  const at = (index: number): number => (index < 0 ? count + index : index);
  const start = at(subscript.start);
  const end = subscript.end === undefined ? start : Math.min(at(subscript.end), count - 1);
  if (start < 0 || start >= count) return new Set();
  return new Set(ordered.slice(start, end + 1));
}

function hostsOfGroup(inventory: Inventory, group: string): Set<string> {
  if (group === 'all') return new Set(inventory.hosts.map((host) => host.name));
  return new Set(inventory.hosts.filter((host) => host.groups.includes(group)).map((host) => host.name));
}

interface Subscript {
  start: number;
  /** Inclusive; undefined for a single index. */
  end?: number;
}

function splitSubscript(part: string): { expression: string; subscript?: Subscript } {
  if (part.startsWith('~')) return { expression: part };
  const match = /^(.+)\[(?:(-?\d+)|(-?\d+)?:(-?\d+)?)\]$/.exec(part);
  if (!match) return { expression: part };
  const [, expression = part, index, start, end] = match;
  if (index !== undefined) return { expression, subscript: { start: Number(index) } };
  return { expression, subscript: { start: Number(start ?? 0), end: Number(end ?? -1) } };
}

function compile(expression: string, part: string): (name: string) => boolean {
  if (expression.startsWith('~')) {
    let regex: RegExp;
    try {
      // Python's re.match: anchored at the start only.
      regex = new RegExp(`^(?:${expression.slice(1)})`);
    } catch (error) {
      throw new UsageError(`host pattern '${part}' is not a valid regular expression: ${(error as Error).message}`);
    }
    return (name) => regex.test(name);
  }
  if (!/[*?[]/.test(expression)) return (name) => name === expression;
  const regex = new RegExp(`^${globToRegexSource(expression)}$`, 's');
  return (name) => regex.test(name);
}

/** fnmatch: `*` any run, `?` one character, `[seq]` and `[!seq]` character sets. */
function globToRegexSource(glob: string): string {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let set = glob.slice(i + 1, close);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\^\]]/g, '\\$&')}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return source;
}
