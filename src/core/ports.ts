// The small interfaces the core needs from the outside world; adapters implement them.

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Text fed to the command's standard input. */
  stdin?: string;
  /** Milliseconds before the command is abandoned. */
  timeoutMs?: number;
  /** Run through `sudo -n` when the connection user is not root. */
  become?: boolean;
}

/** How the tool reaches one host: four verbs, one connection per host per run. */
export interface Transport {
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  put(remotePath: string, content: string | Buffer, options?: { become?: boolean }): Promise<void>;
  get(remotePath: string, options?: { become?: boolean }): Promise<Buffer>;
  close(): Promise<void>;
}
