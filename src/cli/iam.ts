// `provision iam setup`: thin: parse flags, run, print.
import { Command, Option } from 'commander';
import { UsageError } from '../core/errors.js';
import { terminalJson, terminalText } from '../ui/terminal-text.js';
import type { Inventory } from '../inventory/types.js';
import { changed } from '../runs/iam/iam-result.js';
// runs/iam.js and runs/rotate-key.js (and the AWS SDK) load only when the command runs.
import { DEFAULT_IDENTITY_NAME } from '../runs/iam/iam-result.js';
import type { IamMode, IamSetupReport } from '../runs/iam/iam.js';

export interface IamCommandDeps {
  load: (file: string) => Promise<Inventory>;
  /** Where results go; process.stdout unless told. */
  out?: (text: string) => void;
}

interface SetupFlags {
  inventory: string;
  mode?: IamMode;
  userName: string;
  roleName?: string;
  profileName?: string;
  printSecret?: boolean;
  rotateKey?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerIamCommands(program: Command, deps: IamCommandDeps): Command {
  const out = deps.out ?? ((text: string) => process.stdout.write(text));
  const iam = program.command('iam').description('the IAM identity the awslogs agent uses');
  iam
    .command('setup')
    .description('create the IAM user (and its key) or the role and instance profile the agent needs; idempotent')
    .requiredOption(
      '-i, --inventory <file>',
      "the inventory (aws_region, aws_endpoint_url, the agents' credentials variables)",
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'user: IAM user + access key; role: role + instance profile on the instances',
      ).choices(['user', 'role']),
    )
    .option('--user-name <name>', 'the IAM user (user mode)', DEFAULT_IDENTITY_NAME)
    .option('--role-name <name>', 'the role and instance profile (role mode)', DEFAULT_IDENTITY_NAME)
    .option(
      '--profile-name <name>',
      "the profile that stores the key (default: the profile the inventory's credentials variables name)",
    )
    .option('--print-secret', 'print a new key once on stdout instead of storing it in the profile')
    .option(
      '--rotate-key',
      'create a new key, provision and verify every host with it, then delete the old key (kept if a host fails)',
    )
    .option('--dry-run', 'list what would be created; change nothing')
    .option('--json', 'one JSON document on stdout')
    .action(async (flags: SetupFlags) => {
      if (flags.json && flags.printSecret) {
        throw new UsageError('--print-secret prints one line with the secret; it cannot be combined with --json');
      }
      const inventory = await deps.load(flags.inventory);
      if (flags.rotateKey && !flags.dryRun && !flags.printSecret) {
        const { rotateKey } = await import('../runs/iam/rotate-key.js');
        const { DEFAULT_SESSION } = await import('../runs/fleet/host-session.js');
        const rotation = await rotateKey(inventory, { forks: 10, json: false, session: DEFAULT_SESSION }, (line) =>
          process.stderr.write(`iam: ${terminalText(line)}\n`),
        );
        const results = [...rotation.created, ...rotation.deleted];
        out(
          flags.json
            ? terminalJson(JSON.stringify({ command: 'iam setup', rotated: true, results }, null, 2)) + '\n'
            : terminalText(results.map((r) => `${r.action}  ${r.resource}  ${r.detail}`).join('\n'), { lines: true }) +
                '\n',
        );
        return;
      }
      const { iamSetup } = await import('../runs/iam/iam.js');
      const report = await iamSetup(inventory, {
        ...(flags.mode ? { mode: flags.mode } : {}),
        userName: flags.userName,
        ...(flags.roleName ? { roleName: flags.roleName } : {}),
        ...(flags.profileName ? { profileName: flags.profileName } : {}),
        printSecret: flags.printSecret ?? false,
        rotateKey: flags.rotateKey ?? false,
        dryRun: flags.dryRun ?? false,
      });
      out(
        flags.json
          ? terminalJson(JSON.stringify(toJson(report), null, 2)) + '\n'
          : terminalText(toText(report), { lines: true }),
      );
    });
  return iam;
}

function toJson(report: IamSetupReport) {
  return {
    command: 'iam setup',
    mode: report.mode,
    region: report.region,
    ...(report.endpointUrl ? { endpointUrl: report.endpointUrl } : {}),
    changed: changed(report.results),
    results: report.results,
  };
}

function toText(report: IamSetupReport): string {
  const width = Math.max(...report.results.map((r) => r.action.length), 0);
  const lines = report.results.map((r) => `${r.action.padEnd(width)}  ${r.resource}  ${r.detail}`);
  if (!changed(report.results)) lines.push('nothing to change');
  if (report.secret) {
    lines.push(`aws_access_key_id=${report.secret.accessKeyId} aws_secret_access_key=${report.secret.secretAccessKey}`);
  }
  return lines.join('\n') + '\n';
}
