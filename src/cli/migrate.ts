import { Command } from 'commander';
import { percentage, positiveInt, seconds } from './options.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'move every host from awslogs to the CloudWatch agent, each line sent once (see `rollback` for the way back)',
    )
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern (a canary first)')
    .option('-f, --forks <n>', 'hosts worked on at once', positiveInt, 10)
    .option(
      '--dry-run',
      "show each host's CloudWatch agent files as diffs and every awslogs key's fate; change nothing",
    )
    .option('--write-inventory <file>', "write each migratable host's new variables (YAML) to review and commit")
    .option('--json', 'print one JSON document on stdout')
    .option('--accept-new-host-keys', 'trust and record host keys not yet known (never a changed key)')
    .option('--no-verify', 'skip checking that a fresh line of each log arrives through the CloudWatch agent')
    .option(
      '--skip-preflight',
      "cut over even where the CloudWatch agent's preflight finds errors (the log files' timestamps, the host's clock)",
    )
    .option('--verify-timeout <seconds>', "wait per probe line (default: the agent's flush interval + 60 s)", seconds)
    .option('--connect-timeout <seconds>', 'SSH connection timeout', seconds, 10)
    .option('--wait-lock <seconds>', "wait this long for another run's lock on this inventory, then refuse", seconds, 0)
    .option('--command-timeout <seconds>', 'timeout of each remote step', seconds, 300)
    .option(
      '--max-fail-percentage <n>',
      "as Ansible's: once more than N% of the hosts failed, hosts not yet migrated are not run",
      percentage,
    )
    .action(async (o) => {
      const { runMigrate } = await import('../runs/migrate/migrate.js');
      await runMigrate({
        inventory: o.inventory,
        limit: o.limit,
        forks: o.forks,
        dryRun: Boolean(o.dryRun),
        json: Boolean(o.json),
        writeInventory: o.writeInventory,
        verify: o.verify !== false,
        verifyTimeoutS: o.verifyTimeout,
        skipPreflight: Boolean(o.skipPreflight),
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
