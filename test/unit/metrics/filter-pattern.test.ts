import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  evaluate,
  FilterPatternError,
  matches,
  parseFilterPattern,
  splitDelimited,
} from '../../../src/metrics/filter-pattern.js';

interface Case {
  source: string;
  pattern: string;
  match?: string[];
  no_match?: string[];
  extracted?: { line: string; fields: Record<string, string> }[];
  error?: { column: number };
}

// dist/test/unit/metrics → repo root; tsc does not copy JSON, so read it from the source tree.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cases = JSON.parse(readFileSync(`${root}test/cases/filter-patterns.json`, 'utf8')) as Case[];

describe('filter patterns, table-driven (test/cases/filter-patterns.json)', () => {
  for (const [i, c] of cases.entries()) {
    test(`#${i} ${c.pattern} — ${c.source}`, () => {
      if (c.error) {
        assert.throws(
          () => parseFilterPattern(c.pattern),
          (err: unknown) => {
            assert.ok(err instanceof FilterPatternError, `expected FilterPatternError, got ${String(err)}`);
            assert.equal(err.column, c.error?.column, err.message);
            assert.match(err.message, /^invalid filter pattern at column \d+: /);
            return true;
          },
        );
        return;
      }
      const parsed = parseFilterPattern(c.pattern);
      for (const line of c.match ?? []) assert.equal(matches(parsed, line), true, `should match: ${line}`);
      for (const line of c.no_match ?? []) assert.equal(matches(parsed, line), false, `should not match: ${line}`);
      for (const x of c.extracted ?? []) assert.deepEqual(evaluate(parsed, x.line).fields, x.fields);
    });
  }
});

test('every case cites where it comes from', () => {
  for (const c of cases) assert.ok(c.source.length > 10, c.pattern);
  assert.ok(cases.filter((c) => c.source.startsWith('CloudWatch Logs User Guide')).length >= 60);
});

test('matches() accepts the pattern text and parses it', () => {
  assert.equal(matches('ERROR -DEBUG', 'ERROR x'), true);
  assert.throws(() => matches('{ $.a = }', 'x'), FilterPatternError);
});

test('the error names the column and the rule', () => {
  try {
    parseFilterPattern('ERROR user@host');
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof FilterPatternError);
    assert.equal(err.position, 10);
    assert.match(err.message, /column 11: the term "user@host" .* double quotes/);
  }
});

test('a pattern longer than the service allows (1024) is refused', () => {
  assert.throws(() => parseFilterPattern('a'.repeat(1025)), /longer than 1024/);
});

test('space-delimited lines: brackets and quotes hold one field each', () => {
  assert.deepEqual(
    splitDelimited('a  [b c] "d e" f').map((t) => t.value),
    ['a', 'b c', 'd e', 'f'],
  );
  assert.deepEqual(
    splitDelimited('x "unterminated y').map((t) => t.value),
    ['x', 'unterminated y'],
  );
});

test('property: any text either parses or throws FilterPatternError; matching never throws', async () => {
  const fc = (await import('fast-check')).default;
  const alphabet = fc.constantFrom(...'{}[]()$.*%"\'?-=!<>&|, aZ09_\\:@'.split(''), ' IS NULL', ' NOT EXISTS', '...');
  const patternArb = fc.array(alphabet, { maxLength: 30 }).map((a) => a.join(''));
  fc.assert(
    fc.property(patternArb, fc.string({ maxLength: 40 }), (pattern, line) => {
      let parsed;
      try {
        parsed = parseFilterPattern(pattern);
      } catch (err) {
        assert.ok(err instanceof FilterPatternError, `${pattern}: ${String(err)}`);
        assert.ok(err.position >= 0 && err.position <= pattern.length, `${pattern}: position ${err.position}`);
        return;
      }
      const r = evaluate(parsed, line);
      assert.equal(typeof r.matched, 'boolean');
      evaluate(parsed, JSON.stringify({ a: line, b: [1, line], c: { d: null } }));
    }),
    { numRuns: 3000 },
  );
});
