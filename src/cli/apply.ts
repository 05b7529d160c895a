import { Command } from 'commander';
import { percentage, positiveInt, seconds } from './options.js';

export function applyCommand(): Command {
  return new Command('apply')
    .description('install, configure, start and enable the agent on every host (the default command)')
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern')
    .option('-f, --forks <n>', 'hosts worked on at once', positiveInt, 10)
    .option('--dry-run', 'show per-host diffs and commands; change nothing')
    .option('--detailed-exitcode', 'with --dry-run: exit 3 when changes are pending')
    .option('--json', 'print one JSON document on stdout')
    .option(
      '-y, --yes',
      'apply without asking: at a terminal, apply first shows the plan and asks (elsewhere it never asks)',
    )
    .option('--accept-new-host-keys', 'trust and record host keys not yet known (never a changed key)')
    .option('--skip-preflight', "apply even where preflight finds errors (the log files' timestamps, the host's clock)")
    .option('--no-preflight', 'read no log file and run no preflight check (the host is not judged before the apply)')
    .option('--no-verify', 'skip checking that log streams arrive in CloudWatch Logs')
    .option('--verify-timeout <seconds>', "wait per probe line (default: the agent's flush interval + 60 s)", seconds)
    .option('--connect-timeout <seconds>', 'SSH connection timeout', seconds, 10)
    .option('--wait-lock <seconds>', "wait this long for another run's lock on this inventory, then refuse", seconds, 0)
    .option('--command-timeout <seconds>', 'timeout of each remote step', seconds, 300)
    .option(
      '--max-fail-percentage <n>',
      "as Ansible's: once more than N% of the hosts failed, hosts not yet changed are not run (over SSM: MaxErrors)",
      percentage,
    )
    .action(async (o) => {
      const { runApply } = await import('../runs/apply/apply.js');
      await runApply({
        inventory: o.inventory,
        limit: o.limit,
        forks: o.forks,
        dryRun: Boolean(o.dryRun),
        detailedExitcode: Boolean(o.detailedExitcode),
        yes: Boolean(o.yes),
        json: Boolean(o.json),
        waitLockS: o.waitLock,
        verify: o.verify !== false,
        verifyTimeoutS: o.verifyTimeout,
        skipPreflight: Boolean(o.skipPreflight),
        preflight: o.preflight !== false,
        session: {
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          connectTimeoutMs: o.connectTimeout * 1000,
          commandTimeoutMs: o.commandTimeout * 1000,
        },
      });
    });
}
