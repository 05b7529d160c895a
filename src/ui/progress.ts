// Per-host progress on stderr: listr2's tree on a terminal, plain lines under CI or without a TTY,
// nothing with --json. The hosts run concurrently up to `forks`.
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { HostStatus } from '../core/types.js';

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
  const results: T[] = new Array(tasks.length);
  const plain = !process.stderr.isTTY || Boolean(process.env.CI);
  const listr = new Listr(
    tasks.map((task, index) => ({
      title: task.title,
      task: async (_ctx: unknown, wrapper: { output: string; title: string; skip: (m: string) => void }) => {
        if (options.interrupted()) {
          results[index] = skipped(task.title);
          wrapper.skip(`${task.title}: not started (interrupted)`);
          return;
        }
        const result = await task.run((text) => {
          wrapper.output = text;
        });
        results[index] = result;
        wrapper.title = `${task.title}: ${task.statusOf(result)}`;
      },
    })),
    {
      concurrent: Math.max(1, options.forks),
      exitOnError: false,
      registerSignalListeners: false,
      renderer: options.quiet ? 'silent' : plain ? 'simple' : 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { logger: stderrLogger() },
      fallbackRendererOptions: { logger: stderrLogger() },
    } as never,
  );
  await listr.run();
  return results;
}

/** Progress is not a result: all of it goes to stderr, so stdout holds only the report. */
function stderrLogger(): ListrLogger {
  return new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
}
