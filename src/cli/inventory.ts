import { Command } from 'commander';

export function inventoryCommand(): Command {
  return new Command('inventory')
    .description('list hosts, groups and resolved variables (secrets masked)')
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o) => {
      const { runInventory } = await import('../runs/inventory.js');
      await runInventory({ inventory: o.inventory, limit: o.limit, json: Boolean(o.json) });
    });
}
