// Patterns evaluated on a host's data within a deadline. A log's lines are written by whoever can write
// the log, and `multi_line_start_pattern` is a Python regex run by a backtracking engine (JavaScript's, as
// Python's): one pattern like `^(\w+\s?)+$` and one long line would hold a thread for hours. So those checks
// run in worker threads, and a worker still busy at its host's deadline is terminated: the host gets a clear
// error, the run goes on, and the main thread stays free for SIGINT. A linear-time engine (RE2) was not an
// option: it refuses the backreferences and lookarounds Python allows.
//
// The pool starts one worker (warmed up while the hosts connect) and adds one, up to `maxWorkers`, only while
// every worker has been busy for a while: quick checks share one thread; a spinning one does not hold the rest.
import { Worker } from 'node:worker_threads';
import type { AgentSpec, LogAgentName, PreflightCheck } from '../../core/agent-plugin.js';
import type { ToolClock } from '../../core/report.js';
import type { HostFacts } from '../../core/types.js';
import type { PreparedHost } from '../fleet/prepare.js';

/** Longest time the patterns of one host may take, all its sections together (never past --command-timeout). */
export const PATTERN_BUDGET_MS = 10_000;
/** A worker busy this long counts as stuck for the pool's growth. */
const BUSY_MS = 200;

/** A task names its agent: the worker loads that agent's plug-in and runs its checks. */
export type PatternTask =
  | { kind: 'log'; agent: LogAgentName; spec: AgentSpec; facts: HostFacts; index: number }
  | { kind: 'agent-log'; agent: LogAgentName; text: string; truncated: boolean; facts: HostFacts };

interface Job {
  id: number;
  task: PatternTask;
  deadline: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  job?: Job;
  since: number;
}

/** What a task gave back, or that it was stopped at its deadline. */
export const TIMED_OUT = Symbol('timed out');

export class PatternWorkers {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private pumpTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The budget of one host, ms. */
  readonly budgetMs: number;

  /** The agents whose checks the run's tasks will name: each worker loads them as it starts. */
  private readonly agents: LogAgentName[];

  constructor(options: { commandTimeoutMs: number; maxWorkers: number; agents?: LogAgentName[] }) {
    this.budgetMs = Math.min(PATTERN_BUDGET_MS, options.commandTimeoutMs);
    this.maxWorkers = Math.max(1, options.maxWorkers);
    this.agents = options.agents ?? [];
  }

  private readonly maxWorkers: number;

  /** Starts the first worker now, so that its start-up overlaps the hosts' connections. */
  warm(): this {
    if (this.slots.length === 0) this.spawn();
    return this;
  }

  /** Runs `task` in a worker; TIMED_OUT when it is not done by `deadline` (epoch ms). */
  run<T>(task: PatternTask, deadline: number): Promise<T | typeof TIMED_OUT> {
    if (this.closed) return Promise.reject(new Error('pattern workers closed'));
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      const job: Job = { id: this.nextId++, task, deadline, resolve: resolve as (v: unknown) => void, reject };
      job.timer = setTimeout(() => this.expire(job), Math.max(0, deadline - Date.now()));
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pumpTimer);
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.timer);
      job.reject(new Error('pattern workers closed'));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate().catch(() => undefined)));
  }

  private expire(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.job === job);
    if (slot) {
      // The only way to stop a regex in its backtracking: end its thread.
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate().catch(() => undefined);
    }
    job.resolve(TIMED_OUT);
    this.pump();
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./pattern-worker.js', import.meta.url));
    if (this.agents.length > 0) worker.postMessage({ preload: this.agents });
    // Never what keeps the process alive: the run ends when its hosts are done.
    worker.unref();
    const slot: Slot = { worker, since: Date.now() };
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      clearTimeout(job.timer);
      slot.job = undefined;
      if (m.ok) job.resolve(m.result);
      else job.reject(new Error(m.error));
      this.pump();
    });
    const lost = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      if (slot.job) {
        clearTimeout(slot.job.timer);
        slot.job.reject(err);
      }
      this.pump();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the pattern worker exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        const now = Date.now();
        const stuck = this.slots.every((s) => now - s.since >= BUSY_MS);
        if (this.slots.length < this.maxWorkers && stuck) slot = this.spawn();
        else {
          if (!this.pumpTimer && this.slots.length < this.maxWorkers) {
            this.pumpTimer = setTimeout(() => {
              this.pumpTimer = undefined;
              this.pump();
            }, BUSY_MS);
            this.pumpTimer.unref();
          }
          return;
        }
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.since = Date.now();
      slot.worker.postMessage({ id: job.id, task: job.task });
    }
  }
}

/** The facts a pattern task needs: no managed file's content travels to the worker. */
function factsFor(facts: HostFacts, logs?: HostFacts['logs']): HostFacts {
  const { files: _files, extraFiles: _extra, logs: _logs, ...rest } = facts;
  return { ...rest, files: {}, ...(logs ? { logs } : {}) };
}

/** The agent's preflight with every log's patterns run in a worker, within the host's budget. */
export async function boundedPreflight(
  workers: PatternWorkers,
  host: Pick<PreparedHost, 'agent' | 'spec'>,
  facts: HostFacts,
  tool: ToolClock,
): Promise<PreflightCheck[]> {
  const { agent, spec } = host;
  const checks = agent.preflight.hostChecks(spec, facts, tool);
  const deadline = Date.now() + workers.budgetMs;
  const count = agent.logs(spec).length;
  for (let i = 0; i < count; i++) {
    const files = facts.logs?.[i];
    if (!files) continue;
    // Only this log's files travel to the worker.
    const only = facts.logs!.map((l, j) => (j === i ? l : { pattern: l.pattern, files: [] }));
    const out = await workers.run<PreflightCheck[]>(
      { kind: 'log', agent: agent.name, spec, facts: factsFor(facts, only), index: i },
      deadline,
    );
    if (out === TIMED_OUT) {
      checks.push(agent.preflight.timedOut(spec, i, workers.budgetMs));
      break;
    }
    checks.push(...out);
  }
  return checks;
}

/** The agent log's findings (the agent's doctor rules) within the budget; undefined when it ran past it. */
export async function boundedAgentLog(
  workers: PatternWorkers,
  agent: LogAgentName,
  text: string,
  truncated: boolean,
  facts: HostFacts,
): Promise<unknown[] | undefined> {
  const out = await workers.run<unknown[]>(
    { kind: 'agent-log', agent, text, truncated, facts: factsFor(facts) },
    Date.now() + workers.budgetMs,
  );
  return out === TIMED_OUT ? undefined : out;
}
