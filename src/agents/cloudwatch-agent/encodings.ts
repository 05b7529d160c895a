// `encoding`: the agent accepts utf-8 spelled four ways, then asks Go's charset.Lookup (the WHATWG Encoding
// Standard's labels, as browsers know them), then ianaindex (IANA names with a Go decoder). Node's TextDecoder
// implements the same WHATWG labels, so it answers the first question; the IANA names Go decodes beyond them
// are listed here. Pure.

/** Spellings the agent takes as UTF-8 without a lookup. */
const UTF8_SPELLINGS = ['utf_8', 'utf-8', 'utf8', 'ascii'];

/** WHATWG labels of the "replacement" encoding: Go accepts them and decodes every file as U+FFFD. */
export const REPLACEMENT_LABELS = [
  'csiso2022kr',
  'hz-gb-2312',
  'iso-2022-cn',
  'iso-2022-cn-ext',
  'iso-2022-kr',
  'replacement',
];

/** IANA names (and aliases) of the code pages golang.org/x/text decodes that are not WHATWG labels. */
// prettier-ignore
const IANA_ONLY = [
  'ibm037', 'cp037', 'csibm037', 'ebcdic-cp-us', 'ebcdic-cp-ca', 'ebcdic-cp-wt', 'ebcdic-cp-nl',
  'ibm437', 'cp437', '437', 'cspc8codepage437', 'ibm850', 'cp850', '850', 'cspc850multilingual',
  'ibm852', 'cp852', '852', 'cspcp852', 'ibm855', 'cp855', '855', 'csibm855', 'ibm00858', 'ccsid00858', 'cp00858',
  'pc-multilingual-850+euro', 'csibm00858', 'ibm860', 'cp860', '860', 'csibm860', 'ibm862', 'cp862', '862',
  'cspc862latinhebrew', 'ibm863', 'cp863', '863', 'csibm863', 'ibm865', 'cp865', '865', 'csibm865',
  'ibm1047', 'ibm-1047', 'csibm1047', 'ibm01140', 'ccsid01140', 'cp01140', 'ebcdic-us-37+euro', 'csibm01140',
  'utf-16', 'csunicode', 'x-user-defined',
];

export type EncodingCheck = { ok: true; canonical: string; warning?: string } | { ok: false };

/** Whether the agent knows `name`, and the WHATWG name Node decodes it with (the lab's stand-in uses it). */
export function checkEncoding(name: string): EncodingCheck {
  const label = name.trim().toLowerCase();
  if (UTF8_SPELLINGS.includes(name)) return { ok: true, canonical: 'utf-8' };
  if (REPLACEMENT_LABELS.includes(label)) {
    return {
      ok: true,
      canonical: 'replacement',
      warning: `encoding ${JSON.stringify(name)} is a WHATWG "replacement" label: the agent accepts it and sends every line as U+FFFD`,
    };
  }
  try {
    return { ok: true, canonical: new TextDecoder(label).encoding };
  } catch {
    // not a WHATWG label: IANA below
  }
  if (IANA_ONLY.includes(label)) return { ok: true, canonical: label };
  return { ok: false };
}
