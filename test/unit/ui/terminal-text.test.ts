import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalJson, terminalText } from '../../../src/ui/terminal-text.js';
import { controlCodePoints, escapeControlCharacters } from '../../../src/core/control-characters.js';

const FORGED = '\u001b]0;FAKE: all hosts ok\u0007\u001b[2J\r\u009b31m\u2028x';

test('terminalText: every control character shown as an escape; nothing left to act on a terminal', () => {
  const shown = terminalText(`${FORGED}\nnext`);
  assert.equal(shown, '\\x1b]0;FAKE: all hosts ok\\x07\\x1b[2J\\r\\x9b31m\\u2028x\\nnext');
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(shown, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
});

test('terminalText with lines: line feeds kept, everything else escaped; plain text unchanged', () => {
  assert.equal(terminalText('a\tb\nc\u001b[0m\n', { lines: true }), 'a\\tb\nc\\x1b[0m\n');
  assert.equal(terminalText('lab01: changed — ü 한'), 'lab01: changed — ü 한');
});

test('terminalJson: the same JSON value, with C1 and U+2028 as \\u escapes', () => {
  const value = { name: `web${FORGED}` };
  const json = terminalJson(JSON.stringify(value));
  assert.deepEqual(JSON.parse(json), value);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
});

test('controlCodePoints names each control character once', () => {
  assert.equal(controlCodePoints('a\nb\nc\u001b'), 'U+000A, U+001B');
  assert.equal(escapeControlCharacters('a\nb', ['\n']), 'a\nb');
});
