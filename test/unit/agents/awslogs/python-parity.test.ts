// The tool judges regexes and datetime formats without Python; here Python 3 judges the same corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { checkPythonRegex } from '../../../../src/agents/awslogs/python-regex.js';
import { checkDatetimeFormat } from '../../../../src/agents/awslogs/datetime-format.js';

function python(script: string, input: unknown): boolean[] {
  return JSON.parse(
    execFileSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' }),
  ) as boolean[];
}

const PATTERNS = [
  '^[^\\s]',
  '^\\d{4}-\\d{2}-\\d{2}',
  '^(?P<year>\\d{4})-(?P=year)',
  '(?i)^(error|warn)',
  '(?im)^\\w+',
  '\\A\\[',
  'end\\Z',
  '^[]a]',
  '^[^]a]',
  '^\\x41\\u0042',
  '^\\U0001F600',
  '(?#a comment)^x',
  '(?:non)(?=look)(?!neg)(?<=b)(?<!c)',
  '(?i:scoped)',
  '^\\$\\-\\.',
  '[\\d\\s\\w-]+',
  'a{2,3}b{,3}',
  '^(\\d+',
  '*x',
  '(?<y>\\d)',
  '\\k<y>',
  '^\\p{L}',
  '\\Q',
  '\\e',
  '[\\A]',
  'a(?i)b',
  '(?P<1x>a)',
  '(?P=nope)',
  '(?Px)',
  '[a-',
  '\\x4',
  'a**',
  '\\',
  '(?<=a+)b',
];

test('parity: the regex check agrees with Python re.compile on a corpus', () => {
  const py = python(
    [
      'import json, re, sys',
      'out = []',
      'for p in json.load(sys.stdin):',
      '    try:',
      '        re.compile(p); out.append(True)',
      '    except Exception:',
      '        out.append(False)',
      'print(json.dumps(out))',
    ].join('\n'),
    PATTERNS,
  );
  // Known gap: JavaScript accepts variable-width lookbehind, Python does not.
  const knownGaps = new Set(['(?<=a+)b']);
  PATTERNS.forEach((p, i) => {
    if (knownGaps.has(p)) return;
    assert.equal(checkPythonRegex(p).ok, py[i], `${JSON.stringify(p)}: Python says ${py[i]}`);
  });
});

const FORMATS = [
  '%Y-%m-%d %H:%M:%S',
  '%b %d %H:%M:%S',
  '%d/%b/%Y:%H:%M:%S %z',
  '%Y-%m-%dT%H:%M:%S.%f',
  '%a %A %B %I %p %j %w %U %W %y %Z %%',
  '%c',
  '%x %X',
  '%c %Y',
  '%x %m',
  '%X %H',
  '%c %y',
  '%Q',
  '%Y %',
  '%H %H',
  '%s',
  '%k',
  '100%% %Y',
];

test('parity: the datetime_format check agrees with Python strptime on a corpus', () => {
  const py = python(
    [
      'import json, sys, _strptime',
      'out = []',
      'for f in json.load(sys.stdin):',
      '    try:',
      '        _strptime._TimeRE_cache.compile(f); out.append(True)',
      '    except Exception:',
      '        out.append(False)',
      'print(json.dumps(out))',
    ].join('\n'),
    FORMATS,
  );
  FORMATS.forEach((f, i) =>
    assert.equal(checkDatetimeFormat(f).ok, py[i], `${JSON.stringify(f)}: Python says ${py[i]}`),
  );
});
