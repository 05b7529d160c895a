// awslogs' `encoding` (a Python codec, canonical name as agents/awslogs/codecs.ts gives it) → the charset name the
// CloudWatch agent looks up (Go's WHATWG table, then IANA), with what decodes differently; refused where Go has no
// decoder for the same text. The name is checked with the agent's own lookup (checkEncoding). Pure.
import { canonicalCodec } from '../../awslogs/codecs.js';
import { checkEncoding } from '../encodings.js';

type Mapping = { to: string; note?: string } | { refuse: string };

const UTF16_32 =
  'both agents split lines at 0x0A bytes, which breaks UTF-16 and UTF-32 text: what awslogs sent was not the file; convert the log to UTF-8 first';
const SUPERSET = (what: string) => `the agent's decoder is ${what}, a superset: text awslogs decoded reads the same`;

// prettier-ignore
const CODECS: Readonly<Record<string, Mapping>> = {
  ascii: { to: 'ascii', note: 'the agent reads ascii as UTF-8: bytes over 127, which awslogs replaced by U+FFFD, become the characters they encode' },
  utf_8: { to: 'utf-8' },
  utf_8_sig: { to: 'utf-8', note: 'a byte order mark at the start of the file is sent as U+FEFF (awslogs dropped it)' },
  utf_16: { refuse: UTF16_32 }, utf_16_le: { refuse: UTF16_32 }, utf_16_be: { refuse: UTF16_32 },
  utf_32: { refuse: UTF16_32 }, utf_32_le: { refuse: UTF16_32 }, utf_32_be: { refuse: UTF16_32 },
  latin_1: { to: 'iso-8859-1', note: "Go's iso-8859-1 decoder is windows-1252 (WHATWG): bytes 0x80–0x9F become characters instead of control codes" },
  iso8859_2: { to: 'iso-8859-2' }, iso8859_3: { to: 'iso-8859-3' }, iso8859_4: { to: 'iso-8859-4' },
  iso8859_5: { to: 'iso-8859-5' }, iso8859_6: { to: 'iso-8859-6' }, iso8859_7: { to: 'iso-8859-7' },
  iso8859_8: { to: 'iso-8859-8' },
  iso8859_9: { to: 'iso-8859-9', note: "Go's iso-8859-9 decoder is windows-1254 (WHATWG): bytes 0x80–0x9F become characters instead of control codes" },
  iso8859_10: { to: 'iso-8859-10' },
  iso8859_11: { to: 'iso-8859-11', note: SUPERSET('windows-874') },
  iso8859_13: { to: 'iso-8859-13' }, iso8859_14: { to: 'iso-8859-14' }, iso8859_15: { to: 'iso-8859-15' },
  iso8859_16: { to: 'iso-8859-16' },
  cp1250: { to: 'windows-1250' }, cp1251: { to: 'windows-1251' }, cp1252: { to: 'windows-1252' },
  cp1253: { to: 'windows-1253' }, cp1254: { to: 'windows-1254' }, cp1255: { to: 'windows-1255' },
  cp1256: { to: 'windows-1256' }, cp1257: { to: 'windows-1257' }, cp1258: { to: 'windows-1258' },
  cp437: { to: 'ibm437' }, cp850: { to: 'ibm850' }, cp852: { to: 'ibm852' }, cp866: { to: 'ibm866' },
  cp874: { to: 'windows-874' },
  koi8_r: { to: 'koi8-r' }, koi8_u: { to: 'koi8-u' },
  euc_kr: { to: 'euc-kr', note: SUPERSET('windows-949 (UHC)') },
  cp949: { to: 'euc-kr' },
  johab: { refuse: 'Johab has no decoder in the CloudWatch agent' },
  iso2022_kr: { refuse: 'the agent takes ISO-2022-KR as the WHATWG "replacement" encoding: every line would be sent as U+FFFD' },
  shift_jis: { to: 'shift_jis', note: SUPERSET('Windows-31J (cp932)') },
  cp932: { to: 'shift_jis' },
  euc_jp: { to: 'euc-jp' },
  iso2022_jp: { to: 'iso-2022-jp' },
  shift_jisx0213: { refuse: 'the agent has no JIS X 0213 decoder: characters beyond JIS X 0208 would become U+FFFD' },
  euc_jis_2004: { refuse: 'the agent has no JIS X 0213 decoder: characters beyond JIS X 0208 would become U+FFFD' },
  gb2312: { to: 'gbk', note: SUPERSET('GBK') },
  gbk: { to: 'gbk' },
  gb18030: { to: 'gb18030' },
  hz: { refuse: 'the agent takes HZ-GB-2312 as the WHATWG "replacement" encoding: every line would be sent as U+FFFD' },
  big5: { to: 'big5', note: SUPERSET('Big5-HKSCS (WHATWG)') },
  big5hkscs: { to: 'big5' },
  cp950: { to: 'big5', note: "cp950's few vendor characters decode differently in the agent's Big5-HKSCS" },
  mac_roman: { to: 'macintosh' },
  tis_620: { to: 'windows-874', note: SUPERSET('windows-874') },
};

export type EncodingConversion = { ok: true; encoding: string; note?: string } | { ok: false; reason: string };

/** The CloudWatch agent's name for a Python codec (any alias codecs.ts knows). */
export function convertEncoding(codec: string): EncodingConversion {
  const canonical = canonicalCodec(codec);
  const mapping = canonical === undefined ? undefined : CODECS[canonical];
  if (mapping === undefined)
    return { ok: false, reason: `the Python codec ${JSON.stringify(codec)} is not one the tool maps` };
  if ('refuse' in mapping) return { ok: false, reason: mapping.refuse };
  const check = checkEncoding(mapping.to);
  if (!check.ok)
    return { ok: false, reason: `the agent's charset lookup does not know ${mapping.to} (the equivalent of ${codec})` };
  return mapping.note ? { ok: true, encoding: mapping.to, note: mapping.note } : { ok: true, encoding: mapping.to };
}

/** Every Python codec the tool maps (for the tests: each one converts or is refused with a reason). */
export const MAPPED_CODECS = Object.keys(CODECS);
