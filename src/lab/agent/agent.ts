// The watcher: every second each reader reads what is new and each publisher sends what is queued; every
// 5 s each stream is refreshed (its newest file, rotation, dead readers and publishers). As in the agent:
//   - a refresh that throws is logged `Failed to refresh stream: {…}, reason: …` and not tried again for 60 s
//     (a multi-line start pattern the agent's Python cannot compile fails there every 60 s);
//   - a publisher that dies logs `Exception caught in <EventBatchPublisher(Thread-N, …)>` and its traceback,
//     waits 60 s, then sets its group's stop flag: its readers leave, and the next refresh starts a new
//     publisher and reader, which replay from push_state (nothing lost, a minute or more of delay).
// The 60 s is `restartDelayMs` (lab hosts may shorten it for tests; see args.ts). Stopping (SIGINT): readers
// finish the event at hand, the calls in flight get a short grace period, the state file is closed; SIGTERM
// ends the process at once, without a log line (main.ts), as it ends the agent.
import type { AgentPython } from '../../agents/awslogs/byte-pattern.js';
import { PythonError } from '../../agents/awslogs/byte-pattern.js';
import type { LogsApi } from './client.js';
import type { AgentConfig } from './config.js';
import { nextThreadName, type AgentLog } from './log.js';
import { Publisher, PublisherDied } from './publisher.js';
import type { BatchQueue } from './reader.js';
import { StateStore } from './state.js';
import { Stream } from './stream.js';
import { publisherTraceback } from './traceback.js';

export interface AgentTimings {
  /** How often readers read and publishers send (the agent: 1 s). */
  stepMs: number;
  /** How often streams look for their file (the agent: 5 s). */
  refreshMs: number;
  /** Grace period for a call in flight when stopping. */
  stopGraceMs: number;
  /** A dead publisher's wait before its group stops, and a failed refresh's pause (the agent: 60 s). */
  restartDelayMs: number;
}

export const AGENT_TIMINGS: AgentTimings = { stepMs: 1000, refreshMs: 5000, stopGraceMs: 1500, restartDelayMs: 60_000 };

interface PublisherThread {
  name: string;
  ident: number;
  diedAt?: number;
}

export class Agent {
  private readonly streams: Stream[] = [];
  private readonly state: StateStore;
  private readonly abort = new AbortController();
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRefresh = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly watcherThread: string;
  private readonly sleepers = new Set<() => void>();
  private readonly threads = new Map<Publisher, PublisherThread>();

  constructor(
    config: AgentConfig,
    private readonly api: LogsApi,
    private readonly log: AgentLog,
    private readonly timings: AgentTimings = AGENT_TIMINGS,
    private readonly python: AgentPython = '2.7',
  ) {
    this.watcherThread = nextThreadName();
    nextThreadName(); // the agent's exit checker thread
    this.state = new StateStore(config.stateFile);
    for (const sc of config.streams) {
      const stream = new Stream(
        sc,
        this.state,
        { stream: log.logger('cwlogs.push.stream', this.watcherThread) },
        {
          publisher: (queue) => this.makePublisher(sc.logGroupName, sc.logStreamName, queue),
          readerLoggers: () => {
            const thread = nextThreadName();
            return {
              reader: log.logger('cwlogs.push.reader', thread),
              event: log.logger('cwlogs.push.event', thread),
              batch: log.logger('cwlogs.push.batch', thread),
            };
          },
        },
      );
      this.streams.push(stream);
    }
  }

  private makePublisher(group: string, stream: string, queue: BatchQueue): Publisher {
    const thread = nextThreadName();
    const publisher = new Publisher({
      api: this.api,
      group,
      stream,
      queue,
      record: (sourceId, value) => this.state.save('push_state', sourceId, value),
      log: {
        publisher: this.log.logger('cwlogs.push.publisher', thread),
        batch: this.log.logger('cwlogs.push.batch', thread),
      },
      sleep: (ms) => this.sleep(ms),
      stopping: () => this.stopping,
      signal: this.abort.signal,
    });
    this.threads.set(publisher, { name: thread, ident: threadIdent(thread) });
    return publisher;
  }

  start(): void {
    this.tick();
  }

  private tick(): void {
    if (this.stopping) return;
    const now = Date.now();
    if (now - this.lastRefresh >= this.timings.refreshMs) {
      this.lastRefresh = now;
      for (const s of this.streams) this.refresh(s);
    }
    for (const s of this.streams) {
      const pub = s.publisher;
      const thread = pub ? this.threads.get(pub) : undefined;
      // A dead publisher's thread waits, then stops its group: the readers leave.
      if (
        pub?.died &&
        !s.groupStop &&
        thread?.diedAt !== undefined &&
        now - thread.diedAt >= this.timings.restartDelayMs
      )
        s.groupStop = true;
      for (const r of s.readers.values()) {
        try {
          r.step(s.groupStop);
        } catch (err) {
          r.close();
          this.log.logger('cwlogs.push.reader').error(`Reader failed: ${String(err)}`);
        }
      }
      if (pub && !pub.died && !pub.busy && s.queue.items.length > 0) {
        const p: Promise<void> = pub
          .drain()
          .catch((err: unknown) => this.publisherFailed(pub, err))
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }
    this.timer = setTimeout(() => this.tick(), this.timings.stepMs);
  }

  private refresh(s: Stream): void {
    try {
      s.refresh();
    } catch (err) {
      s.restartAt = Date.now() + this.timings.restartDelayMs;
      const reason = err instanceof PythonError ? err.repr : `Exception(${JSON.stringify(String(err))})`;
      this.log
        .logger('cwlogs.push.watcher', this.watcherThread)
        .error(`Failed to refresh stream: ${s.debugFields()}, reason: ${reason}.`);
    }
  }

  /** BaseThread.run's except clause: the exception with its traceback; the thread then waits (tick). */
  private publisherFailed(pub: Publisher, err: unknown): void {
    if (this.stopping) return;
    const thread = this.threads.get(pub)!;
    thread.diedAt = Date.now();
    const threads = this.log.logger('cwlogs.threads', thread.name);
    threads.error(`Exception caught in <EventBatchPublisher(${thread.name}, started daemon ${thread.ident})>`);
    if (err instanceof PublisherDied) this.log.raw(publisherTraceback(err, this.python));
    else this.log.raw(['Traceback (most recent call last):', `Exception: ${String(err)}`]);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of [...this.sleepers]) wake();
    for (const s of this.streams) for (const r of s.readers.values()) r.step(true);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.timings.stopGraceMs).unref());
    await Promise.race([Promise.all([...this.inFlight]), grace]);
    this.abort.abort();
    this.log.logger('cwlogs.push.watcher', this.watcherThread).info('Watcher is leaving...');
    this.state.close();
  }
}

/** A thread ident as Python prints it (a pthread address): stable per thread name. */
function threadIdent(name: string): number {
  return 139_872_000_000_000 + Number(name.replace(/\D/g, '') || 0) * 8_392_704;
}
