// The one command table: every command of the CLI, each in a thin file of its own.
import { Command } from 'commander';
import { registerLabCommands } from './lab.js';

export function buildProgram(): Command {
  const program = new Command('provision')
    .description('Provision the awslogs agent over SSH from an Ansible-style inventory')
    .exitOverride()
    .showHelpAfterError();
  registerLabCommands(program);
  return program;
}
