// Errors of the transports. They carry data (host, cause, fingerprint…) so that runs/ and ui/ can report
// them without parsing messages. Each has a `hint` the UI may show beside the message.

/** Base of every transport error: which host, and a hint for the operator. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly host: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export type UnreachableReason = 'refused' | 'timeout' | 'dns' | 'handshake' | 'auth' | 'closed' | 'other';

/** The host could not be reached or logged into: connection refused, timeout, handshake or auth failure. */
export class HostUnreachable extends TransportError {
  constructor(
    host: string,
    readonly port: number,
    readonly reason: UnreachableReason,
    cause: unknown,
    hint?: string,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${host}:${port} unreachable (${reason}): ${why}`, host, hint, { cause });
    this.name = 'HostUnreachable';
  }
}

export type HostKeyProblem = 'unknown' | 'changed' | 'revoked';

/** The host's key is not in known_hosts (and new keys are not accepted), differs from it, or is revoked. */
export class HostKeyRejected extends TransportError {
  constructor(
    host: string,
    readonly port: number,
    readonly problem: HostKeyProblem,
    readonly keyType: string,
    /** `SHA256:…`, as `ssh-keygen -l` prints it. */
    readonly fingerprint: string,
    readonly knownHostsFile: string,
  ) {
    const what = {
      unknown: `is not in ${knownHostsFile}`,
      changed: `does not match the key recorded in ${knownHostsFile} — the host key has CHANGED (possible man-in-the-middle)`,
      revoked: `is marked @revoked in ${knownHostsFile}`,
    }[problem];
    const hint = {
      unknown: 'check the fingerprint out of band, then add it to known_hosts or run with --accept-new-host-keys',
      changed: `if the host was rebuilt, remove its old entry (ssh-keygen -R ${host}) and verify the new fingerprint`,
      revoked: 'this key must not be trusted; rebuild the host key',
    }[problem];
    super(`host key of ${host}:${port} (${keyType} ${fingerprint}) ${what}`, host, hint);
    this.name = 'HostKeyRejected';
  }
}

/** A command ran longer than allowed; its channel was closed. */
export class CommandTimeout extends TransportError {
  constructor(
    host: string,
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`command on ${host} timed out after ${timeoutMs} ms: ${command}`, host);
    this.name = 'CommandTimeout';
  }
}

/** `sudo -n` refused: a password is required, or the user may not use sudo. */
export class BecomeFailed extends TransportError {
  constructor(
    host: string,
    readonly user: string,
    readonly reason: 'password-required' | 'not-allowed' | 'tty-required' | 'other',
    readonly stderr: string,
  ) {
    const message = {
      'password-required': `sudo requires a password on ${host} (user ${user})`,
      'not-allowed': `user ${user} may not use sudo on ${host}`,
      'tty-required': `sudo on ${host} requires a terminal (Defaults requiretty) for user ${user}`,
      other: `sudo failed on ${host} (user ${user}): ${stderr.trim()}`,
    }[reason];
    const hint =
      reason === 'tty-required'
        ? `add "Defaults:${user} !requiretty" to the host's sudoers, or connect as root`
        : `give ${user} passwordless sudo (NOPASSWD) or connect as root`;
    super(message, host, hint);
    this.name = 'BecomeFailed';
  }
}

/** A transfer (put/get) failed on the remote side, e.g. no such file or permission denied. */
export class RemoteCommandFailed extends TransportError {
  constructor(
    host: string,
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`command on ${host} exited ${code}: ${command}${stderr.trim() ? `: ${stderr.trim()}` : ''}`, host);
    this.name = 'RemoteCommandFailed';
  }
}

/** A host printed more than the tool takes from it: one command's cap, or the whole connection's. */
export class OutputTooLarge extends TransportError {
  constructor(
    host: string,
    readonly command: string,
    readonly limitBytes: number,
    readonly scope: 'command' | 'host',
  ) {
    const mib = `${Math.round(limitBytes / (1024 * 1024))} MiB`;
    super(
      scope === 'command'
        ? `a command on ${host} printed more than ${mib} (stdout and stderr); it was stopped: ${command.slice(0, 200)}`
        : `${host} sent more than ${mib} over this run's connection; the command was stopped: ${command.slice(0, 200)}`,
      host,
      'the host sent far more than any probe or script prints: look for a log or state file that never ends (a link to /proc, a device)',
    );
    this.name = 'OutputTooLarge';
  }
}
