// What the tool read against what ansible-core read, for one inventory and its patterns: every disagreement
// that is not one of the documented differences (test/cases/inventory/ansible-differences.json) is a mismatch.
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from '../../src/core/errors.js';
import { loadInventorySync } from '../../src/inventory/load.js';
import { maskSecretVars } from '../../src/inventory/mask.js';
import type { Inventory } from '../../src/inventory/types.js';
import { inventoryReport } from '../../src/runs/inventory.js';
import type { AnsiblePattern, AnsibleResult } from './ansible.js';

export interface Difference {
  id: string;
  what: string;
  ansible: string;
  tool: string;
  why: string;
  /** The tool's refusal for it says this (a regex). */
  tool_says?: string;
  /** Ansible's warnings for it say this (a regex). */
  ansible_says?: string;
  /** False where Ansible cannot read the example at all (it warns and goes on with no hosts). */
  ansible_parses?: boolean;
  example?: { files: Record<string, string>; pattern?: string };
}

export const DIFFERENCES: Difference[] = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../test/cases/inventory/ansible-differences.json', import.meta.url)),
    'utf8',
  ),
) as Difference[];

/** The documented difference that explains a refusal by the tool of something Ansible took, if any. */
export function explained(toolMessage: string, ansibleWarnings: string[]): Difference | undefined {
  return DIFFERENCES.find(
    (d) =>
      d.tool_says !== undefined &&
      new RegExp(d.tool_says).test(toolMessage) &&
      (d.ansible_says === undefined || ansibleWarnings.some((w) => new RegExp(d.ansible_says ?? '').test(w))),
  );
}

export interface ToolRead {
  inventory?: Inventory;
  error?: string;
}

export function readWithTool(file: string): ToolRead {
  try {
    return { inventory: loadInventorySync(file) };
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    return { error: `CRASH ${(error as Error).stack ?? String(error)}` };
  }
}

export function selectWithTool(inventory: Inventory, pattern: string): { hosts?: string[]; error?: string } {
  try {
    return { hosts: inventoryReport(inventory, pattern).hosts.map((host) => host.name) };
  } catch (error) {
    if (error instanceof UsageError) return { error: error.message };
    return { error: `CRASH ${(error as Error).stack ?? String(error)}` };
  }
}

/** JSON as Ansible's harness writes it: non-finite floats spelled out. */
export function plain(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { $float: Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf' };
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const show = (value: unknown): string => JSON.stringify(value);

/** Every mismatch between the two reads of one inventory. */
export function compareInventory(ansible: AnsibleResult, tool: ToolRead): string[] {
  if (ansible.crash) return [`the ansible harness crashed: ${ansible.crash}`];
  if (tool.error?.startsWith('CRASH')) return [`the tool crashed: ${tool.error}`];
  if (!ansible.parsed || ansible.vars_error) {
    const why = ansible.vars_error ?? ansible.warnings.join(' | ');
    return tool.error ? [] : [`Ansible could not read it (${why}) but the tool did`];
  }
  if (tool.error) {
    return explained(tool.error, ansible.warnings)
      ? []
      : [
          `the tool refused what Ansible read: ${tool.error} (Ansible warned: ${ansible.warnings.join(' | ') || 'nothing'})`,
        ];
  }
  const inventory = tool.inventory;
  if (!inventory || !ansible.groups || !ansible.hosts || !ansible.order) return ['incomplete results'];
  const out: string[] = [];
  const toolGroups = inventory.order?.groups ?? Object.keys(inventory.groups);
  if (!isDeepStrictEqual([...toolGroups].sort(), Object.keys(ansible.groups).sort())) {
    out.push(`groups: tool ${show(toolGroups)}, Ansible ${show(Object.keys(ansible.groups))}`);
  }
  for (const [name, group] of Object.entries(ansible.groups)) {
    const mine = inventory.groups[name];
    if (!mine) continue;
    if (!isDeepStrictEqual(mine.hosts, group.hosts)) {
      out.push(`group ${name} hosts: tool ${show(mine.hosts)}, Ansible ${show(group.hosts)}`);
    }
    if (!isDeepStrictEqual(mine.children, group.children)) {
      out.push(`group ${name} children: tool ${show(mine.children)}, Ansible ${show(group.children)}`);
    }
  }
  const order = inventory.hosts.map((host) => host.name);
  if (!isDeepStrictEqual(order, ansible.order))
    out.push(`hosts of all: tool ${show(order)}, Ansible ${show(ansible.order)}`);
  for (const host of inventory.hosts) {
    const theirs = ansible.hosts[host.name];
    if (!theirs) continue;
    if (!isDeepStrictEqual([...host.groups].sort(), theirs.groups)) {
      out.push(`host ${host.name} groups: tool ${show([...host.groups].sort())}, Ansible ${show(theirs.groups)}`);
    }
    const mine = plain(maskSecretVars(host.vars));
    const expected = maskSecretVars(theirs.vars);
    if (!isDeepStrictEqual(mine, expected)) {
      out.push(`host ${host.name} vars: tool ${show(mine)}, Ansible ${show(expected)}`);
    }
  }
  return out;
}

export interface PatternOutcome {
  mismatch?: string;
  explainedBy?: string;
}

export function comparePattern(ansible: AnsiblePattern, tool: { hosts?: string[]; error?: string }): PatternOutcome {
  const where = `--limit ${show(ansible.pattern)}`;
  if (tool.error?.startsWith('CRASH')) return { mismatch: `${where}: the tool crashed: ${tool.error}` };
  if (ansible.error !== undefined) {
    return tool.error !== undefined
      ? {}
      : { mismatch: `${where}: Ansible refused it (${ansible.error}) but the tool selected ${show(tool.hosts)}` };
  }
  if (tool.error !== undefined) {
    const difference = explained(tool.error, ansible.warnings);
    return difference
      ? { explainedBy: difference.id }
      : {
          mismatch: `${where}: the tool refused it (${tool.error}) but Ansible selected ${show(ansible.hosts)} (warnings: ${ansible.warnings.join(' | ') || 'none'})`,
        };
  }
  if (!isDeepStrictEqual(tool.hosts, ansible.hosts)) {
    return { mismatch: `${where}: tool ${show(tool.hosts)}, Ansible ${show(ansible.hosts)}` };
  }
  return {};
}
