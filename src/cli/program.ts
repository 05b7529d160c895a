// The one command table: every command of the CLI, each in a thin file of its own.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { applyCommand } from './apply.js';
import { rollbackCommand } from './rollback.js';
import { migrateCommand } from './migrate.js';
import { renderCommand } from './render.js';
import { inventoryCommand } from './inventory.js';
import { verifyCommand } from './verify.js';
import { doctorCommand } from './doctor.js';
import { registerMetricsCommands } from './metrics.js';
import { registerIamCommands } from './iam.js';
import { registerLabCommands } from './lab.js';
import { loadFleet } from '../runs/fleet/load-inventory.js';

export function buildProgram(): Command {
  const program = new Command('provision')
    .description('Provision the awslogs agent over SSH from an Ansible-style inventory')
    .version(toolVersion())
    .showHelpAfterError();
  program.addCommand(applyCommand(), { isDefault: true });
  program.addCommand(rollbackCommand());
  program.addCommand(migrateCommand());
  program.addCommand(renderCommand());
  program.addCommand(verifyCommand());
  program.addCommand(doctorCommand());
  program.addCommand(inventoryCommand());
  registerMetricsCommands(program, { load: loadFleet });
  registerIamCommands(program, { load: loadFleet });
  registerLabCommands(program);
  exitOverrideEverywhere(program);
  return program;
}

/** The version in the package's own package.json (dist/src/cli/ → three levels up), installed or not. */
function toolVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Errors propagate to src/main.ts instead of commander calling process.exit. */
function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}
