// Quoting for a remote POSIX shell. Pure: lives in core so that both the probe script builder (src/facts)
// and the transports can use it; src/transports/shell.ts re-exports it as the transports' entry point.

/**
 * Quote one argument for a POSIX shell, single-quote style: the result is always `'…'`, with every `'`
 * written as `'\''`. Nothing inside single quotes is special to sh, so the shell hands the exact bytes on.
 * A NUL byte cannot be passed through a shell argument at all, so it is refused rather than truncated.
 */
export function quote(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`quote: expected a string, got ${typeof arg}`);
  if (arg.includes('\0')) throw new Error('quote: a shell argument cannot contain a NUL byte');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
