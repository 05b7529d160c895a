// awslogs' `datetime_format` (Python strptime, C locale, plus the plugin's %z) → the CloudWatch agent's
// `timestamp_format`, directive by directive, where the agent has an equivalent; refused where it has none. The
// result is checked with the agent's own rules (checkTimestampFormat). Pure.
import { checkTimestampFormat } from '../timestamp-format.js';

/** Python directives and what the CloudWatch agent writes instead, with what differs. */
const CONVERTED: Readonly<Record<string, { to: string; note?: string }>> = {
  Y: { to: '%Y' },
  y: { to: '%y' },
  b: { to: '%b' },
  m: { to: '%-m', note: '%m → %-m: strptime also read a one-digit month' },
  d: { to: '%-d', note: "%d → %-d: strptime also read a one-digit or space-padded day (syslog's `Dec  3`)" },
  H: { to: '%H', note: '%H: the agent reads exactly two digits (strptime also read one)' },
  I: { to: '%-I', note: '%I → %-I: strptime also read a one-digit hour' },
  M: { to: '%-M', note: '%M → %-M: strptime also read a one-digit minute' },
  S: { to: '%-S', note: '%S → %-S: strptime also read a one-digit second' },
  p: { to: '%p', note: '%p: the agent reads AM and PM in capitals only (strptime ignored case)' },
  a: { to: '%a' },
  A: { to: '%A' },
  f: { to: '%f', note: '%f: the agent keeps milliseconds, as CloudWatch Logs does' },
  z: { to: '%z' },
  Z: {
    to: '%Z',
    note: "%Z: the agent reads any three letters (an unknown zone as UTC); strptime read only UTC, GMT and the host's zone names",
  },
};

/** Directives the CloudWatch agent has no equivalent for, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  j: '%j (day of the year) has no equivalent in the CloudWatch agent',
  U: '%U (week of the year) has no equivalent in the CloudWatch agent',
  W: '%W (week of the year) has no equivalent in the CloudWatch agent',
  w: '%w (weekday number) has no equivalent in the CloudWatch agent',
  c: "%c is the locale's date and time, which depends on the agent's locale: write its directives out (in the C locale %a %b %d %H:%M:%S %Y)",
  x: "%x is the locale's date, which depends on the agent's locale: write its directives out (in the C locale %m/%d/%y)",
  X: "%X is the locale's time, which depends on the agent's locale: write its directives out (in the C locale %H:%M:%S)",
  B: '%B: the CloudWatch agent matches a full month name with exactly seven letters (an upstream bug): only January and October lines would parse, the others would take the last valid timestamp and may be dropped as too old',
  '%': '%% (a literal %) has no equivalent: the agent would look for two % signs',
};

/** Words of Go's reference time: in the literal text of a format the agent's layout would read them as fields. */
const GO_LAYOUT_WORDS = ['January', 'Jan', 'Monday', 'Mon', 'MST', 'PM', 'pm'];

export type DatetimeConversion =
  { ok: true; format: string; notes: string[]; warnings: string[] } | { ok: false; reason: string };

/** Converts one `datetime_format`; the reason when the CloudWatch agent cannot read the same timestamps. */
export function convertDatetimeFormat(format: string): DatetimeConversion {
  let out = '';
  const notes = new Set<string>();
  let literal = '';
  const flushLiteral = (): string | undefined => {
    const problem = literalProblem(literal);
    out += literal;
    literal = '';
    return problem;
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      literal += ch;
      continue;
    }
    const d = format[i + 1];
    if (d === undefined) return { ok: false, reason: 'datetime_format ends with a lone %' };
    i++;
    const refused = REFUSED[d];
    if (refused !== undefined) return { ok: false, reason: refused };
    const conv = CONVERTED[d];
    if (conv === undefined) return { ok: false, reason: `%${d} is not a directive awslogs knows` };
    const problem = flushLiteral();
    if (problem) return { ok: false, reason: problem };
    out += conv.to;
    if (conv.note) notes.add(conv.note);
  }
  const problem = flushLiteral();
  if (problem) return { ok: false, reason: problem };
  if (/\s{2,}/.test(format))
    notes.add(
      'a run of spaces in the format: strptime read any run of whitespace for it, the agent reads it as written',
    );
  const check = checkTimestampFormat(out);
  if (!check.ok) return { ok: false, reason: `${out} is refused by the CloudWatch agent: ${check.rule}` };
  return { ok: true, format: out, notes: [...notes], warnings: check.warnings };
}

/**
 * Literal text the agent's translator cannot carry: it passes `+` and `\` into its regex unescaped (a quantifier,
 * an escape), and its Go layout reads digits and the reference time's words as date fields.
 */
function literalProblem(text: string): string | undefined {
  if (text.includes('+'))
    return 'a literal "+" in datetime_format: the CloudWatch agent puts it into its regex unescaped, as a quantifier';
  if (text.includes('\\'))
    return 'a literal "\\" in datetime_format: the CloudWatch agent puts it into its regex unescaped, as an escape';
  const digit = /\d/.exec(text);
  if (digit)
    return `a literal digit "${digit[0]}" in datetime_format: the CloudWatch agent's Go layout would read it as a date field`;
  const word = GO_LAYOUT_WORDS.find((w) => text.includes(w));
  if (word)
    return `the literal text "${word}" in datetime_format: the CloudWatch agent's Go layout would read it as a date field`;
  return undefined;
}
