// Problems and warnings about values of the agent's config, located where they were written: a line of the
// inventory (or its group_vars/host_vars) or a line of the operator's own JSON file. Pure.
import type { Problem } from '../../core/errors.js';
import type { SourceLocation } from '../../inventory/types.js';

export { dedupe, show } from '../problems.js';

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
