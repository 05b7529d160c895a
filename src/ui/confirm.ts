// Asking the operator before a change: only at a terminal (stdin and stderr both TTYs); the question and the
// answer go through stderr so that stdout keeps only the run's result.
import { createInterface } from 'node:readline/promises';

export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** true for y or yes (any case); anything else, or end of input, is no. */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await Promise.race([
      rl.question(question),
      new Promise<string>((resolve) => rl.once('close', () => resolve(''))),
    ]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
