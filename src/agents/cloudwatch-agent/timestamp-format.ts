// `timestamp_format`: the directives the agent's translator knows (ruleTimestampFormat), what each becomes in
// the regex the agent searches every line with, and the directives it silently leaves as literal text (the
// format then never matches). Pure.
import { compileRe2 } from './re2.js';

/** Each supported directive and the regex the translator puts in its place. */
// prettier-ignore
export const DIRECTIVE_REGEX: Readonly<Record<string, string>> = {
  '%B': '\\w{7}', '%b': '\\w{3}', '%-m': '\\s{0,1}\\d{1,2}', '%m': '\\d{2}', '%A': '\\w{6,9}', '%a': '\\w{3}',
  '%-d': '\\s{0,1}\\d{1,2}', '%d': '\\d{2}', '%H': '\\d{2}', '%-I': '\\d{1,2}', '%I': '\\d{2}', '%-M': '\\d{1,2}',
  '%M': '\\d{2}', '%-S': '\\d{1,2}', '%S': '\\d{2}', '%Y': '\\d{4}', '%y': '\\d{2}', '%p': '\\w{2}', '%Z': '\\w{3}',
  '%z': '[\\+-]\\d{4}', '%f': '\\d{1,9}',
};
export const SUPPORTED_DIRECTIVES = Object.keys(DIRECTIVE_REGEX);

/** Python/C directives operators carry over from awslogs that the agent does not know: named in the refusal. */
export const REFUSED_DIRECTIVES: Readonly<Record<string, string>> = {
  '%j': 'day of the year',
  '%U': 'week of the year',
  '%W': 'week of the year',
  '%w': 'weekday number',
  '%c': "the locale's date and time",
  '%x': "the locale's date",
  '%X': "the locale's time",
  '%T': '%H:%M:%S',
  '%s': 'seconds since the epoch',
  '%e': 'space-padded day',
};

/** Characters the translator escapes before it puts directives in (`+` and `\` pass through as regex). */
const ESCAPED = /[\^.*?|[\]()}{$]/g;

export type FormatPiece = { literal: string } | { directive: string };

export type FormatCheck =
  { ok: true; pieces: FormatPiece[]; warnings: string[] } | { ok: false; rule: string; found: string };

/** Splits a format into directives and literal text; refuses what the agent would never match. */
export function checkTimestampFormat(format: string): FormatCheck {
  const pieces: FormatPiece[] = [];
  const warnings: string[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      literal += format[i];
      continue;
    }
    const rest = format.slice(i);
    const directive = ['%-m', '%-d', '%-I', '%-M', '%-S'].find((d) => rest.startsWith(d)) ?? rest.slice(0, 2);
    if (DIRECTIVE_REGEX[directive] === undefined) return refusal(directive, rest);
    if (literal) pieces.push({ literal });
    literal = '';
    pieces.push({ directive });
    i += directive.length - 1;
  }
  if (literal) pieces.push({ literal });
  const compiled = compileRe2(timestampRegexSource(pieces, false));
  if (!compiled.ok) {
    // e.g. a literal "+" after a directive: the translator passes it into the regex as a quantifier.
    return {
      ok: false,
      rule: `timestamp_format becomes a regex the agent cannot compile (its translator refuses it: "Timestamp format ${format} is invalid"): ${compiled.reason}`,
      found: format,
    };
  }
  const used = pieces.flatMap((p) => ('directive' in p ? [p.directive] : []));
  if (used.length === 0) {
    return {
      ok: false,
      rule: 'timestamp_format has no directive: it would only match its own literal text',
      found: format,
    };
  }
  if (used.includes('%B')) {
    warnings.push(
      'timestamp_format uses %B, which the agent matches with exactly seven letters (an upstream bug): only "January" and "October" parse; lines of other months take the last valid timestamp',
    );
  }
  if (used.includes('%Z')) {
    warnings.push(
      'timestamp_format uses %Z, which the agent matches with exactly three letters: zones such as CEST, AEST or HKST never match; an unknown three-letter zone is read as UTC',
    );
  }
  if (used.includes('%f') && !/[.,]$/.test(literalBefore(pieces, '%f'))) {
    warnings.push(
      'timestamp_format has %f without a "." or "," before it: the agent reads it as the fraction of a second all the same',
    );
  }
  return { ok: true, pieces, warnings };
}

function literalBefore(pieces: FormatPiece[], directive: string): string {
  const i = pieces.findIndex((p) => 'directive' in p && p.directive === directive);
  const before = pieces[i - 1];
  return before && 'literal' in before ? before.literal : '';
}

function refusal(directive: string, rest: string): FormatCheck {
  if (directive === '%') return { ok: false, rule: 'timestamp_format ends with a lone %', found: '%' };
  if (/^%:{1,2}z/.test(rest)) {
    const found = rest.startsWith('%::z') ? '%::z' : '%:z';
    return {
      ok: false,
      rule: `timestamp_format directive ${found} (offset with a colon) is not supported: the agent's %z matches only ±hhmm, so "+09:00" never matches`,
      found,
    };
  }
  const meaning = REFUSED_DIRECTIVES[directive];
  if (meaning !== undefined) {
    return {
      ok: false,
      rule: `timestamp_format directive ${directive} (${meaning}) is not supported by the agent: it would look for the literal text "${directive}" and never match`,
      found: directive,
    };
  }
  if (directive === '%%') {
    return {
      ok: false,
      rule: 'timestamp_format %% is not supported by the agent: it would look for two literal % signs',
      found: '%%',
    };
  }
  return {
    ok: false,
    rule: `timestamp_format directive ${directive} is unknown to the agent: it would look for the literal text "${directive}" and never match`,
    found: directive,
  };
}

/**
 * The format as the agent's translator reads it, refusing nothing: the directives it knows, and everything else
 * (unknown directives included) as literal text, which the regex then looks for as it is.
 */
export function agentPieces(format: string): FormatPiece[] {
  const pieces: FormatPiece[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const rest = format.slice(i);
    const directive = SUPPORTED_DIRECTIVES.filter((d) => rest.startsWith(d)).sort((a, b) => b.length - a.length)[0];
    if (directive === undefined) {
      literal += format[i];
      continue;
    }
    if (literal) pieces.push({ literal });
    literal = '';
    pieces.push({ directive });
    i += directive.length - 1;
  }
  if (literal) pieces.push({ literal });
  return pieces;
}

/**
 * The regex the translator writes as `timestamp_regex`, with one capture group per directive added (they change
 * nothing about what a valid regex matches); `groups: false` gives the agent's own, whose compilation decides.
 * Searched anywhere in the line; the first match wins.
 */
export function timestampRegexSource(pieces: FormatPiece[], groups = true): string {
  let out = '';
  pieces.forEach((p, i) => {
    if ('literal' in p) out += p.literal.replace(ESCAPED, '\\$&');
    else {
      let re = DIRECTIVE_REGEX[p.directive]!;
      // The translator drops the optional leading space of %-m / %-d at the very start of the regex.
      if (i === 0) re = re.replace(/^\\s\{0,1\}/, '');
      out += groups ? `(${re})` : re;
    }
  });
  return groups ? out : `(${out})`;
}
