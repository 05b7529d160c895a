#!/usr/bin/env node
// The bin entry: builds the program; the only place an error becomes an exit code.
import type { Command } from 'commander';
import { buildProgram } from './cli/program.js';
import { commandPath, unknownCommand, wantsJson } from './cli/argv.js';
import { nodeSupportNotice } from './cli/node-support.js';
import { InputError, UsageError, RunFailed, ChangesPending } from './core/errors.js';
import { terminalText } from './ui/terminal-text.js';

async function main(argv: string[]): Promise<number> {
  // The AWS SDK would print its own multi-line NodeVersionSupportWarning in every process; the tool says it
  // once, itself, to a person at a terminal (CI logs get npm's EBADENGINE from the engines field instead).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const notice = nodeSupportNotice(process.version);
  if (notice && process.stderr.isTTY) process.stderr.write(`${notice}\n`);
  const program = buildProgram();
  const args = argv.slice(2);
  const stdout = trackStdout();
  try {
    if (args.length === 0) {
      // Bare `provision`: the usage, as an error (the default command needs --inventory).
      program.outputHelp({ error: true });
      process.stderr.write(
        '\nerror: no command: `provision --inventory FILE` applies; `provision COMMAND --help` says more\n',
      );
      return 2;
    }
    const unknown = unknownCommand(program, args);
    if (unknown) throw new UsageError(unknown);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const code = exitCodeFor(err);
    // --json promises one JSON document on stdout: a command that failed before printing its own gets one.
    if (code !== 0 && code !== 3 && wantsJson(args) && !stdout.written()) printJsonError(program, args, err, code);
    return code;
  }
}

/** Whether anything reached stdout: with --json, a failed run has already printed its report. */
function trackStdout(): { written: () => boolean } {
  let written = false;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((...args: Parameters<typeof write>) => {
    written = true;
    return write(...args);
  }) as typeof process.stdout.write;
  return { written: () => written };
}

function printJsonError(program: Command, args: string[], err: unknown, exitCode: number): void {
  const error: Record<string, unknown> = { message: messageOf(err) };
  if (err instanceof InputError) error.problems = err.problems;
  const hint = (err as { hint?: unknown }).hint;
  if (typeof hint === 'string') error.hint = hint;
  const document = { command: commandPath(program, args), error, exitCode };
  process.stdout.write(JSON.stringify(document, null, 2) + '\n');
}

function messageOf(err: unknown): string {
  if (err instanceof InputError)
    return `invalid input (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`;
  if (err instanceof Error) return err.message.replace(/^error: /, '');
  return String(err);
}

function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) {
    process.stderr.write(`error: ${messageOf(err)}:\n`);
    process.stderr.write(shown(err.message).replace(/^/gm, '  ') + '\n');
    return 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${shown(err.message)}\n`);
    return 2;
  }
  if (err instanceof ChangesPending) return 3;
  if (err instanceof RunFailed) {
    process.stderr.write(`error: ${shown(err.message)}\n`);
    return 1;
  }
  const code = (err as { code?: string; exitCode?: number }).code;
  // commander throws for unknown options and --help; it has already printed.
  if (typeof code === 'string' && code.startsWith('commander.')) {
    const exitCode = (err as { exitCode: number }).exitCode;
    return exitCode === 0 ? 0 : 2;
  }
  process.stderr.write(`error: ${shown((err as Error).message ?? String(err))}\n`);
  const hint = (err as { hint?: unknown }).hint;
  if (typeof hint === 'string') process.stderr.write(`hint: ${shown(hint)}\n`);
  return 1;
}

/** An error's words may quote an inventory or a host: escaped for the terminal, its lines kept. */
function shown(message: string): string {
  return terminalText(message, { lines: true });
}

process.exitCode = await main(process.argv);
