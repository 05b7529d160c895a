// `datetime_format`: the strptime directives the agent's Python accepts, plus its own `%z`.

/** Every directive letter the agent accepts after `%` (AgentReference + the plugin's `%z`). */
// prettier-ignore
export const DATETIME_DIRECTIVES = ['y', 'Y', 'b', 'B', 'm', 'd', 'j', 'H', 'I', 'p', 'M', 'S', 'f', 'a', 'A', 'w', 'U', 'W', 'c', 'x', 'X', 'Z', '%', 'z'] as const;

const ALLOWED = new Set<string>(DATETIME_DIRECTIVES);
/** What %c %x %X stand for in the C locale the agent runs in: their fields count as written. */
const COMPOSITE: Record<string, string[]> = {
  c: ['a', 'b', 'd', 'H', 'M', 'S', 'Y'],
  x: ['m', 'd', 'y'],
  X: ['H', 'M', 'S'],
};
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
    // Python's strptime builds one named group per field: a field given twice is a regex error.
    for (const field of COMPOSITE[d] ?? [d]) {
      if (seen.has(field)) {
        const via = field === d ? '' : ` (through %${d})`;
        return {
          ok: false,
          rule: `directive %${field} appears twice${via}: Python strptime refuses it`,
          found: `%${d}`,
        };
      }
      seen.add(field);
    }
    directives.push(d);
  }
  return { ok: true, directives, hasYear: directives.some((d) => YEAR_DIRECTIVES.has(d)) };
}
