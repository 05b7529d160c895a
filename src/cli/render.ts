import { Command } from 'commander';

export function renderCommand(): Command {
  return new Command('render')
    .description("print the files a host would get, each under a '==> PATH <==' line; touches nothing")
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .requiredOption('--host <name>', 'the inventory host')
    .option('--file <path>', 'print only the bytes of this one file')
    .option('--show-secrets', 'print secret values instead of ********')
    .action(async (o) => {
      const { runRender } = await import('../runs/render.js');
      await runRender({ inventory: o.inventory, host: o.host, file: o.file, showSecrets: Boolean(o.showSecrets) });
    });
}
