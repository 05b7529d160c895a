// Differential test: generated inventories and --limit patterns read by the tool and by ansible-core 2.14 (Debian's
// ansible-core, through its own InventoryManager and VariableManager). Host sets, groups, the order of hosts and
// merged variables must agree, or the tool must refuse with one of the documented differences.
//
// Reproduce a failure with the seed it prints:
//   INVENTORY_DIFF_SEED=<seed> [INVENTORY_DIFF_CASE=<n>] node --test dist/test/differential/inventory.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ansibleVersion, readWithAnsible } from './ansible.js';
import { compareInventory, comparePattern, readWithTool, selectWithTool } from './compare.js';
import { caseSeed, generateCase, writeFiles } from './generate.js';

const INVENTORIES = Number(process.env.INVENTORY_DIFF_INVENTORIES ?? 320);
const PATTERNS_PER_INVENTORY = 5;
const SEED = Number(process.env.INVENTORY_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ONLY = process.env.INVENTORY_DIFF_CASE === undefined ? undefined : Number(process.env.INVENTORY_DIFF_CASE);

const ansible = ansibleVersion();
const unavailable =
  ansible.missing && process.getuid?.() !== 0
    ? `ansible-core is not installed and this is not root (scripts/install-lab-deps.sh installs it): ${ansible.missing}`
    : false;

test(
  `${INVENTORIES} generated inventories and ${INVENTORIES * PATTERNS_PER_INVENTORY} patterns read as ansible-core reads them (seed ${SEED})`,
  { skip: unavailable, timeout: 15 * 60_000 },
  async () => {
    assert.ok(ansible.version, ansible.missing);
    assert.match(ansible.version, /^2\.14\./, 'the differential is against ansible-core 2.14 (Debian 12)');
    const root = mkdtempSync(join(tmpdir(), `inventory-diff-${SEED}-`));
    const cases = [];
    for (let i = 0; i < INVENTORIES; i++) {
      if (ONLY !== undefined && i !== ONLY) continue;
      const generated = generateCase(caseSeed(SEED, i), PATTERNS_PER_INVENTORY);
      const file = writeFiles(join(root, String(i)), generated.files);
      cases.push({ id: String(i), file, patterns: generated.patterns, features: generated.features });
    }
    const started = Date.now();
    const results = await readWithAnsible(cases);
    const ansibleMs = Date.now() - started;
    assert.equal(results.length, cases.length, 'one answer per inventory');

    const mismatches: string[] = [];
    const features = new Map<string, number>();
    let patterns = 0;
    let refusedByAnsible = 0;
    let unstable = 0;
    const explained = new Map<string, number>();
    const toolStarted = Date.now();
    cases.forEach((c, i) => {
      const theirs = results[i]!;
      for (const feature of c.features) features.set(feature, (features.get(feature) ?? 0) + 1);
      const mine = readWithTool(c.file);
      const where = `inventory ${c.id} (INVENTORY_DIFF_SEED=${SEED} INVENTORY_DIFF_CASE=${c.id}; files in ${dirname(c.file)})`;
      for (const problem of compareInventory(theirs, mine)) mismatches.push(`${where}: ${problem}`);
      if (!theirs.parsed || theirs.vars_error) refusedByAnsible++;
      if (!mine.inventory || !theirs.parsed || theirs.vars_error) return;
      for (const pattern of theirs.patterns ?? []) {
        patterns++;
        if (pattern.unstable) unstable++;
        const outcome = comparePattern(pattern, selectWithTool(mine.inventory, pattern.pattern));
        if (outcome.mismatch) mismatches.push(`${where}: ${outcome.mismatch}`);
        if (outcome.explainedBy) explained.set(outcome.explainedBy, (explained.get(outcome.explainedBy) ?? 0) + 1);
      }
    });
    const toolMs = Date.now() - toolStarted;
    console.log(
      `seed ${SEED}: ${cases.length} inventories (${refusedByAnsible} refused by Ansible), ${patterns} patterns ` +
        `(${unstable} whose answer Ansible leaves to Python's set order); ansible ${ansibleMs} ms, tool ${toolMs} ms; ` +
        `documented differences met: ${JSON.stringify(Object.fromEntries(explained))}; ` +
        `constructs: ${JSON.stringify(Object.fromEntries([...features].sort()))}`,
    );
    assert.equal(mismatches.length, 0, `${mismatches.length} mismatches:\n${mismatches.slice(0, 15).join('\n')}`);
    if (ONLY === undefined && process.env.INVENTORY_DIFF_INVENTORIES === undefined) {
      assert.ok(cases.length >= 300 && patterns >= 1000, `only ${cases.length} inventories, ${patterns} patterns`);
      for (const construct of ['several parents', 'range', 'port', 'priority', 'group_vars dir', 'host_vars json']) {
        assert.ok((features.get(construct) ?? 0) > 0, `no inventory used: ${construct}`);
      }
    }
  },
);
