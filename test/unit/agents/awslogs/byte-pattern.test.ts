// multi_line_start_pattern compiled as the agent's reader does (bytes), judged against Python 3 itself: the same
// errors for the same patterns, the same lines starting an event. Python 2.7's byte strings are checked through
// Python 3 on the UTF-8 bytes (what Python 2 reads from the file), for patterns both Pythons read alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  compileBytesPattern,
  portablePattern,
  PythonError,
  pyRepr,
  python3BytesProblem,
  type AgentPython,
} from '../../../../src/agents/awslogs/byte-pattern.js';

const LINES = [
  'ERROR boom',
  'error boom',
  '  continued',
  '\u00a0starts with a no-break space',
  '\tindented',
  '오류 발생',
  'é accent',
  'Ér capital',
  '2026-01-02 03:04:05 line',
  'x_1 word',
  '',
  '[bracket]',
  'ümlaut',
];

const PATTERNS = [
  '^[^\\s]',
  '^\\S',
  '^\\w',
  '^\\W',
  '(?i)^error',
  '(?i)^[a-e]rr',
  '^(?i:err)or',
  '(?x) ^ \\d{4} - # the year\n',
  '^\\d{4}-\\d{2}-\\d{2}',
  '^오류',
  '^é',
  '(?i)^é',
  '^\\u00e9',
  '(?u)^\\w',
  '(?iu)x',
  '^(?u:x)',
  '^[\\x41-\\x5a]',
  '^\\xc3\\xa9',
  '^\\[',
  '^[]x]',
  '^.\\s',
  '^(?P<a>x)_(?P=a)?',
  '^x{,2}_',
  '\\bword\\b',
  '^[^\\S\\t]',
];

interface PyResult {
  error?: string;
  matches?: boolean[];
}

function python(encoding: 'latin-1' | 'utf-8', patterns: string[]): PyResult[] {
  const script = [
    'import json, re, sys',
    'data = json.load(sys.stdin)',
    'out = []',
    'for p in data["patterns"]:',
    '    try:',
    `        r = re.compile(p.encode("${encoding}"))`,
    '        out.append({"matches": [r.search(l.encode("utf-8")) is not None for l in data["lines"]]})',
    '    except Exception as e:',
    '        out.append({"error": repr(e)})',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(
    execFileSync('python3', ['-c', script], { input: JSON.stringify({ patterns, lines: LINES }), encoding: 'utf8' }),
  ) as PyResult[];
}

function ours(pattern: string, agent: AgentPython): PyResult {
  try {
    const m = compileBytesPattern(pattern, agent);
    return { matches: LINES.map((l) => m.test(Buffer.from(l, 'utf8'))) };
  } catch (err) {
    if (err instanceof PythonError) return { error: err.repr };
    throw err;
  }
}

test('Python 3: the same errors (repr) and the same matches as re.compile(pattern.encode("latin-1"))', () => {
  const py = python('latin-1', PATTERNS);
  PATTERNS.forEach((p, i) => {
    const want = py[i]!;
    const got = ours(p, '3');
    // Python's own re.error repr names its class by module (re.error / re.PatternError): compare the message.
    if (want.error && got.error) assert.equal(got.error.replace(/^\w+\(/, ''), want.error.replace(/^[\w.]+\(/, ''), p);
    else assert.deepEqual(got, want, JSON.stringify(p));
  });
});

test('Python 2.7: the UTF-8 bytes of the pattern, byte for byte (Python 3 on those bytes judges)', () => {
  const both = PATTERNS.filter((p) => !/\\u|\(\?\w*u/.test(p));
  const py = python('utf-8', both);
  both.forEach((p, i) => assert.deepEqual(ours(p, '2.7'), py[i], JSON.stringify(p)));
  // Python 2 reads \u as the letter u and allows (?u) on a byte string: the pattern compiles.
  assert.ok(ours('^\\u00e9', '2.7').matches);
  assert.ok(ours('(?u)^\\w', '2.7').matches);
});

test('the three Python 3 failures the reference names, with the agent exception and a rule in words', () => {
  const korean = python3BytesProblem('^오류');
  assert.equal(korean?.repr, "UnicodeEncodeError('latin-1', '^오류', 1, 3, 'ordinal not in range(256)')");
  assert.match(korean!.rule, /outside Latin-1/);
  assert.match(python3BytesProblem('^\\u00e9')!.repr, /^error\('bad escape \\\\u at position 1'\)$/);
  assert.equal(
    python3BytesProblem('(?u)^x')?.repr,
    `error("bad inline flags: cannot use 'u' flag with a bytes pattern at position 3")`,
  );
  assert.equal(python3BytesProblem('^[^\\s]'), undefined);
  assert.ok(python3BytesProblem('{datetime_format}', '%Y년 %m월'));
  assert.equal(python3BytesProblem('{datetime_format}', '%Y-%m-%d'), undefined);
});

test('U+00A0 at a line start is no whitespace to a bytes pattern: the default pattern starts an event there', () => {
  for (const py of ['2.7', '3'] as const)
    assert.equal(compileBytesPattern('^[^\\s]', py).test(Buffer.from('\u00a0x', 'utf8')), true);
});

test('pyRepr quotes and escapes as Python 3 does', () => {
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr('a\\b\n\u00a0'), "'a\\\\b\\n\\xa0'");
  assert.equal(pyRepr('오류'), "'오류'");
});

test('portablePattern: UTF-8 bytes as \\xNN escapes match the same lines on both Pythons', () => {
  const portable = portablePattern('^오류')!;
  assert.equal(portable, '^\\xec\\x98\\xa4\\xeb\\xa5\\x98');
  for (const py of ['2.7', '3'] as const) {
    const m = compileBytesPattern(portable, py);
    assert.equal(m.test(Buffer.from('오류 x', 'utf8')), true, py);
    assert.equal(m.test(Buffer.from('오 x', 'utf8')), false, py);
  }
  assert.equal(portablePattern('^\\u00e9'), '^\\xc3\\xa9');
  assert.equal(portablePattern('(?u)^\\w'), '^\\w');
  assert.equal(portablePattern('(?iu)^x'), '(?i)^x');
  assert.equal(portablePattern('^[가-힣]'), undefined);
});
