import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../../../src/core/errors.js';
import type { Problem } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { MAX_FILE_BYTES } from '../../../src/inventory/yaml-file.js';
import { writeInventory } from './temp-inventory.js';

async function problemsOf(file: string): Promise<Problem[]> {
  try {
    await loadInventory(file);
  } catch (error) {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.problems;
  }
  assert.fail('the inventory was accepted');
}

interface Expected {
  /** Relative to the inventory folder. */
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  rule: RegExp;
  expected?: RegExp;
  found?: RegExp;
}

function check(problem: Problem | undefined, expected: Expected, dir: string): void {
  assert.ok(problem, 'a problem is reported');
  assert.equal(problem.file, join(dir, expected.file ?? 'inventory.yml'));
  if (expected.line !== undefined) assert.equal(problem.line, expected.line, 'line');
  if (expected.column !== undefined) assert.equal(problem.column, expected.column, 'column');
  if (expected.path !== undefined) assert.equal(problem.path, expected.path, 'path');
  assert.match(problem.rule, expected.rule);
  if (expected.expected) assert.match(problem.expected ?? '', expected.expected);
  if (expected.found) assert.match(problem.found ?? '', expected.found);
}

const cases: Array<{ name: string; files: Record<string, string>; problems: Expected[] }> = [
  {
    name: 'YAML syntax error',
    files: { 'inventory.yml': 'all:\n  hosts:\n    web1: [unclosed\n' },
    problems: [{ line: 4, column: 1, rule: /YAML syntax/ }],
  },
  {
    name: 'hosts written as a number',
    files: { 'inventory.yml': 'all:\n  hosts: 5\n' },
    problems: [{ line: 2, column: 10, path: 'all.hosts', rule: /hosts of group all must be a map/, found: /number 5/ }],
  },
  {
    name: 'a host name that YAML reads as a number',
    files: { 'inventory.yml': 'web:\n  hosts:\n    10:\n' },
    problems: [{ line: 3, column: 5, path: 'web.hosts.10', rule: /a host name must be a string/ }],
  },
  {
    name: 'a group name that YAML reads as a boolean',
    files: { 'inventory.yml': 'all:\n  children:\n    yes:\n      hosts:\n        web1:\n' },
    problems: [{ line: 3, column: 5, rule: /a group name must be a non-empty string/, found: /true/ }],
  },
  {
    name: 'hosts written as a list',
    files: { 'inventory.yml': 'all:\n  children:\n    web:\n      hosts:\n        - web1\n' },
    problems: [
      { line: 5, column: 9, path: 'all.children.web.hosts', rule: /hosts of group web must be a map/, found: /list/ },
    ],
  },
  {
    name: 'vars written as a list',
    files: { 'inventory.yml': 'all:\n  vars:\n    - a: 1\n  hosts:\n    web1:\n' },
    problems: [{ line: 3, column: 5, path: 'all.vars', rule: /vars of group all must be a map/ }],
  },
  {
    name: 'children written as a list',
    files: { 'inventory.yml': 'all:\n  children: [web]\n' },
    problems: [{ line: 2, column: 13, path: 'all.children', rule: /children of group all must be a map/ }],
  },
  {
    name: 'a child group that is not a map and was not defined before (Ansible skips it, then fails to link it)',
    files: { 'inventory.yml': 'all:\n  children:\n    web: web1\n' },
    problems: [{ line: 3, column: 5, path: 'all.children.web', rule: /web is not a known group or host/ }],
  },
  {
    name: 'a host with a scalar instead of vars',
    files: { 'inventory.yml': 'web:\n  hosts:\n    web1: 10.0.0.1\n' },
    problems: [{ line: 3, column: 11, path: 'web.hosts.web1', rule: /host web1 must have nothing or a map of vars/ }],
  },
  {
    name: 'a group that is its own ancestor',
    files: {
      'inventory.yml': 'a:\n  children:\n    b:\n      children:\n        c:\n          children:\n            a:\n',
    },
    problems: [
      {
        line: 7,
        column: 13,
        path: 'a.children.b.children.c.children.a',
        rule: /group a is its own ancestor/,
        found: /a → b → c → a/,
      },
    ],
  },
  {
    name: 'a group that is its own child',
    files: { 'inventory.yml': 'web:\n  children:\n    web:\n  hosts:\n    web1:\n' },
    problems: [{ line: 3, column: 5, path: 'web.children.web', rule: /group web is its own ancestor/ }],
  },
  {
    name: 'all as a child',
    files: { 'inventory.yml': 'web:\n  children:\n    all:\n' },
    problems: [{ line: 3, column: 5, path: 'web.children.all', rule: /group all cannot be a child of web/ }],
  },
  {
    name: 'ansible_group_priority not an integer',
    files: { 'inventory.yml': 'web:\n  vars:\n    ansible_group_priority: high\n  hosts:\n    web1:\n' },
    problems: [{ line: 3, column: 29, path: 'web.vars.ansible_group_priority', rule: /must be an integer/ }],
  },
  {
    name: 'ansible_group_priority empty (int(None) fails in Ansible)',
    files: { 'inventory.yml': 'web:\n  vars:\n    ansible_group_priority:\n  hosts:\n    web1:\n' },
    problems: [{ line: 3, column: 28, path: 'web.vars.ansible_group_priority', rule: /must be an integer/ }],
  },
  {
    name: 'an empty inventory',
    files: { 'inventory.yml': '# nothing yet\n' },
    problems: [{ rule: /the inventory is empty/ }],
  },
  {
    name: 'an inventory that is a list',
    files: { 'inventory.yml': '- web1\n- web2\n' },
    problems: [{ line: 1, column: 1, rule: /the inventory must be a map of groups/ }],
  },
  {
    name: 'a group name that is not a string',
    files: { 'inventory.yml': '? [a, b]\n: {}\n' },
    problems: [{ line: 1, column: 3, rule: /a group name must be a non-empty string/ }],
  },
  {
    name: 'an ansible-vault value',
    files: { 'inventory.yml': 'all:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n' },
    problems: [{ line: 3, column: 20, rule: /ansible-vault encrypted values are not supported/ }],
  },
  {
    name: 'a recursive alias',
    files: { 'inventory.yml': 'all:\n  vars:\n    loop: &loop [*loop]\n' },
    problems: [{ rule: /alias refers to a node that contains it/ }],
  },
  {
    name: 'a reversed letter range (a reversed numeric range is no host, as in Ansible)',
    files: { 'inventory.yml': 'web:\n  hosts:\n    web[c:a]:\n' },
    problems: [{ line: 3, column: 5, path: 'web.hosts.web[c:a]', rule: /begin <= end/ }],
  },
  {
    name: 'a bracket that is not a range',
    files: { 'inventory.yml': 'web:\n  hosts:\n    web[1]:\n' },
    problems: [{ line: 3, column: 5, path: 'web.hosts.web[1]', rule: /begin:end or begin:end:step/ }],
  },
  {
    name: 'a host range past the inventory cap',
    files: { 'inventory.yml': 'web:\n  hosts:\n    web[0:99999999]:\n' },
    problems: [{ line: 3, column: 5, rule: /expands to more than 100000 host names/ }],
  },
  {
    name: 'a plugin configuration given as an inventory',
    files: { 'inventory.yml': 'plugin: aws_ec2\nregions: [eu-west-1]\n' },
    problems: [{ line: 1, column: 1, rule: /inventory plugin configuration/ }],
  },
  {
    name: 'a YAML tag Ansible cannot read',
    files: { 'inventory.yml': 'web: !group\n  hosts:\n    web1:\n' },
    problems: [{ line: 1, column: 6, rule: /unknown YAML tag !group/ }],
  },
  {
    name: 'a YAML error in a group_vars file is located in that file',
    files: { 'inventory.yml': 'web:\n  hosts:\n    web1:\n', 'group_vars/web.yml': 'a: 1\nb: [2\n' },
    problems: [{ file: 'group_vars/web.yml', rule: /YAML syntax/ }],
  },
  {
    name: 'a host_vars file that is not a map',
    files: { 'inventory.yml': 'web:\n  hosts:\n    web1:\n', 'host_vars/web1.yml': '- a\n' },
    problems: [{ file: 'host_vars/web1.yml', line: 1, column: 1, rule: /vars must be a map/ }],
  },
  {
    name: 'every problem at once, in several files',
    files: {
      'inventory.yml':
        'all:\n  vars:\n    ansible_group_priority: high\n  children:\n    web:\n      hosts: [web1]\n    db:\n      hosts:\n        db1:\n',
      'group_vars/db.yml': 'x: [\n',
    },
    problems: [
      { line: 3, column: 29, path: 'all.vars.ansible_group_priority', rule: /must be an integer/ },
      { line: 6, column: 14, path: 'all.children.web.hosts', rule: /must be a map/ },
      { file: 'group_vars/db.yml', rule: /YAML syntax/ },
    ],
  },
];

for (const c of cases) {
  test(`refused: ${c.name}`, async () => {
    const file = writeInventory(c.files);
    const problems = await problemsOf(file);
    assert.equal(problems.length, c.problems.length, problems.map((p) => JSON.stringify(p)).join('\n'));
    c.problems.forEach((expected, i) => check(problems[i], expected, dirname(file)));
  });
}

test('a missing inventory file is one clear problem', async () => {
  const file = join(dirname(writeInventory({})), 'nope.yml');
  const problems = await problemsOf(file);
  assert.deepEqual(problems, [{ file, rule: 'inventory file not found', expected: 'a readable YAML file' }]);
});

test('a folder given as the inventory is refused', async () => {
  const dir = dirname(writeInventory({ 'x.yml': '' }));
  const [problem] = await problemsOf(dir);
  assert.match(problem?.rule ?? '', /is a directory/);
});

test('a file over 4 MiB is refused before it is read', async () => {
  const file = writeInventory({});
  writeFileSync(file, `all:\n  vars:\n    big: "${'x'.repeat(MAX_FILE_BYTES)}"\n`);
  const started = Date.now();
  const [problem] = await problemsOf(file);
  assert.match(problem?.rule ?? '', /the inventory file is too large/);
  assert.match(problem?.expected ?? '', /4 MiB/);
  assert.ok(Date.now() - started < 1000, 'refused fast');
});

test('an oversized group_vars file is refused too', async () => {
  const file = writeInventory({ 'inventory.yml': 'web:\n  hosts:\n    web1:\n', 'group_vars/web.yml': '' });
  const groupVarsFile = join(dirname(file), 'group_vars', 'web.yml');
  writeFileSync(groupVarsFile, `big: "${'x'.repeat(MAX_FILE_BYTES)}"\n`);
  const [problem] = await problemsOf(file);
  assert.equal(problem?.file, groupVarsFile);
  assert.match(problem?.rule ?? '', /the vars file is too large/);
});

test('a YAML alias bomb is refused within bounded time', async () => {
  const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  const names = 'abcdefghijklmnop';
  for (let i = 1; i < names.length; i++) {
    const previous = `*${names[i - 1]}`;
    levels.push(`${names[i]}: &${names[i]} [${Array(9).fill(previous).join(', ')}]`);
  }
  const file = writeInventory({
    'inventory.yml': `all:\n  vars:\n${levels.map((line) => `    ${line}`).join('\n')}\n  hosts:\n    web1:\n`,
  });
  const started = Date.now();
  const problems = await problemsOf(file);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.rule ?? '', /too many YAML alias expansions/);
  assert.deepEqual([problems[0]?.line, problems[0]?.column], [4, 12], 'located at the first alias');
  assert.ok(Date.now() - started < 1000, 'refused fast');
});
