// The fleet-wide call over SSM Run Command. Each host sees a Transport of its own (host.ts), and every script a
// host runs comes here: scripts sent close together that are identical (the same probe, the same apply script on
// hosts with the same plan) go out as one SendCommand to up to 50 instances, with the run's --forks as
// MaxConcurrency and what the failure threshold still allows as MaxErrors. Results are polled with backoff:
// ListCommandInvocations for the states, then GetCommandInvocation for each final one's output.
import { randomBytes } from 'node:crypto';
import type { FleetTransport, Transport } from '../../core/ports.js';
import {
  InvocationNotYet,
  type Delivered,
  type InvocationResult,
  type InvocationStatus,
  type ManagedInstance,
  type SsmApi,
  type SsmHostTarget,
} from './api.js';
import { SsmCommandFailed, SsmUnreachable } from './errors.js';
import { envelopeScript } from './envelope.js';
import { SsmHostTransport, type ScriptSubmitter } from './host.js';

/** SSM's limit of InstanceIds per SendCommand. */
export const MAX_TARGETS = 50;
/** SSM's bounds of TimeoutSeconds (delivery) and of AWS-RunShellScript's executionTimeout. */
export const MIN_DELIVERY_TIMEOUT_S = 30;
export const MAX_EXECUTION_TIMEOUT_S = 172_800;

export interface SsmFleetOptions {
  api: SsmApi;
  /** Every SSM host of the run: one DescribeInstanceInformation tells which agents are online. */
  instanceIds: string[];
  /** --forks: how many instances SSM runs a command on at once. */
  maxConcurrency: number;
  /** How many more hosts may fail before the run stops (Ansible's max_fail_percentage); undefined: no limit. */
  errorBudget?: () => number | undefined;
  /** Seconds SSM may take to deliver a command (TimeoutSeconds); at least 30. */
  deliveryTimeoutS: number;
  /** A call's execution timeout unless it names its own. */
  commandTimeoutMs: number;
  /** SendCommand's Comment (SSM shows it in its history). */
  comment: string;
  /** Scripts submitted within this quiet window go out together (ms). */
  batchWindowMs?: number;
  /** …but none waits longer than this for others (ms). */
  maxBatchDelayMs?: number;
  /** Polling: first wait, growth factor, longest wait (ms). */
  poll?: { firstMs: number; factor: number; maxMs: number };
}

interface Entry {
  target: SsmHostTarget;
  resolve: (d: Delivered) => void;
  reject: (err: unknown) => void;
}

interface Group {
  /** The script as the host gave it, and whether it goes as is (a part fetch) or in the envelope. */
  script: string;
  raw: boolean;
  commandText: string;
  token: string;
  executionTimeoutS: number;
  entries: Entry[];
}

const FINAL: ReadonlySet<InvocationStatus> = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

export class SsmFleet implements ScriptSubmitter, FleetTransport<SsmHostTarget> {
  private readonly nonce = randomBytes(6).toString('hex');
  private seq = 0;
  private pending: Group[] = [];
  private quiet: NodeJS.Timeout | undefined;
  private cap: NodeJS.Timeout | undefined;
  /** Hosts of the run that may still call: the fleet sends at once when all of them wait on it. */
  private expected: number;
  /** Each host's last command (its dispatch), and how many of each dispatch's hosts still wait for SSM. */
  private readonly lastDispatch = new Map<string, number>();
  private readonly flying = new Map<number, number>();
  private dispatches = 0;
  private registry: Promise<Map<string, ManagedInstance>> | undefined;
  /** SendCommand calls made (a benchmark reads it). */
  commandsSent = 0;

  constructor(private readonly options: SsmFleetOptions) {
    this.expected = new Set(options.instanceIds).size;
  }

  /** The host's transport, once SSM says its agent is online; SsmUnreachable otherwise. */
  async forHost(target: SsmHostTarget): Promise<Transport> {
    try {
      await this.assertOnline(target);
    } catch (err) {
      this.leave();
      throw err;
    }
    return new SsmHostTransport(this, target);
  }

  /** A host is done with the fleet (closed, or never opened). */
  leave(): void {
    this.expected = Math.max(0, this.expected - 1);
    this.schedule();
  }

  /** Ends the fleet: a script still waiting to be sent (an interrupted run) is never sent. */
  async close(): Promise<void> {
    clearTimeout(this.quiet);
    clearTimeout(this.cap);
    const left = this.pending;
    this.pending = [];
    for (const g of left)
      for (const e of g.entries)
        e.reject(new SsmCommandFailed(e.target.name, e.target.instanceId, '-', 'not sent', 'not sent: the run ended'));
    this.options.api.destroy();
  }

  private registrations(): Promise<Map<string, ManagedInstance>> {
    this.registry ??= (async () => {
      const ids = [...new Set(this.options.instanceIds)];
      const found = new Map<string, ManagedInstance>();
      for (let i = 0; i < ids.length; i += MAX_TARGETS) {
        for (const m of await this.options.api.describeInstances(ids.slice(i, i + MAX_TARGETS)))
          found.set(m.instanceId, m);
      }
      return found;
    })();
    return this.registry;
  }

  private async assertOnline(target: SsmHostTarget): Promise<void> {
    const managed = (await this.registrations()).get(target.instanceId);
    if (!managed)
      throw new SsmUnreachable(
        target.name,
        target.instanceId,
        'not-registered',
        'no SSM agent is registered for this instance (DescribeInstanceInformation lists none)',
      );
    if (managed.pingStatus !== 'Online')
      throw new SsmUnreachable(
        target.name,
        target.instanceId,
        'not-online',
        `its SSM agent is not online (PingStatus ${managed.pingStatus}${managed.lastPingAt ? `, last ping ${managed.lastPingAt.toISOString()}` : ''})`,
      );
  }

  /**
   * Runs `script` (wrapped in the output envelope unless `raw`) on the host, together with every identical
   * script of other hosts; resolves with SSM's final word on this host's invocation.
   */
  submit(
    target: SsmHostTarget,
    script: string,
    options: { timeoutMs?: number; raw?: boolean } = {},
  ): Promise<Delivered> {
    const executionTimeoutS = Math.min(
      MAX_EXECUTION_TIMEOUT_S,
      Math.max(1, Math.ceil((options.timeoutMs ?? this.options.commandTimeoutMs) / 1000)),
    );
    return new Promise<Delivered>((resolve, reject) => {
      // An identical script already waiting joins its group, unless this host is in it already.
      let group = this.pending.find(
        (g) =>
          g.executionTimeoutS === executionTimeoutS &&
          g.entries.length < MAX_TARGETS &&
          g.raw === Boolean(options.raw) &&
          g.script === script &&
          !g.entries.some((e) => e.target.instanceId === target.instanceId),
      );
      if (!group) {
        const token = `${this.nonce}-${++this.seq}`;
        group = {
          script,
          raw: Boolean(options.raw),
          commandText: options.raw ? script : envelopeScript(script, token),
          token,
          executionTimeoutS,
          entries: [],
        };
        this.pending.push(group);
      }
      group.entries.push({ target, resolve, reject });
      if (group.entries.length >= MAX_TARGETS) {
        this.pending = this.pending.filter((g) => g !== group);
        this.dispatch(group);
      }
      this.schedule();
    });
  }

  private waitingCount(): number {
    return this.pending.reduce((n, g) => n + g.entries.length, 0);
  }

  /**
   * A waiting script is ready to go once every host of its host's last command has its answer (those hosts are
   * likely to send the same next script: the probe's answers come in one by one under MaxConcurrency, and the
   * apply or restore scripts they lead to should leave together). Ready scripts go after a quiet window, or at
   * once when every host that may still call is waiting.
   */
  private ready(): boolean {
    return this.pending.every((g) =>
      g.entries.every((e) => (this.flying.get(this.lastDispatch.get(e.target.instanceId) ?? -1) ?? 0) === 0),
    );
  }

  private schedule(): void {
    const waiting = this.waitingCount();
    if (waiting === 0) return;
    if (waiting >= this.expected) return this.flush();
    clearTimeout(this.quiet);
    this.quiet = undefined;
    if (!this.ready()) {
      // Checked again as answers land.
      clearTimeout(this.cap);
      this.cap = undefined;
      return;
    }
    this.quiet = setTimeout(() => this.flush(), this.options.batchWindowMs ?? 40);
    this.cap ??= setTimeout(() => this.flush(), this.options.maxBatchDelayMs ?? 400);
  }

  private flush(): void {
    clearTimeout(this.quiet);
    clearTimeout(this.cap);
    this.quiet = undefined;
    this.cap = undefined;
    const groups = this.pending;
    this.pending = [];
    for (const g of groups) this.dispatch(g);
  }

  private dispatch(group: Group): void {
    const id = ++this.dispatches;
    this.flying.set(id, group.entries.length);
    for (const e of group.entries) this.lastDispatch.set(e.target.instanceId, id);
    const settle = (entry: Entry, outcome: { delivered?: Delivered; error?: unknown }): void => {
      const left = (this.flying.get(id) ?? 1) - 1;
      if (left > 0) this.flying.set(id, left);
      else this.flying.delete(id);
      if (outcome.delivered) entry.resolve(outcome.delivered);
      else entry.reject(outcome.error);
      this.schedule();
    };
    void this.send(group, settle);
  }

  private maxErrors(targets: number): string {
    const budget = this.options.errorBudget?.();
    return String(budget === undefined ? targets : Math.max(0, budget));
  }

  private async send(
    group: Group,
    settle: (entry: Entry, outcome: { delivered?: Delivered; error?: unknown }) => void,
  ): Promise<void> {
    const { api } = this.options;
    const maxErrors = this.maxErrors(group.entries.length);
    let commandId: string;
    try {
      commandId = await api.sendCommand({
        instanceIds: group.entries.map((e) => e.target.instanceId),
        commands: group.commandText.split('\n'),
        executionTimeoutS: group.executionTimeoutS,
        deliveryTimeoutS: Math.max(MIN_DELIVERY_TIMEOUT_S, this.options.deliveryTimeoutS),
        maxConcurrency: String(Math.max(1, this.options.maxConcurrency)),
        maxErrors,
        comment: this.options.comment,
      });
      this.commandsSent++;
    } catch (err) {
      for (const e of group.entries) settle(e, { error: err });
      return;
    }
    const left = new Map(group.entries.map((e) => [e.target.instanceId, e]));
    const poll = this.options.poll ?? { firstMs: 200, factor: 1.4, maxMs: 2000 };
    // SSM ends every invocation by its delivery and execution timeouts; past them and a margin, stop waiting.
    const deadline =
      Date.now() +
      (Math.max(MIN_DELIVERY_TIMEOUT_S, this.options.deliveryTimeoutS) + group.executionTimeoutS + 60) * 1000;
    let delay = poll.firstMs;
    try {
      while (left.size > 0) {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(poll.maxMs, delay * poll.factor);
        const done = (await api.listInvocations(commandId)).filter(
          (s) => left.has(s.instanceId) && FINAL.has(s.status),
        );
        await Promise.all(
          done.map(async (s) => {
            let result: InvocationResult;
            try {
              result = await api.getInvocation(commandId, s.instanceId);
            } catch (err) {
              if (err instanceof InvocationNotYet) return; // listed already, not readable yet: next round
              throw err;
            }
            if (!FINAL.has(result.status)) return;
            const entry = left.get(s.instanceId);
            if (!entry) return;
            left.delete(s.instanceId);
            settle(entry, {
              delivered: {
                result,
                commandId,
                token: group.token,
                maxErrors,
                executionTimeoutS: group.executionTimeoutS,
              },
            });
          }),
        );
        if (left.size > 0 && Date.now() > deadline) {
          await api.cancelCommand(commandId, [...left.keys()]).catch(() => undefined);
          throw new Error(`SSM gave no final state within its delivery and execution timeouts (command ${commandId})`);
        }
      }
    } catch (err) {
      for (const entry of left.values())
        settle(entry, {
          error:
            err instanceof Error && !(err instanceof SsmCommandFailed)
              ? new SsmCommandFailed(entry.target.name, entry.target.instanceId, commandId, 'unknown', err.message)
              : err,
        });
    }
  }
}
