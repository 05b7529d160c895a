import { Command } from 'commander';
import { ALL_FAULT_NAMES } from '../agents/catalog.js';
import { positiveInt, seconds } from './options.js';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      "diagnose the agent on every host (service, its log's faults, its state file, the log files); --fix repairs a stale state",
    )
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern')
    .option('-f, --forks <n>', 'hosts worked on at once', positiveInt, 10)
    .option('--preflight', "only the preflight checks (log files' timestamps, the host's clock); changes nothing")
    .option('--fix', 'repair what the tool can (awslogs: a stale state row, a dead publisher): a dry run unless --yes')
    .option('--fault <name>', `with --fix: only this fault (${ALL_FAULT_NAMES.join(', ')})`)
    .option('--reset-state', 'back up and remove the state file; the agent starts at the end of each file')
    .option('--resend', 'with --reset-state: start from the beginning of each file (sends it all again)')
    .option('-y, --yes', 'act: without it --fix and --reset-state only show what they would do')
    .option(
      '--verify-timeout <seconds>',
      "after a repair, wait per probe line (default: the agent's flush interval + 60 s)",
      seconds,
    )
    .option('--json', 'print one JSON document on stdout')
    .option('--accept-new-host-keys', 'trust and record host keys not yet known (never a changed key)')
    .option('--connect-timeout <seconds>', 'SSH connection timeout', seconds, 10)
    .option(
      '--command-timeout <seconds>',
      'timeout of each remote step (and of the patterns run on its data)',
      seconds,
      120,
    )
    .action(async (o) => {
      // Loaded when the command runs: the doctor's modules (SQLite, SSH) cost every other command's start-up.
      const { runDoctor } = await import('../runs/doctor/doctor.js');
      await runDoctor({
        inventory: o.inventory,
        limit: o.limit,
        forks: o.forks,
        json: Boolean(o.json),
        preflightOnly: Boolean(o.preflight),
        fix: Boolean(o.fix),
        fault: o.fault,
        resetState: Boolean(o.resetState),
        resend: Boolean(o.resend),
        yes: Boolean(o.yes),
        verifyTimeoutS: o.verifyTimeout,
        session: {
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          connectTimeoutMs: o.connectTimeout * 1000,
          commandTimeoutMs: o.commandTimeout * 1000,
        },
      });
    });
}
