#!/usr/bin/env node
// The bin entry: builds the program; the only place an error becomes an exit code.
import { buildProgram } from './cli/program.js';
import { InputError, UsageError, RunFailed, ChangesPending } from './core/errors.js';
import { terminalText } from './ui/terminal-text.js';

// The tool supports Node.js 20 (package.json engines); the AWS SDK's notice about its future releases
// would only clutter every run's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) {
    process.stderr.write(
      `error: invalid input (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n`,
    );
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
  return 1;
}

/** An error's words may quote an inventory or a host: escaped for the terminal, its lines kept. */
function shown(message: string): string {
  return terminalText(message, { lines: true });
}

process.exitCode = await main(process.argv);
