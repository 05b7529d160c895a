// What every agent's validation shares: how a value is shown in a problem, and one problem per shared value.
import type { Problem } from '../core/errors.js';

/** A value as shown in a problem: strings quoted with their control characters escaped, cut at 80. */
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
 * One value written once in a group (or a shared file) reaches every host that reads it: same place, rule and
 * value → one problem. Only problems about a value that is there qualify: a missing value's location is a
 * fall-back that several hosts may share.
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
