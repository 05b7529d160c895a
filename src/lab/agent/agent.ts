// The watcher: every second each reader reads what is new and each publisher sends what is queued; every
// 5 s each stream looks for its newest file (rotation). Stopping: readers finish the event at hand, the
// publisher's call in flight gets a short grace period (its batch is recorded if accepted), then the
// state file is closed. Nothing else is sent on the way out, as with the agent: what was not recorded
// is read again at the next start.
import type { LogsApi } from './client.js';
import type { AgentConfig } from './config.js';
import { nextThreadName, type AgentLog } from './log.js';
import { Publisher } from './publisher.js';
import type { BatchQueue } from './reader.js';
import { StateStore } from './state.js';
import { AcceptedLedger } from './ledger.js';
import { Stream } from './stream.js';

export interface AgentTimings {
  /** How often readers read and publishers send (the agent: 1 s). */
  stepMs: number;
  /** How often streams look for their file (the agent: 5 s). */
  refreshMs: number;
  /** Grace period for a call in flight when stopping. */
  stopGraceMs: number;
}

export const AGENT_TIMINGS: AgentTimings = { stepMs: 1000, refreshMs: 5000, stopGraceMs: 1500 };

export class Agent {
  private readonly streams: Stream[] = [];
  private readonly state: StateStore;
  private readonly ledger: AcceptedLedger;
  private readonly abort = new AbortController();
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRefresh = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly watcherThread: string;
  private readonly sleepers = new Set<() => void>();

  constructor(
    config: AgentConfig,
    private readonly api: LogsApi,
    private readonly log: AgentLog,
    private readonly timings: AgentTimings = AGENT_TIMINGS,
  ) {
    this.watcherThread = nextThreadName();
    nextThreadName(); // the agent's exit checker thread
    this.state = new StateStore(config.stateFile);
    this.ledger = AcceptedLedger.besideStateFile(config.stateFile);
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
    return new Publisher({
      api: this.api,
      group,
      stream,
      queue,
      record: (sourceId, value) => this.state.save('push_state', sourceId, value),
      ledger: this.ledger,
      log: {
        publisher: this.log.logger('cwlogs.push.publisher', thread),
        batch: this.log.logger('cwlogs.push.batch', thread),
      },
      sleep: (ms) => this.sleep(ms),
      stopping: () => this.stopping,
      signal: this.abort.signal,
    });
  }

  start(): void {
    this.tick();
  }

  private tick(): void {
    if (this.stopping) return;
    const now = Date.now();
    if (now - this.lastRefresh >= this.timings.refreshMs) {
      this.lastRefresh = now;
      for (const s of this.streams) {
        try {
          s.refresh();
        } catch (err) {
          this.log
            .logger('cwlogs.push.watcher', this.watcherThread)
            .error(`Failed to refresh stream: {'file': '${s.config.file}'}, reason: ${String(err)}.`);
        }
      }
    }
    for (const s of this.streams) {
      for (const r of s.readers.values()) {
        try {
          r.step();
        } catch (err) {
          r.close();
          this.log.logger('cwlogs.push.reader').error(`Reader failed: ${String(err)}`);
        }
      }
      const pub = s.publisher;
      if (pub && !pub.busy && s.queue.items.length > 0) {
        const p: Promise<void> = pub
          .drain()
          .catch((err: unknown) => this.log.logger('cwlogs.push.publisher').error(`Caught exception: ${String(err)}`))
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }
    this.timer = setTimeout(() => this.tick(), this.timings.stepMs);
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
