// Per-host progress on stderr: listr2's tree on a terminal, plain lines naming the host under CI or without
// a TTY, nothing with --json. The hosts run concurrently up to `forks`.
import type { ListrLogger } from 'listr2';
import type { HostStatus } from '../core/types.js';
import { statusLabel } from './report.js';
import { terminalText } from './terminal-text.js';

/** What progress shows of a host's result: its status, and why it failed. */
export interface HostResult {
  status: HostStatus;
  error?: { message: string };
}

export interface HostTask<T> {
  title: string;
  run: (report: (text: string) => void) => Promise<T>;
  resultOf: (result: T) => HostResult;
}

export interface ProgressOptions {
  forks: number;
  quiet: boolean;
  /** Stop starting new hosts once this returns true (SIGINT). */
  interrupted: () => boolean;
  /** A dry run: `changed` is shown as "would change". */
  dryRun?: boolean;
}

const OK = '✔';
const FAILED = '✖';

/** The end of a host's progress: a mark, the status and, for a host that failed, why. */
export function finalLine(result: HostResult, dryRun = false): { failed: boolean; text: string } {
  const failed = result.status === 'failed' || result.status === 'unreachable';
  const why = failed && result.error ? `: ${terminalText(firstLine(result.error.message))}` : '';
  return { failed, text: `${statusLabel(result.status, dryRun)}${why}` };
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export async function runWithProgress<T>(
  tasks: HostTask<T>[],
  skipped: (title: string) => T,
  options: ProgressOptions,
): Promise<T[]> {
  if (options.quiet) return runPlainly(tasks, skipped, options, () => undefined);
  const plain = !process.stderr.isTTY || Boolean(process.env.CI);
  if (plain) return runPlainly(tasks, skipped, options, (line) => process.stderr.write(`${line}\n`));
  // listr2 loads only when there is a terminal to draw on.
  const listr2 = await import('listr2');
  const stderrLogger = (): ListrLogger =>
    // Progress is not a result: all of it goes to stderr, so stdout holds only the report.
    new listr2.ListrLogger({ processOutput: new listr2.ProcessOutput(process.stderr, process.stderr) });
  const results: T[] = new Array(tasks.length);
  const listr = new listr2.Listr(
    tasks.map((task, index) => ({
      // A host name is the title: escaped, as everything listr2 prints.
      title: terminalText(task.title),
      task: async (_ctx: unknown, wrapper: { output: string; title: string; skip: (m: string) => void }) => {
        if (options.interrupted()) {
          results[index] = skipped(task.title);
          wrapper.skip(`${terminalText(task.title)}: not started (interrupted)`);
          return;
        }
        const result = await task.run((text) => {
          wrapper.output = terminalText(text);
        });
        results[index] = result;
        const end = finalLine(task.resultOf(result), options.dryRun);
        wrapper.title = `${terminalText(task.title)}: ${end.text}`;
        // A failed or unreachable host is marked ✖, not ✔: listr2 marks a task that throws.
        if (end.failed) throw new Error(wrapper.title);
      },
    })),
    {
      concurrent: Math.max(1, options.forks),
      exitOnError: false,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { logger: stderrLogger(), collapseErrors: true },
    } as never,
  );
  await listr.run();
  return results;
}

/**
 * Without a terminal (CI, a pipe) every line names its host: `lab01: connecting`, then `lab01: ✔ ok` or
 * `lab02: ✖ unreachable: …`; with --json (`say` does nothing) the same concurrency, silently.
 */
async function runPlainly<T>(
  tasks: HostTask<T>[],
  skipped: (title: string) => T,
  options: ProgressOptions,
  say: (line: string) => void,
): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index]!;
      const name = terminalText(task.title);
      if (options.interrupted()) {
        results[index] = skipped(task.title);
        say(`${name}: not started (interrupted)`);
        continue;
      }
      try {
        results[index] = await task.run((text) => say(`${name}: ${terminalText(text)}`));
        const end = finalLine(task.resultOf(results[index]!), options.dryRun);
        say(`${name}: ${end.failed ? FAILED : OK} ${end.text}`);
      } catch (err) {
        // one host's failure does not stop the others
        say(`${name}: ${FAILED} ${terminalText((err as Error).message ?? String(err))}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.forks), tasks.length) }, worker));
  return results;
}
