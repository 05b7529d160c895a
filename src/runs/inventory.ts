// `provision inventory`: hosts, groups and resolved variables, secrets masked.
import { loadFleet } from './load-inventory.js';
import { selectHosts } from '../inventory/patterns.js';
import { maskSecretVars } from '../inventory/mask.js';
import { stringify } from 'yaml';
import { terminalJson, terminalText } from '../ui/terminal-text.js';

export async function runInventory(options: { inventory: string; limit?: string; json: boolean }): Promise<void> {
  const inventory = await loadFleet(options.inventory);
  const hosts = selectHosts(inventory, options.limit).map((h) => ({
    name: h.name,
    groups: h.groups,
    vars: maskSecretVars(h.vars),
  }));
  const groups = Object.values(inventory.groups).map((g) => ({ name: g.name, hosts: g.hosts, children: g.children }));
  if (options.json) {
    process.stdout.write(terminalJson(JSON.stringify({ inventory: inventory.file, hosts, groups }, null, 2)) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const host of hosts) {
    lines.push(`${terminalText(host.name)}  (groups: ${host.groups.map((g) => terminalText(g)).join(', ')})`);
    lines.push(stringify(host.vars).replace(/\n$/, '').replace(/^/gm, '    '));
  }
  process.stdout.write(terminalText(lines.join('\n'), { lines: true }) + '\n');
}
