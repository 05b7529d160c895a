// Issue 10: a host name, group name or key with a control character is refused by the loader, wherever it is
// written (a key of the inventory or of a vars file at any depth, or the string form of hosts:, children:, vars:),
// with the file, the line and the rule. Values are the rendering side's concern and load as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { InputError } from '../../../src/core/errors.js';
import type { Problem } from '../../../src/core/errors.js';
import { loadInventorySync } from '../../../src/inventory/load.js';
import { writeInventory } from './temp-inventory.js';

const CONTROLS: Array<[string, string]> = [
  ['newline', '\n'],
  ['carriage return', '\r'],
  ['escape', '\u001b'],
  ['NUL', '\u0000'],
  ['tab', '\t'],
  ['DEL', '\u007f'],
  ['C1 NEL', '\u0085'],
  ['C1 CSI', '\u009b'],
  ['line separator', '\u2028'],
  ['paragraph separator', '\u2029'],
  ['right-to-left override', '\u202e'],
];

/** The name as a YAML double-quoted string, every non-ASCII or control character escaped. */
function yamlQuoted(text: string): string {
  return `"${[...text].map((c) => (/[\x20-\x7e]/.test(c) && c !== '"' && c !== '\\' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')}"`;
}

function problemsOf(files: Record<string, string>): { problems: Problem[]; dir: string } {
  const file = writeInventory(files);
  try {
    loadInventorySync(file);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return { problems: error.problems, dir: dirname(file) };
  }
  assert.fail('accepted');
}

const PLACES: Array<{ where: string; files: (name: string) => Record<string, string>; file?: string; line: number }> = [
  { where: 'a host name', files: (n) => ({ 'inventory.yml': `web:\n  hosts:\n    ${n}:\n` }), line: 3 },
  { where: 'a top-level group name', files: (n) => ({ 'inventory.yml': `${n}:\n  hosts:\n    h1:\n` }), line: 1 },
  {
    where: 'a child group name',
    files: (n) => ({ 'inventory.yml': `all:\n  children:\n    ${n}:\n      hosts:\n        h1:\n` }),
    line: 3,
  },
  {
    where: 'a var key',
    files: (n) => ({ 'inventory.yml': `web:\n  vars:\n    ${n}: 1\n  hosts:\n    h1:\n` }),
    line: 3,
  },
  {
    where: 'a key inside a value',
    files: (n) => ({ 'inventory.yml': `web:\n  hosts:\n    h1:\n      opts:\n        ${n}: 1\n` }),
    line: 5,
  },
  {
    where: 'a key in a group_vars file',
    files: (n) => ({ 'inventory.yml': 'web:\n  hosts:\n    h1:\n', 'group_vars/web.yml': `a: 1\n${n}: 2\n` }),
    file: 'group_vars/web.yml',
    line: 2,
  },
  { where: 'hosts: as a string', files: (n) => ({ 'inventory.yml': `web:\n  hosts: ${n}\n` }), line: 2 },
  { where: 'children: as a string', files: (n) => ({ 'inventory.yml': `web:\n  children: ${n}\n` }), line: 2 },
  {
    where: 'vars: as a string',
    files: (n) => ({ 'inventory.yml': `web:\n  vars: ${n}\n  hosts:\n    h1:\n` }),
    line: 2,
  },
];

for (const [label, char] of CONTROLS) {
  test(`a ${label} is refused in every place a name or key is written`, () => {
    const name = yamlQuoted(`web${char}1`);
    for (const place of PLACES) {
      const { problems, dir } = problemsOf(place.files(name));
      assert.equal(problems.length, 1, `${place.where}: ${JSON.stringify(problems)}`);
      const [problem] = problems;
      assert.equal(problem?.file, join(dir, place.file ?? 'inventory.yml'), place.where);
      assert.equal(problem?.line, place.line, `${place.where}: line`);
      assert.match(problem?.rule ?? '', /control characters .* are not allowed in host names, group names or keys/);
      assert.equal(problem?.found?.includes(char), false, `${place.where}: the character is shown escaped`);
      assert.match(problem?.found ?? '', /\\u00|\\u20/, place.where);
    }
  });
}

test('values may hold control characters: the loader keeps them as written (rendering encodes or refuses them)', () => {
  const file = writeInventory({ 'inventory.yml': 'web:\n  hosts:\n    h1:\n      note: "a\\nb\\u001b[2J"\n' });
  assert.equal(loadInventorySync(file).hosts[0]?.vars['note'], 'a\nb\u001b[2J');
});

test('printable Unicode in names is fine', () => {
  const file = writeInventory({ 'inventory.yml': 'wéb:\n  hosts:\n    "ホスト1":\n' });
  const inventory = loadInventorySync(file);
  assert.deepEqual(inventory.hosts[0]?.groups, ['all', 'wéb']);
  assert.equal(inventory.hosts[0]?.name, 'ホスト1');
});
