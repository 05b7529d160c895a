// What the command line asks for, read before (or without) commander: which command, whether --json.
import type { Command } from 'commander';
import { didYouMean } from '../core/suggest.js';

/** The words before the first option: at most the command and its subcommand. */
function words(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.startsWith('-')) break;
    out.push(a);
  }
  return out;
}

function namesOf(command: Command): string[] {
  return command.commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

/**
 * The message for a first word that names no command (`provision aplly -i F`), with the nearest command;
 * undefined when the command line starts with an option (the default command) or a known command.
 */
export function unknownCommand(program: Command, args: string[]): string | undefined {
  const first = words(args)[0];
  if (first === undefined) return undefined;
  const known = [...namesOf(program), 'help'];
  if (known.includes(first)) return undefined;
  return `unknown command '${first}'${didYouMean(first, known)}; see provision --help`;
}

/** The command a command line runs, as JSON output names it: `apply`, `iam setup`, `lab status`, … */
export function commandPath(program: Command, args: string[]): string {
  const path: string[] = [];
  let at = program;
  for (const word of words(args)) {
    const sub = at.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    path.push(sub.name());
    at = sub;
  }
  if (path.length === 0) return args.includes('--dry-run') ? 'dry-run' : 'apply';
  if (path[0] === 'apply' && args.includes('--dry-run')) return 'dry-run';
  return path.join(' ');
}

/** Whether the command line asks for --json (before any `--`). */
export function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}
