// Python codec names (`encoding` option) → WHATWG TextDecoder labels. Python normalises a codec name by
// lower-casing it and treating `-` and blanks as `_`.

const ALIASES: Record<string, string> = {
  utf_8: 'utf-8',
  utf8: 'utf-8',
  u8: 'utf-8',
  utf_8_sig: 'utf-8',
  ascii: 'ascii',
  latin_1: 'latin1',
  latin1: 'latin1',
  iso8859_1: 'latin1',
  utf_16: 'utf-16le',
  utf_16_le: 'utf-16le',
  utf_16_be: 'utf-16be',
  euc_kr: 'euc-kr',
  cp949: 'euc-kr',
  euc_jp: 'euc-jp',
  shift_jis: 'shift_jis',
  cp932: 'shift_jis',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  koi8_r: 'koi8-r',
  cp1252: 'windows-1252',
  cp1251: 'windows-1251',
};

export function normalizeCodec(name: string): string {
  return name.trim().toLowerCase().replace(/[- ]/g, '_');
}

/** A decoder that replaces undecodable bytes, or undefined for an unknown codec. */
export function decoderFor(name: string): { label: string } | undefined {
  const norm = normalizeCodec(name);
  const label = ALIASES[norm] ?? norm.replace(/_/g, '-');
  try {
    new TextDecoder(label);
    return { label };
  } catch {
    return undefined;
  }
}

/** Decodes bytes; `replaced` tells whether some bytes were undecodable (the agent then warns). */
export function decode(bytes: Uint8Array, label: string): { text: string; replaced: boolean } {
  try {
    return { text: new TextDecoder(label, { fatal: true }).decode(bytes), replaced: false };
  } catch {
    return { text: new TextDecoder(label).decode(bytes), replaced: true };
  }
}
