// Problems and warnings about values of the agent's config, located where they were written: a line of the
// inventory (or its group_vars/host_vars) or a line of the operator's own JSON file. Pure.
import type { Problem } from '../../core/errors.js';
import type { SourceLocation } from '../../inventory/types.js';

/** A path inside the agent's JSON config: `['logs', 'logs_collected', 'files', 'collect_list', 0, 'file_path']`. */
export type ConfigPath = readonly (string | number)[];

/** Where the config's values were written. */
export interface ConfigSource {
  locate(p: ConfigPath): SourceLocation;
  /** The path as a problem shows it. */
  pathText(p: ConfigPath): string;
  /** The value is there (not a default): its location is where it was written. */
  present(p: ConfigPath): boolean;
}

export class Findings {
  readonly problems: Problem[] = [];
  readonly warnings: Problem[] = [];
  /** Problems about a value that is there: one written once (a group, a shared file) is reported once. */
  readonly located = new Set<Problem>();

  constructor(private readonly source: ConfigSource) {}

  make(p: ConfigPath, rule: string, expected?: string, found?: string): Problem {
    const loc = this.source.locate(p);
    // Field by field, so that JSON output reads file, line, column, path, rule, expected, found.
    const problem = { file: loc.file } as Problem;
    if (loc.line !== undefined) problem.line = loc.line;
    if (loc.column !== undefined) problem.column = loc.column;
    problem.path = this.source.pathText(p);
    problem.rule = rule;
    if (expected !== undefined) problem.expected = expected;
    if (found !== undefined) problem.found = found;
    if (this.source.present(p)) this.located.add(problem);
    return problem;
  }

  fail(p: ConfigPath, rule: string, expected?: string, found?: string): undefined {
    this.problems.push(this.make(p, rule, expected, found));
    return undefined;
  }

  warn(p: ConfigPath, rule: string, expected?: string, found?: string): void {
    this.warnings.push(this.make(p, rule, expected, found));
  }
}

/** A value as a problem shows it: strings quoted with control characters escaped, cut at 80. */
export function show(v: unknown): string {
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
  }
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/**
 * One shared value read by many hosts (a group's vars, one JSON file): same place, rule and value → one problem.
 * Only problems about a value that is there qualify: a missing value's location is a fall-back several share.
 */
export function dedupe(list: Problem[], located: Set<Problem>): Problem[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    if (p.line === undefined || !located.has(p)) return true;
    const key = [p.file, p.line, p.column, p.rule, p.found].join('\0');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
