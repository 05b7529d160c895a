// The agent compiles multi_line_start_pattern, blacklist and filter expressions with Go's regexp (RE2): no
// look-around, no back-references, no possessive quantifiers. re2js, a port of RE2/J, refuses the same
// patterns with Go's own wording, so the tool refuses up front what the agent would refuse at start.
import { RE2JS } from 're2js';

export type Re2Check = { ok: true; regex: RE2JS } | { ok: false; reason: string };

export function compileRe2(pattern: string): Re2Check {
  try {
    return { ok: true, regex: RE2JS.compile(pattern) };
  } catch (err) {
    // `error parsing regexp: invalid or unsupported Perl syntax: \`(?=\`` — Go's message, as the agent logs it.
    return { ok: false, reason: (err as Error).message };
  }
}
