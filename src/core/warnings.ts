// Inventory warnings as an operator reads them: one per value, at the file and line where it is written, naming
// the hosts it applies to; and silenced by name where the inventory acknowledges it (`provision_acknowledge`).
import type { Problem } from './errors.js';

/** The variable that lists the warnings an inventory's author has reviewed: `provision_acknowledge: [NAME…]`. */
export const ACKNOWLEDGE_VAR = 'provision_acknowledge';

/** One host's warning before grouping: a Problem with its name, the host, and the value's path inside the vars. */
export interface HostWarning {
  host: string;
  /** The warning's name, as `provision_acknowledge` lists it. */
  name: string;
  /** Where the value is written, and what is wrong with it; `path` is the host's (`hosts.web1.…`). */
  problem: Problem;
  /** The value's path inside the vars (`awslogs_logs[0].log_stream_name`), the same for every host. */
  valuePath: string;
}

/**
 * Warnings grouped by the value they are about: the same place, name and rule on several hosts (a value of a
 * group) is one warning, with `hosts` listing them and `path` the value's path without a host. A warning with
 * no line (a value left out, located at the file) is grouped by file, name and rule.
 */
export function groupWarnings(warnings: HostWarning[]): Problem[] {
  const groups = new Map<string, Problem & { hosts: string[] }>();
  for (const w of warnings) {
    const p = w.problem;
    const key = [p.file, p.line, p.column, w.name, p.rule, p.found].join('\0');
    const group = groups.get(key);
    if (group) {
      if (!group.hosts.includes(w.host)) group.hosts.push(w.host);
      continue;
    }
    groups.set(key, { ...p, path: w.valuePath, warning: w.name, hosts: [w.host] });
  }
  return [...groups.values()];
}

/** The names a host acknowledges (its `provision_acknowledge`, a list of names; anything else counts as none). */
export function acknowledgedBy(vars: Record<string, unknown>): Set<string> {
  const value = vars[ACKNOWLEDGE_VAR];
  return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
}
