// `datetime_format`: the strptime directives the agent's Python accepts, plus its own `%z`.

/** Every directive letter the agent accepts after `%` (AgentReference + the plugin's `%z`). */
export const DATETIME_DIRECTIVES = [
  'y',
  'Y',
  'b',
  'B',
  'm',
  'd',
  'j',
  'H',
  'I',
  'p',
  'M',
  'S',
  'f',
  'a',
  'A',
  'w',
  'U',
  'W',
  'c',
  'x',
  'X',
  'Z',
  '%',
  'z',
] as const;

const ALLOWED = new Set<string>(DATETIME_DIRECTIVES);
/** Directives that carry a year; without one strptime assumes 1900. */
const YEAR_DIRECTIVES = new Set(['Y', 'y', 'c', 'x']);

export type DatetimeFormatCheck =
  { ok: true; directives: string[]; hasYear: boolean } | { ok: false; rule: string; found: string };

/** Parses a format the way Python's `_strptime` does and names the first directive it would refuse. */
export function checkDatetimeFormat(format: string): DatetimeFormatCheck {
  const directives: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    const d = format[i + 1];
    if (d === undefined) return { ok: false, rule: 'a lone % ends the format (write %% for a literal %)', found: '%' };
    i++;
    if (!ALLOWED.has(d)) {
      return { ok: false, rule: `unknown datetime_format directive %${d}`, found: `%${d}` };
    }
    if (d === '%') continue;
    // Python's strptime builds one named group per directive: a repeated directive is a regex error.
    if (seen.has(d))
      return { ok: false, rule: `directive %${d} appears twice (Python strptime refuses it)`, found: `%${d}` };
    seen.add(d);
    directives.push(d);
  }
  return { ok: true, directives, hasYear: directives.some((d) => YEAR_DIRECTIVES.has(d)) };
}
