// The SSH transport (node-ssh over ssh2): one connection per host per run, reused by every verb.
// Host keys are checked here against an OpenSSH known_hosts file; see known-hosts.ts.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NodeSSH } from 'node-ssh';
import type { CommandResult, RunOptions, Transport } from '../core/ports.js';
import { quote } from './shell.js';
import {
  BecomeFailed,
  CommandTimeout,
  HostKeyRejected,
  HostUnreachable,
  OutputTooLarge,
  RemoteCommandFailed,
  type HostKeyProblem,
  type UnreachableReason,
} from './errors.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  keyTypeOf,
  knownHostsLine,
  preferredHostKeyAlgorithms,
  loadKnownHosts,
} from './known-hosts.js';
import { LocalFileRefused } from '../local-files/replace.js';

export interface SshTarget {
  /** Inventory name, for messages. */
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  /**
   * Run commands and transfers through `sudo -n` when user is not root (Ansible's `ansible_become`): the default
   * of every call; a call's own `become` wins.
   */
  become: boolean;
}

export interface SshOptions {
  /** Default `~/.ssh/known_hosts`. */
  knownHostsFile?: string;
  /** Record the key of a host not yet in known_hosts instead of refusing it. A changed key is always refused. */
  acceptNewHostKeys: boolean;
  /**
   * With acceptNewHostKeys: write the new key to known_hosts (default). False (a dry run, which writes nothing
   * on this machine): the key is accepted for this connection only, and the transport says so.
   */
  recordNewHostKeys?: boolean;
  /** TCP connect + SSH handshake + authentication, in ms. */
  connectTimeoutMs: number;
  /** Default timeout of run/put/get, in ms; a call's own `timeoutMs` wins. */
  commandTimeoutMs: number;
}

export interface SshTransport extends Transport {
  readonly target: SshTarget;
  /** A new host key accepted for this connection only (recordNewHostKeys false): `TYPE SHA256:…`. */
  readonly unrecordedHostKey?: string;
  /** The default timeout of a command on this connection, ms. */
  readonly commandTimeoutMs: number;
}

/** The part of an ssh2 channel we use (ssh2 ships no types here). */
interface Channel {
  close(): void;
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal?(id: number, name: string): void } };
}

/** An exec channel: output events, stdin. */
interface ExecChannel extends Channel {
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'exit', listener: (code: number | null) => void): void;
  on(event: 'close', listener: () => void): void;
  stderr: { on(event: 'data', listener: (chunk: Buffer) => void): void };
  write(data: string | Buffer): void;
  end(): void;
}

/** The part of ssh2's Client we use: exec, and its error event. */
interface ExecClient {
  exec(command: string, callback: (err: Error | undefined, channel: ExecChannel) => void): void;
  on(event: 'error', listener: (err: unknown) => void): void;
  removeListener(event: 'error', listener: (err: unknown) => void): void;
}

/**
 * What one command may print, stdout and stderr together, before it is stopped and its host fails: well above
 * what the probe prints (two managed files of at most 1 MiB in base64, 100 KiB per log section) or a state copy.
 */
export const MAX_COMMAND_OUTPUT = 16 * 1024 * 1024;
/** What one host's connection may carry back over a run, all its commands together. */
export const MAX_HOST_OUTPUT = 64 * 1024 * 1024;

/**
 * Ask sshd to SIGKILL the remote command's process group (the SSH "signal" channel request). ssh2's public
 * `channel.signal()` refuses once our side has sent EOF — always the case here, stdin being written and closed
 * up front — so the request goes through its protocol object. Best effort only: OpenSSH honours it for a
 * non-root login's own processes, but refuses it for a root login (no privilege separation after auth) and
 * cannot reach what runs under sudo; such a command keeps running on the host after its channel is closed.
 */
function killRemote(channel: Channel): void {
  const id = channel.outgoing?.id;
  const protocol = channel._client?._protocol;
  if (
    id !== undefined &&
    (channel.outgoing?.state === 'open' || channel.outgoing?.state === 'eof') &&
    typeof protocol?.signal === 'function'
  ) {
    protocol.signal(id, 'KILL');
  }
}

/** How a remote command goes through sudo: `sudo -n sh -c '<command>'`. */
export function becomeCommand(command: string): string {
  return `sudo -n sh -c ${quote(command)}`;
}

function classify(err: unknown): UnreachableReason {
  const e = err as { level?: string; code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return 'refused';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.level === 'client-dns') return 'dns';
  if (e.level === 'client-timeout' || e.code === 'ETIMEDOUT') return 'timeout';
  if (e.level === 'client-authentication') return 'auth';
  if (e.level === 'handshake' || e.level === 'protocol') return 'handshake';
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return 'closed';
  // ssh2 refusing the key file itself: encrypted without a passphrase, or not a key.
  if (/private key|passphrase|Cannot parse privateKey/i.test(e.message ?? '')) return 'auth';
  return 'other';
}

const HINTS: Partial<Record<UnreachableReason, string>> = {
  refused: 'is sshd running and listening on that port?',
  timeout: 'check the address, port and firewall; the host did not complete an SSH handshake in time',
  auth: 'check ansible_user and ansible_ssh_private_key_file (or the keys in your SSH agent)',
};

export async function connectSsh(target: SshTarget, options: SshOptions): Promise<SshTransport> {
  const knownHostsFile = options.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const entries = await loadKnownHosts(knownHostsFile);
  const agent = process.env.SSH_AUTH_SOCK;
  if (!target.privateKeyFile && !agent) {
    throw new HostUnreachable(
      target.host,
      target.port,
      'auth',
      new Error('no private key file given and SSH_AUTH_SOCK is not set'),
      HINTS.auth,
    );
  }

  let keyProblem: HostKeyRejected | undefined;
  let writeFailure: unknown;
  let unrecorded: string | undefined;
  const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    const verdict = checkHostKey(entries, target.host, target.port, key);
    const reject = (problem: HostKeyProblem): void => {
      keyProblem = new HostKeyRejected(
        target.host,
        target.port,
        problem,
        keyTypeOf(key),
        fingerprint(key),
        knownHostsFile,
      );
      verify(false);
    };
    if (verdict === 'known') return verify(true);
    if (verdict === 'unknown' && options.acceptNewHostKeys && options.recordNewHostKeys === false) {
      unrecorded = `${keyTypeOf(key)} ${fingerprint(key)}`;
      return verify(true);
    }
    if (verdict === 'unknown' && options.acceptNewHostKeys) {
      appendKnownHost(knownHostsFile, knownHostsLine(target.host, target.port, key)).then(
        () => verify(true),
        (err: unknown) => {
          writeFailure = err;
          verify(false);
        },
      );
      return;
    }
    reject(verdict);
  };

  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      ...(target.privateKeyFile ? { privateKeyPath: target.privateKeyFile } : { agent }),
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: 15_000,
      hostVerifier,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(entries, target.host, target.port) },
    });
  } catch (err) {
    ssh.dispose();
    if (keyProblem) throw keyProblem;
    if (writeFailure) {
      throw new HostUnreachable(
        target.host,
        target.port,
        'other',
        writeFailure,
        writeFailure instanceof LocalFileRefused
          ? `the host's new key cannot be recorded in ${knownHostsFile}: point ssh_known_hosts_file at a regular file, or add the key there yourself`
          : `could not update ${knownHostsFile}`,
      );
    }
    if ((err as { code?: string }).code === 'ERR_ASSERTION') {
      // node-ssh's own checks, e.g. the private key file does not exist.
      throw new HostUnreachable(target.host, target.port, 'auth', err, HINTS.auth);
    }
    const reason = classify(err);
    throw new HostUnreachable(target.host, target.port, reason, err, HINTS[reason]);
  }
  const transport = new NodeSshTransport(ssh, target, options);
  if (unrecorded) transport.unrecordedHostKey = unrecorded;
  return transport;
}

/**
 * Channels open at once on one connection. OpenSSH's sshd refuses more than MaxSessions (default 10) sessions
 * per connection; calls beyond this limit wait for a free channel instead of failing.
 */
export const MAX_CHANNELS = 8;

class NodeSshTransport implements SshTransport {
  roundTrips = 0;
  unrecordedHostKey?: string;
  /** Bytes received on this connection so far (MAX_HOST_OUTPUT). */
  private received = 0;
  private lost: unknown;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly ssh: NodeSSH,
    readonly target: SshTarget,
    private readonly options: SshOptions,
  ) {
    // node-ssh drops its error listener once connected; without ours a later error would crash the process.
    ssh.connection?.on('error', (err: unknown) => {
      this.lost = err;
    });
  }

  get commandTimeoutMs(): number {
    return this.options.commandTimeoutMs;
  }

  /** Whether this call goes through sudo: its own `become`, else the target's; never for root. */
  private sudo(become: boolean | undefined): boolean {
    return (become ?? this.target.become) && this.target.user !== 'root';
  }

  private wrap(command: string, become: boolean | undefined): string {
    return this.sudo(become) ? becomeCommand(command) : command;
  }

  private async exec(
    command: string,
    stdin: string | Buffer | undefined,
    timeoutMs: number,
  ): Promise<{ stdout: Buffer; stderr: Buffer; code: number }> {
    while (this.active >= MAX_CHANNELS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await this.execNow(command, stdin, timeoutMs);
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private execNow(
    command: string,
    stdin: string | Buffer | undefined,
    timeoutMs: number,
  ): Promise<{ stdout: Buffer; stderr: Buffer; code: number }> {
    const { host, port } = this.target;
    const connection = this.ssh.connection as unknown as ExecClient | null;
    if (!this.ssh.isConnected() || !connection) {
      const reason = this.lost ? classify(this.lost) : 'closed';
      return Promise.reject(
        new HostUnreachable(host, port, reason, this.lost ?? new Error('the connection was closed')),
      );
    }
    this.roundTrips++;
    return new Promise((resolve, reject) => {
      let out: Buffer[] = [];
      let err: Buffer[] = [];
      let bytes = 0;
      let code: number | null = null;
      let channel: ExecChannel | undefined;
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        connection.removeListener('error', onError);
        settle();
      };
      // Until the channel is open, a connection error is this command's (as node-ssh did); after, the channel closes.
      const onError = (e: unknown) => finish(() => reject(new HostUnreachable(host, port, classify(e), e)));
      const stop = (why: Error) => {
        // What was kept goes at once: past a cap, memory must not hold on to it while the channel winds down.
        out = [];
        err = [];
        try {
          if (channel) killRemote(channel);
        } catch {
          // best effort: closing the channel is what matters to us
        }
        try {
          channel?.close();
        } catch {
          // already closed
        }
        finish(() => reject(why));
      };
      const timer = setTimeout(() => stop(new CommandTimeout(this.target.name, command, timeoutMs)), timeoutMs);
      // Bytes are counted as they arrive and the channel is stopped past a cap: a host that prints without end
      // (a log "file" linked to /proc, a device) fails clearly instead of growing this process until it dies.
      const take = (into: () => Buffer[], chunk: Buffer) => {
        if (settled) return;
        bytes += chunk.length;
        this.received += chunk.length;
        if (bytes > MAX_COMMAND_OUTPUT)
          return stop(new OutputTooLarge(this.target.name, command, MAX_COMMAND_OUTPUT, 'command'));
        if (this.received > MAX_HOST_OUTPUT)
          return stop(new OutputTooLarge(this.target.name, command, MAX_HOST_OUTPUT, 'host'));
        into().push(chunk);
      };
      connection.on('error', onError);
      try {
        connection.exec(command, (e, opened) => {
          if (e) return onError(e);
          connection.removeListener('error', onError);
          if (settled) {
            // Timed out before the channel opened.
            opened.close();
            return;
          }
          channel = opened;
          opened.on('data', (chunk: Buffer) => take(() => out, chunk));
          opened.stderr.on('data', (chunk: Buffer) => take(() => err, chunk));
          opened.on('exit', (c: number | null) => {
            code = c ?? null;
          });
          opened.on('close', () =>
            finish(() => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code: code ?? 255 })),
          );
          if (stdin !== undefined) opened.write(stdin);
          opened.end();
        });
      } catch (e) {
        onError(e);
      }
    });
  }

  private checkBecome(become: boolean | undefined, code: number, stderr: string): void {
    if (!this.sudo(become) || code !== 1) return;
    const line = stderr.split('\n').find((l) => l.startsWith('sudo: '));
    if (!line) return;
    if (/password is required|terminal is required|askpass/i.test(line)) {
      throw new BecomeFailed(this.target.name, this.target.user, 'password-required', stderr);
    }
    if (/must have a tty/i.test(line)) {
      throw new BecomeFailed(this.target.name, this.target.user, 'tty-required', stderr);
    }
    if (/not in the sudoers|not allowed to execute|may not run sudo/i.test(stderr)) {
      throw new BecomeFailed(this.target.name, this.target.user, 'not-allowed', stderr);
    }
  }

  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const r = await this.exec(
      this.wrap(command, options.become),
      options.stdin,
      options.timeoutMs ?? this.options.commandTimeoutMs,
    );
    const stderr = r.stderr.toString('utf8');
    this.checkBecome(options.become, r.code, stderr);
    return { stdout: r.stdout.toString('utf8'), stderr, code: r.code };
  }

  /** The script goes to `sh -s` on stdin: one exec channel, its text never on a command line. */
  // With hostTimeoutS, coreutils' timeout ends the script's whole process group on the host (a command that
  // hangs there — rpm on a broken database, a read that blocks — leaves nothing running; exit 124).
  runScript(script: string, options: Omit<RunOptions, 'stdin'> = {}): Promise<CommandResult> {
    const { hostTimeoutS, ...rest } = options;
    const sh =
      hostTimeoutS === undefined
        ? 'sh -s'
        : `if command -v timeout >/dev/null 2>&1; then exec timeout -k 2 ${Math.max(1, Math.floor(hostTimeoutS))} sh -s; else exec sh -s; fi`;
    return this.run(sh, { ...rest, stdin: script });
  }

  async put(remotePath: string, content: string | Buffer, options: { become?: boolean } = {}): Promise<void> {
    const command = `cat > ${quote(remotePath)}`;
    const r = await this.exec(
      this.wrap(command, options.become),
      typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
      this.options.commandTimeoutMs,
    );
    const stderr = r.stderr.toString('utf8');
    this.checkBecome(options.become, r.code, stderr);
    if (r.code !== 0) throw new RemoteCommandFailed(this.target.name, command, r.code, stderr);
  }

  async get(remotePath: string, options: { become?: boolean } = {}): Promise<Buffer> {
    // The exec channel carries bytes unchanged and we keep them as Buffers: binary safe without base64.
    const command = `cat -- ${quote(remotePath)}`;
    const r = await this.exec(this.wrap(command, options.become), undefined, this.options.commandTimeoutMs);
    const stderr = r.stderr.toString('utf8');
    this.checkBecome(options.become, r.code, stderr);
    if (r.code !== 0) throw new RemoteCommandFailed(this.target.name, command, r.code, stderr);
    return r.stdout;
  }

  async close(): Promise<void> {
    // end() says goodbye and waits for the peer; a peer whose link is gone never answers, and its socket
    // would keep this process alive for as long as TCP retransmits. Destroy it if it has not closed soon.
    // (ssh2's own destroy() does nothing once end() has run, so the socket itself is destroyed.)
    const socket = (this.ssh.connection as unknown as { _sock?: { destroy: () => void } } | null)?._sock;
    this.ssh.dispose();
    if (socket) setTimeout(() => socket.destroy(), 1000).unref();
  }
}
