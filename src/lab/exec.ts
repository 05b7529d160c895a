// Running the machine's own tools (ip, ssh-keygen, nsenter…) for the lab; never through a shell string.
import { execFile } from 'node:child_process';

export interface Ran {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command; resolves with its exit code instead of throwing, so callers decide what failure means. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        resolve({ stdout, stderr: stderr || (err && typeof err.code !== 'number' ? err.message : ''), code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command and throws with its stderr when it fails. */
export async function must(
  cmd: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
