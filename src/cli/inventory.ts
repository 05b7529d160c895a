import { Command } from 'commander';
import { runInventory } from '../runs/inventory.js';

export function inventoryCommand(): Command {
  return new Command('inventory')
    .description('list hosts, groups and resolved variables (secrets masked)')
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o) => {
      await runInventory({ inventory: o.inventory, limit: o.limit, json: Boolean(o.json) });
    });
}
