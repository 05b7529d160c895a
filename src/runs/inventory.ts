// `provision inventory`: hosts, groups and resolved variables, secrets masked.
import { loadFleet } from './fleet/load-inventory.js';
import { selection } from '../inventory/patterns.js';
import { maskSecretVars } from '../inventory/mask.js';
import type { Inventory } from '../inventory/types.js';
import { formatProblem } from '../core/errors.js';
import { stringify } from 'yaml';
import { terminalJson, terminalText } from '../ui/terminal-text.js';

export interface InventoryReport {
  inventory: string;
  hosts: Array<{ name: string; groups: string[]; vars: Record<string, unknown> }>;
  groups: Array<{ name: string; hosts: string[]; children: string[] }>;
  /** What Ansible would warn about too; only when there is any. */
  warnings?: string[];
}

/** What `provision inventory --json [--limit P]` prints. */
export function inventoryReport(inventory: Inventory, limit?: string): InventoryReport {
  const selected = selection(inventory, limit);
  const hosts = selected.hosts.map((h) => ({ name: h.name, groups: h.groups, vars: maskSecretVars(h.vars) }));
  const names = inventory.order?.groups ?? Object.keys(inventory.groups);
  const groups = names.flatMap((name) => {
    const g = inventory.groups[name];
    return g ? [{ name: g.name, hosts: g.hosts, children: g.children }] : [];
  });
  const warnings = [...(inventory.warnings ?? []).map(formatProblem), ...selected.warnings];
  return { inventory: inventory.file, hosts, groups, ...(warnings.length > 0 ? { warnings } : {}) };
}

export async function runInventory(options: { inventory: string; limit?: string; json: boolean }): Promise<void> {
  const report = inventoryReport(await loadFleet(options.inventory), options.limit);
  for (const warning of report.warnings ?? []) process.stderr.write(`warning: ${terminalText(warning)}\n`);
  if (options.json) {
    process.stdout.write(terminalJson(JSON.stringify(report, null, 2)) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const host of report.hosts) {
    lines.push(`${terminalText(host.name)}  (groups: ${host.groups.map((g) => terminalText(g)).join(', ')})`);
    lines.push(stringify(host.vars).replace(/\n$/, '').replace(/^/gm, '    '));
  }
  process.stdout.write(terminalText(lines.join('\n'), { lines: true }) + '\n');
}
