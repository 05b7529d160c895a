// The differential asks ansible-core through its Python API (one process for hundreds of inventories) and the tool
// through its functions. This checks both shortcuts against the commands themselves on a few generated
// inventories: `ansible-inventory -i INV --list` and `ansible -i INV all --limit P --list-hosts` against the
// harness, and `provision inventory --json --limit P` against the functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { ansibleEnv, ansibleVersion, readWithAnsible } from './ansible.js';
import { readWithTool, selectWithTool } from './compare.js';
import { caseSeed, generateCase, writeFiles } from './generate.js';

const ansible = ansibleVersion();
const unavailable =
  ansible.missing && process.getuid?.() !== 0
    ? `ansible-core is not installed and this is not root (scripts/install-lab-deps.sh installs it): ${ansible.missing}`
    : false;

/** Generated cases both read without refusing, with their patterns. */
async function readableCases(count: number) {
  const root = mkdtempSync(join(tmpdir(), 'inventory-diff-cli-'));
  const picked = [];
  for (let i = 0; picked.length < count && i < 200; i++) {
    const generated = generateCase(caseSeed(20_240_601, i), 3);
    const file = writeFiles(join(root, String(i)), generated.files);
    if (readWithTool(file).inventory) picked.push({ id: String(i), file, patterns: generated.patterns });
  }
  const answers = await readWithAnsible(picked);
  return picked
    .map((c, i) => ({ ...c, ansible: answers[i]! }))
    .filter((c) => c.ansible.parsed && !c.ansible.vars_error);
}

test(
  'the harness answers as ansible-inventory and ansible do',
  { skip: unavailable, timeout: 10 * 60_000 },
  async () => {
    const env = ansibleEnv();
    const cases = (await readableCases(3)).slice(0, 2);
    assert.equal(cases.length, 2, 'two generated inventories both read');
    for (const c of cases) {
      const listed = spawnSync('ansible-inventory', ['-i', c.file, '--list'], { env, cwd: env.HOME, encoding: 'utf8' });
      assert.equal(listed.status, 0, listed.stderr);
      // Python's json writes NaN and Infinity, which JSON has not: spelled as the harness spells them.
      const text = listed.stdout.replace(/(?<=[:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, (word) =>
        JSON.stringify({ $float: word === 'NaN' ? 'nan' : word.startsWith('-') ? '-inf' : 'inf' }),
      );
      const { _meta: meta, ...groups } = JSON.parse(text) as Record<
        string,
        { hosts?: string[]; children?: string[]; hostvars?: Record<string, unknown> }
      >;
      const hostvars = meta?.hostvars ?? {};
      for (const [name, vars] of Object.entries(hostvars)) {
        assert.deepEqual(vars, c.ansible.hosts?.[name]?.vars, `inventory ${c.id}: hostvars of ${name}`);
      }
      assert.deepEqual(Object.keys(hostvars).sort(), Object.keys(c.ansible.hosts ?? {}).sort());
      for (const [name, group] of Object.entries(groups)) {
        if (group.hosts) assert.deepEqual(group.hosts, c.ansible.groups?.[name]?.hosts, `inventory ${c.id}: ${name}`);
        if (group.children) assert.deepEqual(group.children, c.ansible.groups?.[name]?.children, `${name} children`);
      }
      for (const answer of c.ansible.patterns ?? []) {
        const run = spawnSync('ansible', ['-i', c.file, 'all', '--limit', answer.pattern, '--list-hosts'], {
          env,
          cwd: env.HOME,
          encoding: 'utf8',
        });
        const where = `inventory ${c.id}, --limit ${JSON.stringify(answer.pattern)}`;
        if (answer.error !== undefined) {
          assert.notEqual(
            run.status,
            0,
            `${where}: ansible refuses it too: ${run.stdout} ${run.stderr} ${String(run.error)}`,
          );
          continue;
        }
        assert.equal(run.status, 0, `${where}: ${run.stderr}`);
        const hosts = run.stdout
          .split('\n')
          .slice(1)
          .map((line) => line.trim())
          .filter(Boolean);
        // The command walks Python's sets in its own order below the first level: the same hosts, maybe not in order.
        assert.deepEqual([...hosts].sort(), [...(answer.hosts ?? [])].sort(), where);
      }
    }
  },
);

test('`provision inventory --json --limit` prints what the functions the differential calls return', async () => {
  const root = mkdtempSync(join(tmpdir(), 'inventory-diff-cli-'));
  let checked = 0;
  for (let i = 0; checked < 6 && i < 40; i++) {
    const generated = generateCase(caseSeed(20_240_602, i), 2);
    const file = writeFiles(join(root, String(i)), generated.files);
    const read = readWithTool(file);
    if (!read.inventory) continue;
    for (const pattern of generated.patterns) {
      const mine = selectWithTool(read.inventory, pattern);
      const result = await runCli(['inventory', '--inventory', file, '--json', '--limit', pattern]);
      if (mine.error !== undefined) {
        assert.equal(result.code, 2, `${file} --limit ${pattern}: ${result.stdout}`);
        continue;
      }
      assert.equal(result.code, 0, result.stderr);
      const printed = JSON.parse(result.stdout) as { hosts: Array<{ name: string }> };
      assert.deepEqual(
        printed.hosts.map((h) => h.name),
        mine.hosts,
        `${file} --limit ${pattern}`,
      );
      checked++;
    }
  }
  assert.ok(checked >= 6, `only ${checked} patterns checked through the CLI`);
});
