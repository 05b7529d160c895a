import { Command } from 'commander';
import { percentage, positiveInt, seconds } from './options.js';

export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('restore the files a run replaced (the latest run by default) and restart the agent where it ran')
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('--run <id>', 'the run to roll back (see .provision/runs/ beside the inventory)')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern')
    .option('-f, --forks <n>', 'hosts worked on at once', positiveInt, 10)
    .option('--json', 'print one JSON document on stdout')
    .option('--accept-new-host-keys', 'trust and record host keys not yet known (never a changed key)')
    .option('--connect-timeout <seconds>', 'SSH connection timeout', seconds, 10)
    .option('--wait-lock <seconds>', "wait this long for another run's lock on this inventory, then refuse", seconds, 0)
    .option('--command-timeout <seconds>', 'timeout of each remote step', seconds, 300)
    .option(
      '--max-fail-percentage <n>',
      "as Ansible's: once more than N% of the hosts failed, hosts not yet restored are not run (over SSM: MaxErrors)",
      percentage,
    )
    .action(async (o) => {
      const { runRollback } = await import('../runs/rollback/rollback.js');
      await runRollback({
        inventory: o.inventory,
        run: o.run,
        limit: o.limit,
        forks: o.forks,
        json: Boolean(o.json),
        waitLockS: o.waitLock,
        maxFailPercentage: o.maxFailPercentage,
        session: {
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          connectTimeoutMs: o.connectTimeout * 1000,
          commandTimeoutMs: o.commandTimeout * 1000,
        },
      });
    });
}
