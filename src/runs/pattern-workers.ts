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
import type { HostSpec } from '../agents/awslogs/spec.js';
import type { HostFacts } from '../core/types.js';
import type { LogFault } from '../doctor/agent-log.js';
import { hostChecks, type PreflightCheck, type ToolClock } from '../doctor/preflight.js';

/** Longest time the patterns of one host may take, all its sections together (never past --command-timeout). */
export const PATTERN_BUDGET_MS = 10_000;
/** A worker busy this long counts as stuck for the pool's growth. */
const BUSY_MS = 200;

export type PatternTask =
  | { kind: 'section'; spec: HostSpec; facts: HostFacts }
  | { kind: 'agent-log'; text: string; truncated: boolean; facts: HostFacts };

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

  constructor(options: { commandTimeoutMs: number; maxWorkers: number }) {
    this.budgetMs = Math.min(PATTERN_BUDGET_MS, options.commandTimeoutMs);
    this.maxWorkers = Math.max(1, options.maxWorkers);
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

/** What ran past the deadline, in the operator's words. */
function timedOutCheck(spec: HostSpec, index: number, budgetMs: number): PreflightCheck {
  const section = spec.logs[index]!;
  const pattern = section.multi_line_start_pattern;
  const custom = pattern !== undefined && pattern !== '' && pattern !== '{datetime_format}';
  const what = custom
    ? `multi_line_start_pattern ${pattern}`
    : `datetime_format ${section.datetime_format ?? ''}`.trimEnd();
  const rest = spec.logs.slice(index + 1).map((s) => s.section);
  return {
    check: custom ? 'multi_line_start_pattern' : 'datetime_format',
    log: section.section,
    level: 'error',
    message:
      `${what} did not finish within ${Math.round(budgetMs / 1000)} s on the last lines of ${section.file} ` +
      `(a pattern that backtracks on a long line; the agent's Python re would stall on the same line): stopped, not checked` +
      (rest.length ? `; not checked either: ${rest.join(', ')}` : ''),
  };
}

/** Preflight (src/doctor/preflight.ts) with every section's patterns run in a worker, within the host's budget. */
export async function boundedPreflight(
  workers: PatternWorkers,
  spec: HostSpec,
  facts: HostFacts,
  tool: ToolClock,
): Promise<PreflightCheck[]> {
  const checks = hostChecks(spec, facts, tool);
  const deadline = Date.now() + workers.budgetMs;
  for (let i = 0; i < spec.logs.length; i++) {
    const files = facts.logs?.[i];
    if (!files) continue;
    const out = await workers.run<PreflightCheck[]>(
      { kind: 'section', spec: { ...spec, logs: [spec.logs[i]!] }, facts: factsFor(facts, [files]) },
      deadline,
    );
    if (out === TIMED_OUT) {
      checks.push(timedOutCheck(spec, i, workers.budgetMs));
      break;
    }
    checks.push(...out);
  }
  return checks;
}

/** The agent log's faults (src/doctor/agent-log.ts) within the budget; undefined when it ran past it. */
export async function boundedAgentLog(
  workers: PatternWorkers,
  text: string,
  truncated: boolean,
  facts: HostFacts,
): Promise<LogFault[] | undefined> {
  const out = await workers.run<LogFault[]>(
    { kind: 'agent-log', text, truncated, facts: factsFor(facts) },
    Date.now() + workers.budgetMs,
  );
  return out === TIMED_OUT ? undefined : out;
}
