// One host's Transport over SSM: its scripts go through the fleet (fleet.ts), which sends identical scripts of
// many hosts as one command; the output comes back whole through the envelope (envelope.ts) or not at all.
// Commands run as root (the SSM agent's user): `become` has nothing to add.
import type { CommandResult, RunOptions, Transport } from '../../core/ports.js';
import { RemoteCommandFailed, TransportError } from '../errors.js';
import { quote } from '../shell.js';
import {
  PartProblem,
  parseFirstPart,
  parsePart,
  partCount,
  partScript,
  unpack,
  MAX_COMPRESSED_BYTES,
} from './envelope.js';
import { SsmOutputProblem } from './errors.js';
import type { Delivered, SsmHostTarget } from './api.js';
import { ranOutput } from './states.js';

/** The fleet as a host's transport uses it. */
export interface ScriptSubmitter {
  submit(target: SsmHostTarget, script: string, options?: { timeoutMs?: number; raw?: boolean }): Promise<Delivered>;
  /** The host is done with the fleet. */
  leave(): void;
}

interface Raw {
  stdout: Buffer;
  stderr: Buffer;
  code: number;
}

export class SsmHostTransport implements Transport {
  /** Invocations carried for this host (one per script, plus one per further part of a long output). */
  roundTrips = 0;
  private closed = false;

  constructor(
    private readonly fleet: ScriptSubmitter,
    readonly target: SsmHostTarget,
  ) {}

  private async exec(script: string, timeoutMs?: number): Promise<Raw> {
    const name = this.target.name;
    this.roundTrips++;
    const first = await this.fleet.submit(this.target, script, timeoutMs === undefined ? {} : { timeoutMs });
    try {
      const head = parseFirstPart(ranOutput(this.target, first));
      if (!head.part)
        throw new SsmOutputProblem(
          name,
          `the script's output is ${head.compressedBytes} bytes compressed, more than the SSM transport brings back (${MAX_COMPRESSED_BYTES} bytes, in invocations of 24,000 characters each); nothing of it was used`,
        );
      const parts = [head.part];
      for (let i = 1; i < partCount(head.compressedBytes); i++) {
        this.roundTrips++;
        const next = await this.fleet.submit(this.target, partScript(first.token, i), { raw: true });
        parts.push(parsePart(ranOutput(this.target, next), i, head.compressedBytes));
      }
      return { ...unpack(parts), code: head.code };
    } catch (err) {
      if (err instanceof PartProblem)
        throw new SsmOutputProblem(name, `${err.message} (SSM command ${first.commandId}); nothing of it was used`);
      throw err;
    }
  }

  async runScript(script: string, options: Omit<RunOptions, 'stdin'> = {}): Promise<CommandResult> {
    const r = await this.exec(script, options.timeoutMs);
    return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), code: r.code };
  }

  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    if (options.stdin !== undefined)
      throw new TransportError(
        `${this.target.name}: SSM has no standard input; send the script itself (runScript)`,
        this.target.name,
      );
    return this.runScript(command, options);
  }

  async get(remotePath: string): Promise<Buffer> {
    const command = `cat -- ${quote(remotePath)}`;
    const r = await this.exec(command);
    if (r.code !== 0) throw new RemoteCommandFailed(this.target.name, command, r.code, r.stderr.toString('utf8'));
    return r.stdout;
  }

  async put(remotePath: string): Promise<void> {
    // A file's content would have to travel in the command's text, which SSM keeps in its history.
    throw new TransportError(
      `${this.target.name}: the SSM transport does not copy files to hosts (${remotePath}): a command's text stays in SSM's history; the tool's scripts carry what they write`,
      this.target.name,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fleet.leave();
  }
}
