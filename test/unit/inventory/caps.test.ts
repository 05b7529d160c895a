// Inventory size caps (issue 10): hosts after range expansion counted over the whole inventory, groups, and depth,
// each refused with exit 2 before memory or the stack grows — the instances of the issue among them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/core/errors.js';
import type { Problem } from '../../../src/core/errors.js';
import { MAX_GROUP_DEPTH, MAX_GROUPS, MAX_HOSTS } from '../../../src/inventory/caps.js';
import { loadInventorySync } from '../../../src/inventory/load.js';
import { writeInventory } from './temp-inventory.js';

function refusal(text: string): { problems: Problem[]; ms: number; heapMb: number } {
  const file = writeInventory({ 'inventory.yml': text });
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  try {
    loadInventorySync(file);
  } catch (error) {
    assert.ok(error instanceof InputError, `an InputError (exit 2), not ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return {
      problems: error.problems,
      ms: Date.now() - started,
      heapMb: (process.memoryUsage().heapUsed - heapBefore) / 1e6,
    };
  }
  assert.fail('accepted');
}

test('the caps are those README states', () => {
  assert.deepEqual([MAX_HOSTS, MAX_GROUPS, MAX_GROUP_DEPTH], [100_000, 10_000, 100]);
});

test('100 ranges of [0:9999] (2.6 KB, a million hosts) are refused at the entry that passes 100,000', () => {
  const lines = ['all:', '  hosts:'];
  for (let i = 0; i < 100; i++) lines.push(`    h${i}-[0:9999]:`);
  const text = lines.join('\n') + '\n';
  assert.ok(text.length < 2700, `${text.length} bytes`);
  const { problems, ms, heapMb } = refusal(text);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.rule ?? '', /expands to more than 100000 host names \(counted over every entry\)/);
  assert.equal(problems[0]?.line, 13, 'the eleventh entry is the one past the cap');
  assert.match(problems[0]?.found ?? '', /100000 before this entry, which adds 10000/);
  assert.ok(ms < 10_000, `refused in ${ms} ms`);
  assert.ok(heapMb < 200, `the heap grew ${heapMb} MB`);
});

test('one entry past the cap is refused before a single name is made', () => {
  const { problems, ms } = refusal('web:\n  hosts:\n    h[0:9][0:99999999999]:\n');
  assert.match(problems[0]?.rule ?? '', /more than 100000 host names/);
  assert.ok(ms < 2000, `refused in ${ms} ms`);
});

test('exactly 100,000 host names load', () => {
  const file = writeInventory({ 'inventory.yml': 'web:\n  hosts:\n    h[1:50000]:\ndb:\n  hosts:\n    d[1:50000]:\n' });
  assert.equal(loadInventorySync(file).hosts.length, 100_000);
});

test('5,000 groups chained by children: refused by depth, no stack overflow', () => {
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) lines.push(`g${i}:`, '  children:', `    g${i + 1}:`);
  lines.push('g5000:', '  hosts:', '    h1:');
  const { problems } = refusal(lines.join('\n') + '\n');
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]?.rule ?? '', /groups are nested more than 100 deep/);
});

test('5,000 groups nested in the YAML itself: a clean refusal, no stack overflow', () => {
  const text = `all: ${'{children: {g: '.repeat(5000)}{hosts: {h1: }}${'}}'.repeat(5000)}\n`;
  const { problems } = refusal(text);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]?.rule ?? '', /nested too deeply|nested more than 100 deep/);
});

test('groups 101 deep are refused, 100 deep load', () => {
  const chain = (depth: number) => {
    const lines = ['all:', '  children:', '    g1:'];
    for (let i = 1; i < depth; i++) lines.push(`g${i}:`, '  children:', `    g${i + 1}:`);
    lines.push(`g${depth}:`, '  hosts:', '    h1:');
    return lines.join('\n') + '\n';
  };
  const host = loadInventorySync(writeInventory({ 'inventory.yml': chain(100) })).hosts[0];
  assert.equal(host?.groups.length, 101, 'all and 100 groups');
  assert.match(refusal(chain(101)).problems[0]?.rule ?? '', /more than 100 deep \(group g101 is 101 below all\)/);
});

test('more than 10,000 groups are refused', () => {
  const lines: string[] = [];
  for (let i = 0; i < 10_001; i++) lines.push(`g${i}:`);
  const { problems, ms } = refusal(lines.join('\n') + '\n');
  assert.match(problems[0]?.rule ?? '', /more than 10000 groups/);
  assert.ok(ms < 10_000, `refused in ${ms} ms`);
});
