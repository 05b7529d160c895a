// The value conversions, table-driven (test/cases/migrate/regex.json, datetime.json) and checked by behaviour: a
// converted pattern starts the same events under awslogs' engine (the lab agent's byte matcher, Python 2.7 rules)
// and the CloudWatch agent's (re2js); a converted format reads the same time under awslogs' strptime rules (the
// lab agent's parser) and the CloudWatch agent's (timestamp.ts). Every Python codec the tool knows is mapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { compileBytesPattern } from '../../../../../src/agents/awslogs/byte-pattern.js';
import { PYTHON_CODECS } from '../../../../../src/agents/awslogs/codecs.js';
import { checkEncoding } from '../../../../../src/agents/cloudwatch-agent/encodings.js';
import { TimestampParser } from '../../../../../src/agents/cloudwatch-agent/timestamp.js';
import { DateTimeParser } from '../../../../../src/lab/agent/datetime-parser.js';
import {
  convertDatetimeFormat,
  convertEncoding,
  convertPythonRegex,
  MAPPED_CODECS,
} from '../../../../../src/agents/cloudwatch-agent/from-awslogs/index.js';

const cases = <T>(name: string): T[] =>
  (
    JSON.parse(readFileSync(new URL(`../../../../../../test/cases/migrate/${name}`, import.meta.url), 'utf8')) as {
      cases: T[];
    }
  ).cases;

interface RegexCase {
  python: string;
  re2?: string;
  reason?: string;
  starts?: string[];
  continues?: string[];
}

for (const c of cases<RegexCase>('regex.json')) {
  test(`regex ${c.python}: ${c.re2 ?? `refused (${c.reason})`}`, () => {
    const r = convertPythonRegex(c.python);
    if (c.reason !== undefined) {
      assert.equal(r.ok, false, `refused: ${JSON.stringify(r)}`);
      assert.match(!r.ok ? r.reason : '', new RegExp(c.reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return;
    }
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.pattern, c.re2);
    const awslogs = compileBytesPattern(c.python, '2.7');
    const re2 = RE2JS.compile(r.pattern);
    for (const [lines, want] of [
      [c.starts ?? [], true],
      [c.continues ?? [], false],
    ] as const) {
      for (const line of lines) {
        assert.equal(awslogs.test(Buffer.from(line, 'utf8')), want, `awslogs on ${JSON.stringify(line)}`);
        assert.equal(re2.matcher(line).find(), want, `RE2 on ${JSON.stringify(line)}`);
      }
    }
  });
}

interface DatetimeCase {
  python: string;
  cw?: string;
  reason?: string;
  lines?: string[];
  differs?: string[];
}
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function awslogsTime(format: string, line: string): number | undefined {
  try {
    return new DateTimeParser(format, 'UTC', () => new Date(NOW)).parse(line);
  } catch {
    return undefined;
  }
}

function agentTime(format: string, line: string): number | undefined {
  const r = new TimestampParser(format).parse(line, { timezone: 'UTC', nowMs: NOW });
  return r.kind === 'ok' ? r.ms : undefined;
}

for (const c of cases<DatetimeCase>('datetime.json')) {
  test(`datetime_format ${c.python}: ${c.cw ?? `refused (${c.reason})`}`, () => {
    const r = convertDatetimeFormat(c.python);
    if (c.reason !== undefined) {
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.ok(!r.ok && r.reason.includes(c.reason), `${JSON.stringify(r)} names ${c.reason}`);
      return;
    }
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.format, c.cw);
    for (const line of c.lines ?? []) {
      const before = awslogsTime(c.python, line);
      assert.notEqual(before, undefined, `awslogs reads ${JSON.stringify(line)}`);
      assert.equal(agentTime(r.format, line), before, `the same time for ${JSON.stringify(line)}`);
    }
    for (const line of c.differs ?? []) {
      assert.notEqual(awslogsTime(c.python, line), undefined, `awslogs reads ${JSON.stringify(line)}`);
      assert.equal(agentTime(r.format, line), undefined, `the agent does not read ${JSON.stringify(line)}`);
    }
  });
}

test('every Python codec the tool accepts is mapped: to a charset the agent knows, or refused with a reason', () => {
  assert.deepEqual(Object.keys(PYTHON_CODECS).sort(), [...MAPPED_CODECS].sort());
  for (const codec of Object.keys(PYTHON_CODECS)) {
    const r = convertEncoding(codec);
    if (r.ok) assert.ok(checkEncoding(r.encoding).ok, `${codec} → ${r.encoding}`);
    else assert.ok(r.reason.length > 20, `${codec}: ${r.reason}`);
  }
  // Aliases as an operator writes them.
  assert.deepEqual(convertEncoding('UTF-8'), { ok: true, encoding: 'utf-8' });
  assert.deepEqual(convertEncoding('ms949'), { ok: true, encoding: 'euc-kr' });
  assert.equal(convertEncoding('cp037').ok, false);
});
