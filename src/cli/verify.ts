import { Command } from 'commander';
import { positiveInt, seconds } from './options.js';

export function verifyCommand(): Command {
  return new Command('verify')
    .description("check that every host's log streams arrive in CloudWatch Logs (a probe line per log)")
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('-l, --limit <pattern>', 'only hosts matching this Ansible host pattern')
    .option('-f, --forks <n>', 'hosts worked on at once', positiveInt, 10)
    .option('--timeout <seconds>', "wait per probe (default: the agent's flush interval + 60 s)", seconds)
    .option('--no-probe', 'append nothing: only check that streams exist and have recent events')
    .option('--last <n>', "show each stream's newest N events as they arrived in CloudWatch Logs", positiveInt)
    .option('--json', 'print one JSON document on stdout')
    .option('--accept-new-host-keys', 'trust and record host keys not yet known (never a changed key)')
    .option('--connect-timeout <seconds>', 'SSH connection timeout', seconds, 10)
    .action(async (o) => {
      const { runVerify } = await import('../runs/verify/verify.js');
      await runVerify({
        inventory: o.inventory,
        limit: o.limit,
        forks: o.forks,
        json: Boolean(o.json),
        timeoutS: o.timeout,
        probe: o.probe !== false,
        last: o.last,
        session: {
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          connectTimeoutMs: o.connectTimeout * 1000,
          commandTimeoutMs: 120_000,
        },
      });
    });
}
