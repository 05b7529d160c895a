// The fixed cases of each class of mismatch the differential found (test/cases/inventory/ansible-classes.json) and
// every documented difference's example (ansible-differences.json): each is checked against the tool, and against
// ansible-core itself, so that an expectation is Ansible's behaviour and not the tool's opinion of it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from '../../src/core/errors.js';
import { loadInventorySync } from '../../src/inventory/load.js';
import { inventoryReport } from '../../src/runs/inventory.js';
import { ansibleVersion, readWithAnsible } from './ansible.js';
import type { AnsibleResult } from './ansible.js';
import { DIFFERENCES, plain } from './compare.js';
import { writeFiles } from './generate.js';

interface ClassCase {
  class: number;
  name: string;
  files: Record<string, string>;
  limit?: string;
  hosts?: string[];
  vars?: Record<string, Record<string, unknown>>;
  groups?: Record<string, { hosts: string[]; children: string[] }>;
  refused?: string;
  difference?: string;
  tool_warns?: string;
  ansible_warns?: string;
  /** Ansible's vars where the tool refuses (a documented difference). */
  ansible_vars?: Record<string, Record<string, unknown>>;
}

const CASES = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../test/cases/inventory/ansible-classes.json', import.meta.url)), 'utf8'),
) as ClassCase[];

function write(files: Record<string, string>): string {
  return writeFiles(mkdtempSync(join(tmpdir(), 'inventory-class-')), files);
}

/** What the tool says of an inventory and a --limit, as `provision inventory --json --limit` would. */
function tool(file: string, limit?: string) {
  try {
    const inventory = loadInventorySync(file);
    const report = inventoryReport(inventory, limit);
    return { inventory, report };
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError) return { refused: error.message };
    throw error;
  }
}

describe('inventory classes 1-8: the tool', () => {
  for (const c of CASES) {
    test(`class ${c.class}: ${c.name}`, () => {
      const result = tool(write(c.files), c.limit);
      if (c.refused) {
        assert.match(result.refused ?? 'accepted', new RegExp(c.refused));
        if (c.difference) {
          const difference = DIFFERENCES.find((d) => d.id === c.difference);
          assert.ok(difference?.tool_says, `difference ${c.difference} is documented`);
          assert.match(result.refused ?? '', new RegExp(difference.tool_says));
        }
        return;
      }
      assert.equal(result.refused, undefined, 'accepted');
      const { inventory, report } = result;
      assert.ok(inventory && report);
      if (c.hosts)
        assert.deepEqual(
          report.hosts.map((h) => h.name),
          c.hosts,
        );
      for (const [name, vars] of Object.entries(c.vars ?? {})) {
        assert.deepEqual(plain(inventory.hosts.find((h) => h.name === name)?.vars), vars, `vars of ${name}`);
      }
      for (const [name, group] of Object.entries(c.groups ?? {})) {
        const mine = inventory.groups[name];
        assert.deepEqual({ hosts: mine?.hosts, children: mine?.children }, group, `group ${name}`);
      }
      if (c.tool_warns) {
        assert.ok(
          (report.warnings ?? []).some((w) => new RegExp(c.tool_warns ?? '').test(w)),
          `a warning like /${c.tool_warns}/ in ${JSON.stringify(report.warnings)}`,
        );
      }
    });
  }

  for (const d of DIFFERENCES.filter((d) => d.example)) {
    test(`documented difference ${d.id}: the tool refuses its example`, () => {
      const result = tool(write(d.example?.files ?? {}), d.example?.pattern);
      assert.match(result.refused ?? 'accepted', new RegExp(d.tool_says ?? '.'));
    });
  }

  test('every documented difference says what, how Ansible reads it, what the tool does and why', () => {
    const ids = new Set<string>();
    for (const d of DIFFERENCES) {
      assert.ok(!ids.has(d.id), `${d.id} once`);
      ids.add(d.id);
      for (const field of ['what', 'ansible', 'tool', 'why'] as const)
        assert.ok(d[field].length > 10, `${d.id}.${field}`);
      if (d.tool_says) assert.ok(d.example, `${d.id}: a refusal has an example the tests run`);
    }
  });
});

const ansible = ansibleVersion();
const unavailable =
  ansible.missing && process.getuid?.() !== 0
    ? `ansible-core is not installed and this is not root (scripts/install-lab-deps.sh installs it): ${ansible.missing}`
    : false;

describe('inventory classes 1-8: ansible-core reads each case as the case says', { skip: unavailable }, () => {
  test('every class case and every documented difference, through ansible-core 2.14', async () => {
    assert.ok(ansible.version, ansible.missing);
    const examples = DIFFERENCES.filter((d) => d.example);
    const inputs = [
      ...CASES.map((c, i) => ({ id: `case ${i}`, file: write(c.files), patterns: c.limit ? [c.limit] : [] })),
      ...examples.map((d) => ({
        id: d.id,
        file: write(d.example?.files ?? {}),
        patterns: d.example?.pattern ? [d.example.pattern] : [],
      })),
    ];
    const results = await readWithAnsible(inputs);
    const failures: string[] = [];
    CASES.forEach((c, i) => {
      const r = results[i] as AnsibleResult;
      const fail = (why: string) => failures.push(`class ${c.class} "${c.name}": ${why}`);
      if (!r.parsed || r.crash) return fail(`Ansible could not read it: ${r.crash ?? r.warnings.join(' | ')}`);
      const pattern = r.patterns?.[0];
      if (c.refused && !c.difference) {
        if (!pattern?.error) fail(`Ansible did not refuse it: ${JSON.stringify(pattern)}`);
        return;
      }
      const warnings = [...r.warnings, ...(pattern?.warnings ?? [])];
      if (c.ansible_warns && !warnings.some((w) => new RegExp(c.ansible_warns ?? '').test(w))) {
        fail(`no Ansible warning like /${c.ansible_warns}/ in ${JSON.stringify(warnings)}`);
      }
      if (c.hosts && !isDeepStrictEqual(pattern?.hosts, c.hosts)) {
        fail(
          `Ansible selects ${JSON.stringify(pattern?.hosts ?? pattern?.error)}, the case says ${JSON.stringify(c.hosts)}`,
        );
      }
      for (const [name, vars] of Object.entries(c.ansible_vars ?? c.vars ?? {})) {
        if (!isDeepStrictEqual(r.hosts?.[name]?.vars, vars)) {
          fail(
            `Ansible's vars of ${name} are ${JSON.stringify(r.hosts?.[name]?.vars)}, the case says ${JSON.stringify(vars)}`,
          );
        }
      }
      for (const [name, group] of Object.entries(c.groups ?? {})) {
        if (!isDeepStrictEqual(r.groups?.[name], group)) {
          fail(
            `Ansible's group ${name} is ${JSON.stringify(r.groups?.[name])}, the case says ${JSON.stringify(group)}`,
          );
        }
      }
    });
    examples.forEach((d, i) => {
      const r = results[CASES.length + i] as AnsibleResult;
      const warnings = [...r.warnings, ...(r.patterns?.[0]?.warnings ?? [])];
      if (d.ansible_parses === false) {
        if (r.parsed) failures.push(`difference ${d.id}: Ansible read the example`);
      } else if (!r.parsed) failures.push(`difference ${d.id}: Ansible could not read the example at all`);
      else if (r.patterns?.[0]?.error) failures.push(`difference ${d.id}: Ansible refused the example too`);
      else if (d.ansible_says && !warnings.some((w) => new RegExp(d.ansible_says ?? '').test(w))) {
        failures.push(`difference ${d.id}: Ansible's warnings ${JSON.stringify(warnings)} lack /${d.ansible_says}/`);
      }
    });
    assert.deepEqual(failures, []);
  });
});
