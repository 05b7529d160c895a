// Host patterns as given to --limit, read as ansible-core 2.14 reads `ansible all --limit PATTERN`
// (inventory/manager.py: split_host_pattern, subset, _evaluate_patterns, _match_one_pattern, _enumerate_matches,
// _apply_subscript). Stricter than Ansible in two ways, both in ansible-differences.ts: an exclusion that matches no
// host and no group is refused, and so is a pattern that leaves no host (Ansible refuses that one too).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { parseAddress } from './address.js';
import { compileGlob, compilePythonRegex } from './fnmatch.js';
import { hostsOfGroup } from './group-hosts.js';
import type { GroupShape } from './group-hosts.js';
import type { Inventory, InventoryHost } from './types.js';

export interface Selection {
  /** In the inventory's order (Ansible's order of all). */
  hosts: InventoryHost[];
  /** What Ansible warns about and goes on: a part that matches nothing, a [x-y] subscript. */
  warnings: string[];
}

/** The hosts a pattern selects, in inventory order; undefined selects every host. Throws UsageError (exit 2). */
export function selectHosts(inventory: Inventory, pattern?: string): InventoryHost[] {
  return selection(inventory, pattern).hosts;
}

export function selection(inventory: Inventory, pattern?: string): Selection {
  if (pattern === undefined) return { hosts: [...inventory.hosts], warnings: [] };
  const parts = subsetParts(pattern);
  if (parts.every((part) => part === '')) throw new UsageError(`host pattern '${pattern}' is empty`);
  const matcher = new PatternMatcher(inventory, pattern);
  const chosen = new Set(matcher.evaluate(parts));
  const hosts = inventory.hosts.filter((host) => chosen.has(host.name));
  // As Ansible: an inventory without a host selects nothing with a warning; otherwise selecting nothing is an error.
  if (inventory.hosts.length === 0) {
    return { hosts, warnings: [...matcher.warnings, `the inventory ${inventory.file} has no hosts`] };
  }
  if (hosts.length === 0) {
    throw new UsageError(
      `host pattern '${pattern}' selects no host of ${inventory.file}` +
        (matcher.warnings.length > 0 ? ` (${matcher.warnings.join('; ')})` : ''),
    );
  }
  return { hosts, warnings: matcher.warnings };
}

/**
 * Ansible's split_host_pattern: with a comma, the parts are what the commas separate (a colon is then part of a
 * name); without one, the whole is one part when it reads as an address (an IPv6 address, `h1:2222`), else the
 * parts are what colons and spaces separate, a [..] kept whole.
 */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

/** The --limit value as InventoryManager.subset reads it: `@FILE` parts are the file's lines. */
function subsetParts(pattern: string): string[] {
  const parts: string[] = [];
  for (const part of splitPattern(pattern)) {
    if (!part.startsWith('@')) {
      parts.push(part);
      continue;
    }
    const file = part.slice(1);
    if (!existsSync(file)) throw new UsageError(`unable to find limit file ${file}`);
    if (!statSync(file).isFile()) throw new UsageError(`a limit starting with "@" must be a file: ${file}`);
    parts.push(
      ...readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim()),
    );
  }
  return parts;
}

const SUBSCRIPTED = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;
/** Names Ansible answers with an implicit localhost, which is never a host of all: they select nothing, silently. */
const LOCALHOST = ['localhost', '127.0.0.1', '::1'];
/** Stands for that implicit localhost (a subscript counts it); no host can have this name. */
const IMPLICIT_LOCALHOST = '\u0000implicit localhost';

class PatternMatcher {
  readonly warnings: string[] = [];
  private readonly hostNames: Set<string>;
  private readonly hostOrder: string[];
  private readonly groupOrder: string[];
  private readonly shapes: Map<string, GroupShape>;

  constructor(
    private readonly inventory: Inventory,
    private readonly pattern: string,
  ) {
    this.hostOrder = inventory.order?.hosts ?? inventory.hosts.map((host) => host.name);
    this.groupOrder = inventory.order?.groups ?? Object.keys(inventory.groups);
    this.hostNames = new Set(this.hostOrder);
    this.shapes = new Map(Object.values(inventory.groups).map((group) => [group.name, group]));
  }

  /** _evaluate_patterns: plain parts in order, then the & parts, then the ! parts. */
  evaluate(parts: string[]): string[] {
    const regular = parts.filter((p) => p !== '' && !p.startsWith('&') && !p.startsWith('!'));
    const ordered = [
      ...(regular.length > 0 ? regular : ['all']),
      ...parts.filter((p) => p.startsWith('&')),
      ...parts.filter((p) => p.startsWith('!')),
    ];
    let hosts = new Set<string>();
    for (const part of ordered) {
      if (this.hostNames.has(part)) {
        // A plain part that names a host is that host, even when a group has the same name.
        hosts.add(part);
        continue;
      }
      const that = new Set(this.matchOne(part));
      if (part.startsWith('!')) hosts = new Set([...hosts].filter((host) => !that.has(host)));
      else if (part.startsWith('&')) hosts = new Set([...hosts].filter((host) => that.has(host)));
      else for (const host of that) hosts.add(host);
    }
    return [...hosts];
  }

  /** _match_one_pattern: the part without its & or !, its subscript applied. */
  private matchOne(part: string): string[] {
    const bare = part.startsWith('&') || part.startsWith('!') ? part.slice(1) : part;
    const { expression, subscript } = this.splitSubscript(bare);
    const { hosts, named } = this.enumerate(expression);
    if (!named && part.startsWith('!') && !LOCALHOST.includes(expression)) {
      throw new UsageError(
        `host pattern '${this.pattern}': '${part}' matches no host and no group of ${this.inventory.file}. ` +
          'Ansible would warn and exclude nothing; an exclusion that excludes nothing would change the hosts it ' +
          'was meant to spare, so the tool refuses it: check the name',
      );
    }
    if (!subscript || hosts.length === 0) return hosts;
    const [start, end] = subscript;
    // Python: hosts[start:end + 1] for a range (end -1 means the last; an end of 0 reads as a single index), else
    // hosts[start], an IndexError past either end.
    if (end !== undefined && end !== 0) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
    const index = start < 0 ? hosts.length + start : start;
    const host = hosts[index];
    if (index < 0 || host === undefined) {
      throw new UsageError(`host pattern '${this.pattern}': no hosts matched the subscripted pattern '${bare}'`);
    }
    return [host];
  }

  private splitSubscript(part: string): { expression: string; subscript?: [number, number | undefined] } {
    if (part.startsWith('~')) return { expression: part };
    const match = SUBSCRIPTED.exec(part);
    if (!match) return { expression: part };
    const [, expression = part, index, start = '0', separator, end] = match;
    if (index !== undefined) return { expression, subscript: [Number(index), undefined] };
    if (separator === '-') {
      this.warnings.push(`'${part}': use [x:y] inclusive subscripts instead of [x-y] (Ansible warns the same)`);
    }
    return { expression, subscript: [Number(start), end ? Number(end) : -1] };
  }

  /**
   * _enumerate_matches: the hosts of every group the expression matches (all and ungrouped included), then, when
   * no group matched or the expression is a glob or a regex, every host it matches. `named` says whether any group
   * or host matched at all — an existing empty group (an `ec2:` group with no running instance) does.
   */
  private enumerate(expression: string): { hosts: string[]; named: boolean } {
    const test = this.compile(expression);
    const groups = this.groupOrder.filter((name) => test(name));
    const hosts: string[] = [];
    for (const group of groups) hosts.push(...hostsOfGroup(this.shapes, group));
    let hostMatches = 0;
    if (groups.length === 0 || expression.startsWith('~') || /[.?*[]/.test(expression)) {
      for (const host of this.hostOrder) {
        if (!test(host)) continue;
        hosts.push(host);
        hostMatches++;
      }
    }
    const named = groups.length > 0 || hostMatches > 0;
    if (hosts.length === 0 && LOCALHOST.includes(expression)) return { hosts: [IMPLICIT_LOCALHOST], named };
    if (!named && expression !== 'all') {
      this.warnings.push(`could not match supplied host pattern, ignoring: ${expression}`);
    }
    return { hosts, named };
  }

  private compile(expression: string): (name: string) => boolean {
    let regex: RegExp;
    try {
      regex = expression.startsWith('~') ? compilePythonRegex(expression.slice(1)) : compileGlob(expression);
    } catch (error) {
      throw new UsageError(
        `host pattern '${this.pattern}': '${expression}' is not a valid regular expression ` +
          `(the tool reads JavaScript's syntax): ${(error as Error).message}`,
      );
    }
    return (name) => regex.test(name);
  }
}
