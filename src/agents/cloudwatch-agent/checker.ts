// Typed reads of config values, each failing with the schema's rule where the value was written. Pure.
import { closest } from './suggest.js';
import { show, type ConfigPath, type Findings } from './findings.js';

export type Mapping = Record<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A mapping's value; null counts as unset, so that a host can unset a group's value. */
export function get(v: Mapping, key: string): unknown {
  const value = v[key];
  return value === null ? undefined : value;
}

/** The last named segment of a path: the key a rule talks about. */
export function keyOf(p: ConfigPath): string {
  for (let i = p.length - 1; i >= 0; i--) if (typeof p[i] === 'string') return p[i] as string;
  return '';
}

// Control characters (C0, DEL, C1, Unicode line/paragraph separators): nothing the agent's names may hold.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export class Checker {
  constructor(readonly findings: Findings) {}

  /** Refuses keys outside `allowed`, with the closest allowed name or the name the agent uses for an awslogs one. */
  keys(
    p: ConfigPath,
    v: Mapping,
    allowed: readonly string[],
    what: string,
    hints: Readonly<Record<string, string>> = {},
    level: 'fail' | 'warn' = 'fail',
  ): void {
    for (const key of Object.keys(v)) {
      if (allowed.includes(key)) continue;
      const hint = hints[key];
      const near = closest(key, allowed);
      const tail =
        hint !== undefined ? `: the agent's name for it is ${hint}` : near ? `; did you mean "${near}"?` : '';
      const rule =
        level === 'fail'
          ? `unknown key "${key}" in ${what} (the agent refuses it: Additional property ${key} is not allowed)${tail}`
          : `unknown key "${key}" in ${what}: the agent ignores it${tail}`;
      const expected = `one of ${allowed.join(', ')}`;
      if (level === 'fail') this.findings.fail([...p, key], rule, expected, show(key));
      else this.findings.warn([...p, key], rule, expected, show(key));
    }
  }

  mapping(p: ConfigPath, v: unknown, what: string): Mapping | undefined {
    if (isMapping(v)) return v;
    return this.findings.fail(p, `${what} must be a mapping (a JSON object)`, 'a mapping', show(v));
  }

  /** A string of `min`–`max` characters without control characters. */
  text(p: ConfigPath, v: unknown, min = 1, max = 4096): string | undefined {
    const key = keyOf(p);
    const expected = `a string of ${min}–${max} characters`;
    if (typeof v !== 'string') return this.findings.fail(p, `${key} must be a string`, expected, show(v));
    if (v.length < min) {
      const rule = v.length === 0 ? `${key} may not be empty` : `${key} must be at least ${min} characters`;
      return this.findings.fail(p, rule, expected, show(v));
    }
    if (v.length > max)
      return this.findings.fail(p, `${key} is longer than ${max} characters`, expected, `${v.length} characters`);
    if (CONTROL.test(v))
      return this.findings.fail(
        p,
        `${key} may not contain a newline or another control character`,
        'printable text',
        show(v),
      );
    return v;
  }

  bool(p: ConfigPath, v: unknown): boolean | undefined {
    if (typeof v === 'boolean') return v;
    return this.findings.fail(p, `${keyOf(p)} must be true or false`, 'true | false', show(v));
  }

  /** An integer in range; JSON's 5.0 is 5 (Go's schema check takes it), a string "5" is not. */
  int(p: ConfigPath, v: unknown, min: number, max?: number): number | undefined {
    const key = keyOf(p);
    const range = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      return this.findings.fail(p, `${key} must be an integer`, range, show(v));
    if (v < min || (max !== undefined && v > max))
      return this.findings.fail(p, `${key} must be ${range}`, range, String(v));
    return v;
  }

  oneOf<T extends string | number>(p: ConfigPath, v: unknown, allowed: readonly T[]): T | undefined {
    if ((allowed as readonly unknown[]).includes(v)) return v as T;
    const list = allowed.join(', ');
    return this.findings.fail(p, `${keyOf(p)} must be one of the following: ${list}`, allowed.join(' | '), show(v));
  }

  list(p: ConfigPath, v: unknown, what: string): unknown[] | undefined {
    if (Array.isArray(v)) return v;
    return this.findings.fail(p, `${what} must be a list`, 'a list', show(v));
  }
}
