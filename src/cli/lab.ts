// `provision lab up|down|status`: the local lab of test hosts (root on Linux; see src/lab/).
import { Command, Option } from 'commander';
import { UsageError } from '../core/errors.js';
// The lab's modules (and, through its AWS endpoint, the AWS SDK) load only when a lab command runs.
import type { OsChoice, StatusResult } from '../lab/lab.js';
import path from 'node:path';
import { LAB_SLOT, labPaths } from '../lab/layout.js';

/** A path as the operator would type it from here: relative when below the current folder. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function progress(line: string): void {
  process.stderr.write(`lab: ${line}\n`);
}

function statusTable(s: StatusResult): string {
  if (!s.up && s.hosts.length === 0) return 'the lab is down\n';
  const rows = [['NAME', 'OS', 'ADDRESS', 'INSTANCE', 'SSHD', 'SYSTEMD', 'PSS']];
  for (const h of s.hosts) {
    rows.push([
      h.name,
      h.os,
      h.address,
      h.instanceId,
      h.sshd ? 'up' : 'down',
      h.os === 'amzn1' ? '- (sysv)' : (h.systemd ?? (h.running ? 'unknown' : 'down')),
      h.running ? `${(h.memory.pssKiB / 1024).toFixed(1)} MiB` : '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  return `${table}\ninventory: ${s.inventory}\n`;
}

export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description(
      'The local lab: Amazon Linux 1/2/2023 look-alike hosts in namespaces, reachable over SSH (root on Linux)',
    );

  lab
    .command('up')
    .description(
      `Start the lab hosts (idempotent) and write ${shown(labPaths().inventory)} (this slot's: AWSLOGS_LAB_SLOT=${LAB_SLOT})`,
    )
    .option('--hosts <n>', 'number of hosts', '3')
    .addOption(
      new Option('--os <flavour>', 'host flavour').choices(['amzn2', 'amzn1', 'amzn2023', 'mixed']).default('amzn2'),
    )
    .action(async (opts: { hosts: string; os: OsChoice }) => {
      const hosts = Number(opts.hosts);
      if (!Number.isInteger(hosts)) throw new UsageError(`--hosts must be an integer, got ${opts.hosts}`);
      const { up } = await import('../lab/lab.js');
      const { operatorFiles } = await import('../lab/operator.js');
      const result = await up({ hosts, os: opts.os, log: progress });
      progress(
        `${result.hosts.length} host(s) up in ${result.seconds.toFixed(1)} s` +
          ` (started ${result.started.length}, kept ${result.kept.length}, removed ${result.removed.length})`,
      );
      progress(
        `AWS: the inventory names the lab operator's profile (aws_profile, in ${shown(path.dirname(operatorFiles(labPaths().stateDir).credentials))}/): nothing to source`,
      );
      process.stdout.write(`${result.inventory}\n`);
    });

  lab
    .command('down')
    .description('Stop every lab host and remove every trace (processes, namespaces, links, mounts, files)')
    .action(async () => {
      const { down } = await import('../lab/lab.js');
      const result = await down(undefined, progress);
      progress(result.removed.length ? `down: removed ${result.removed.join(', ')}` : 'down: nothing was up');
    });

  lab
    .command('status')
    .description('List the lab hosts: name, flavour, address, sshd, systemd state')
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: { json?: boolean }) => {
      const { status } = await import('../lab/lab.js');
      const result = await status();
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : statusTable(result));
    });
}
