// Errors that carry data. src/main.ts is the one place that turns them into exit codes.
import { closest } from './suggest.js';

/** Where a bad value sits and what rule it broke. */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  /** Path of the value, e.g. `hosts.web1.awslogs_logs[0].buffer_duration`. */
  path?: string;
  rule: string;
  expected?: string;
  found?: string;
  /** A warning's name, by which `provision_acknowledge` silences it (core/warnings.ts). */
  warning?: string;
  /** The hosts a warning about one value applies to. */
  hosts?: string[];
}

export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
  const parts = [`${where}: ${p.path ? `${p.path}: ` : ''}${p.rule}`];
  if (p.expected !== undefined) parts.push(`expected ${p.expected}`);
  if (p.found !== undefined) parts.push(`found ${p.found}`);
  const near = nearestExpected(p);
  if (near) parts.push(`did you mean ${near}?`);
  if (p.hosts !== undefined) {
    const named =
      p.hosts.length > 10 ? `${p.hosts.slice(0, 10).join(', ')} and ${p.hosts.length - 10} more` : p.hosts.join(', ');
    parts.push(`host${p.hosts.length === 1 ? '' : 's'} ${named}`);
  }
  if (p.warning !== undefined) parts.push(`acknowledge: provision_acknowledge: [${p.warning}]`);
  return parts.join('; ');
}

/**
 * For a problem whose `found` is a name and whose `expected` lists names (`hosts, children, vars or ec2`), the
 * listed name nearest to it, when the rule does not already suggest one.
 */
function nearestExpected(p: Problem): string | undefined {
  if (p.found === undefined || p.expected === undefined || /did you mean/.test(p.rule)) return undefined;
  const name = p.found.replace(/^"(.*)"$/, '$1');
  if (!/^[\w.-]+$/.test(name)) return undefined;
  const candidates = p.expected
    .replace(/^one of /, '')
    .split(/,\s*|\s+or\s+|\s*\|\s*/)
    .filter((c) => /^[\w.-]+$/.test(c));
  return candidates.length > 1 ? closest(name, candidates) : undefined;
}

/** Invalid input or usage: exit code 2, nothing contacted. Holds every problem found, not the first only. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

/** A usage error without a file (bad flag combination, unknown host name). */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A run finished but something on a host failed or did not verify: exit code 1. */
export class RunFailed extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'RunFailed';
  }
}

/** `--dry-run --detailed-exitcode` with pending changes: exit code 3. */
export class ChangesPending extends Error {
  readonly exitCode = 3;
  constructor() {
    super('changes are pending');
    this.name = 'ChangesPending';
  }
}
