// Per-host progress on stderr: listr2's tree on a terminal, plain lines under CI or without a TTY,
// nothing with --json. The hosts run concurrently up to `forks`.
import type { ListrLogger } from 'listr2';
import type { HostStatus } from '../core/types.js';
import { terminalText } from './terminal-text.js';

export interface HostTask<T> {
  title: string;
  run: (report: (text: string) => void) => Promise<T>;
  statusOf: (result: T) => HostStatus;
}

export interface ProgressOptions {
  forks: number;
  quiet: boolean;
  /** Stop starting new hosts once this returns true (SIGINT). */
  interrupted: () => boolean;
}

export async function runWithProgress<T>(
  tasks: HostTask<T>[],
  skipped: (title: string) => T,
  options: ProgressOptions,
): Promise<T[]> {
  if (options.quiet) return runQuietly(tasks, skipped, options);
  // listr2 loads only when there is progress to show.
  const listr2 = await import('listr2');
  const stderrLogger = (): ListrLogger =>
    // Progress is not a result: all of it goes to stderr, so stdout holds only the report.
    new listr2.ListrLogger({ processOutput: new listr2.ProcessOutput(process.stderr, process.stderr) });
  const results: T[] = new Array(tasks.length);
  const plain = !process.stderr.isTTY || Boolean(process.env.CI);
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
        wrapper.title = `${terminalText(task.title)}: ${task.statusOf(result)}`;
      },
    })),
    {
      concurrent: Math.max(1, options.forks),
      exitOnError: false,
      registerSignalListeners: false,
      renderer: plain ? 'simple' : 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { logger: stderrLogger() },
      fallbackRendererOptions: { logger: stderrLogger() },
    } as never,
  );
  await listr.run();
  return results;
}

/** No progress to show (--json): the same concurrency, without a renderer. */
async function runQuietly<T>(
  tasks: HostTask<T>[],
  skipped: (title: string) => T,
  options: ProgressOptions,
): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index]!;
      try {
        results[index] = options.interrupted() ? skipped(task.title) : await task.run(() => undefined);
      } catch {
        // as listr2 with exitOnError: false: one host's failure does not stop the others
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.forks), tasks.length) }, worker));
  return results;
}
