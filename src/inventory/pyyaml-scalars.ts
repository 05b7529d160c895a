// Plain scalars typed as Ansible types them: PyYAML's YAML 1.1 implicit resolvers and SafeConstructor, rule for
// rule. The yaml package's own 1.1 schema differs from PyYAML (y/n are booleans there, 0o644 is an integer, 1e3 a
// float, timestamps Date objects), so the tags are written out here from PyYAML's resolver.py and constructor.py.
import type { ScalarTag, Tags } from 'yaml';

const NULL = /^(?:~|null|Null|NULL|)$/;
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
// PyYAML's float needs a dot: 1e3 and 1.0e3 (exponent without a sign) are strings, .5 a float, -.5 a string.
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/** A plain scalar with this text is a date or a datetime to PyYAML (its text, or the isoformat the tool keeps). */
export function isTimestampText(text: string): boolean {
  return TIMESTAMP.test(text);
}

function signed(text: string): { sign: number; digits: string } {
  const clean = text.replace(/_/g, '');
  if (clean.startsWith('-')) return { sign: -1, digits: clean.slice(1) };
  if (clean.startsWith('+')) return { sign: 1, digits: clean.slice(1) };
  return { sign: 1, digits: clean };
}

/** `1:20:30` → 1*3600 + 20*60 + 30, as PyYAML reads base 60. */
function sexagesimal(digits: string, parse: (part: string) => number): number {
  return digits.split(':').reduce((total, part) => total * 60 + parse(part), 0);
}

function resolveInt(text: string, onError: (message: string) => void): number | string {
  const { sign, digits } = signed(text);
  let value: number;
  if (digits === '0') value = 0;
  else if (digits.startsWith('0b')) value = digits.length > 2 ? parseInt(digits.slice(2), 2) : NaN;
  else if (digits.startsWith('0x')) value = digits.length > 2 ? parseInt(digits.slice(2), 16) : NaN;
  else if (digits.startsWith('0')) value = parseInt(digits, 8);
  else if (digits.includes(':')) value = sexagesimal(digits, Number);
  else value = Number(digits);
  if (Number.isNaN(value)) {
    onError(`${JSON.stringify(text)} is read as an integer by YAML 1.1 but has no digits (PyYAML fails on it)`);
    return text;
  }
  // Python has no negative zero among its integers.
  return sign * value || 0;
}

function resolveFloat(text: string): number {
  const { sign, digits } = signed(text);
  const lower = digits.toLowerCase();
  if (lower === '.inf') return sign * Infinity;
  if (lower === '.nan') return NaN;
  if (lower.includes(':')) return sign * sexagesimal(lower, Number);
  return sign * Number(lower);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * PyYAML makes a date or a datetime; Ansible prints it with Python's isoformat(): `2001-12-14`,
 * `2001-12-14T21:59:43.100000-05:00`. The tool keeps that text: a timestamp never reaches a host as a date.
 */
function resolveTimestamp(text: string, onError: (message: string) => void): string {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) return text;
  const [, year = '', month = '', day = '', hour, minute = '0', second = '0', fraction, tz, tzSign, tzHour, tzMinute] =
    m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const daysInMonth = new Date(Date.UTC(2000, mo, 0)).getUTCDate();
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const lastDay = mo === 2 ? (leap ? 29 : 28) : daysInMonth;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > lastDay) {
    onError(`${JSON.stringify(text)} is a YAML 1.1 timestamp of a day that does not exist (PyYAML fails on it)`);
    return text;
  }
  const date = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  if (hour === undefined) return date;
  const [h, mi, s] = [Number(hour), Number(minute), Number(second)];
  if (h > 23 || mi > 59 || s > 59) {
    onError(`${JSON.stringify(text)} is a YAML 1.1 timestamp of a time that does not exist (PyYAML fails on it)`);
    return text;
  }
  let result = `${date}T${pad(h)}:${pad(mi)}:${pad(s)}`;
  const micro = fraction ? Number(fraction.slice(0, 6).padEnd(6, '0')) : 0;
  if (micro !== 0) result += `.${pad(micro, 6)}`;
  if (tzSign !== undefined) {
    const [oh, om] = [Number(tzHour), Number(tzMinute ?? 0)];
    if (oh * 60 + om >= 24 * 60) {
      onError(`${JSON.stringify(text)} has a time zone offset of a day or more (PyYAML fails on it)`);
      return text;
    }
    // Python prints -0:00 as +00:00.
    result += `${oh === 0 && om === 0 ? '+' : tzSign}${pad(oh)}:${pad(om)}`;
  } else if (tz === 'Z') result += '+00:00';
  return result;
}

// Each tag's `test` is PyYAML's implicit resolver for that type; `default: true` lets it type plain scalars.
const nullTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:null',
  default: true,
  test: NULL,
  identify: (value) => value === null,
  resolve: () => null,
};
const boolTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: BOOL,
  identify: (value) => typeof value === 'boolean',
  resolve: (text) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(text),
};
const intTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: INT,
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  resolve: resolveInt,
};
const floatTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  test: FLOAT,
  identify: (value) => typeof value === 'number',
  resolve: resolveFloat,
};
const timestampTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  test: TIMESTAMP,
  resolve: resolveTimestamp,
};
// PyYAML resolves a plain `=` to the value tag, which its SafeConstructor cannot build.
const valueTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:value',
  default: true,
  test: /^=$/,
  resolve: (text, onError) => {
    onError('a plain = is YAML 1.1\'s "value" key, which PyYAML (and so Ansible) cannot read: quote it');
    return text;
  },
};

const REPLACED = new Set([
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:timestamp',
]);

/** For `customTags` over the yaml package's core schema: its scalar types replaced by PyYAML's. */
export function pyyamlTags(tags: Tags): Tags {
  const kept = tags.filter((tag) => typeof tag === 'string' || !REPLACED.has(tag.tag));
  return [nullTag, boolTag, intTag, floatTag, timestampTag, valueTag, ...kept];
}
