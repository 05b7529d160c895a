import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { quote } from '../../../src/transports/shell.js';

/** What /bin/sh really receives: `printf %s <quoted>` echoes the argument's bytes back. */
function throughShell(value: string): Buffer {
  return execFileSync('/bin/sh', ['-c', `printf %s ${quote(value)}`]);
}

const hostile: Record<string, string> = {
  empty: '',
  space: 'a b  c',
  'single quote': "it's",
  'only quotes': "''''",
  'double quote': 'say "hi"',
  'command substitution': '$(touch /tmp/pwned-by-quote)',
  backticks: '`id`',
  variable: '$HOME ${PATH} $1 $@',
  newline: 'line1\nline2\n',
  'carriage return and tab': 'a\r\tb',
  semicolon: 'a; rm -rf /',
  and: 'true && echo yes',
  pipe: 'a | cat',
  glob: '* ? [a-z] ~ ~root',
  'leading dash': '-n',
  'leading dashes': '--help',
  backslash: 'a\\nb\\',
  redirections: '> /tmp/x < /etc/passwd 2>&1',
  'history and braces': '!! {a,b} #comment',
  unicode: 'héllo wörld — 日本語 🚀',
  'percent (printf format)': '%s %d %%',
};

for (const [name, value] of Object.entries(hostile)) {
  test(`quote: ${name} reaches the shell unchanged`, () => {
    assert.deepEqual(throughShell(value), Buffer.from(value, 'utf8'));
  });
}

test('quote: single-quote style with the standard escape for quotes', () => {
  assert.equal(quote('abc'), "'abc'");
  assert.equal(quote(''), "''");
  assert.equal(quote("a'b"), `'a'\\''b'`);
});

test('quote: refuses a NUL byte', () => {
  assert.throws(() => quote('a\0b'), /NUL/);
});

test('quote: several quoted arguments stay separate words', () => {
  const out = execFileSync('/bin/sh', ['-c', `printf '[%s]' ${quote('a b')} ${quote('')} ${quote("c'd")}`]);
  assert.equal(out.toString(), "[a b][][c'd]");
});

test('quote: property — any string without NUL comes back byte for byte', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 64 }).filter((s) => !s.includes('\0')),
      (s) => {
        // Lone surrogates cannot be encoded; compare what Node actually sends.
        assert.deepEqual(throughShell(s), Buffer.from(s, 'utf8'));
      },
    ),
    { numRuns: 200 },
  );
});
