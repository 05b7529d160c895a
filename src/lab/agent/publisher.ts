// The stream's publisher thread (EventBatchPublisher): sends the queued batches with PutLogEvents, one at a
// time, at most 5 calls a second. As in awscli-cwlogs 1.4.0:
//   - push_state is written when a batch is handed over, BEFORE PutLogEvents (the agent's publish callback):
//     a failed send or a crash leaves a row whose end_position covers bytes that never arrived;
//   - a replay batch is sent with its saved sequence token and, since today's CloudWatch Logs ignores tokens,
//     accepted again: every restart sends the last batch of each stream twice;
//   - DataAlreadyAccepted → the batch is dropped (the token taken from the message); OperationAborted →
//     retried; InvalidSequenceToken → retried with the expected token; ResourceNotFound →
//     CreateLogGroup/CreateLogStream (AlreadyExists ignored, 5 tries with backoff) then retried;
//     InvalidParameter → the batch is skipped. Every failure is logged as `Caught exception: …`;
//   - any other error (what botocore gives up on after its own retries: connection refused, 5xx, refused
//     credentials, access denied) kills the thread: drain() rejects with PublisherDied, and the agent's
//     watcher brings the stream back later (agent.ts).
import type { EventBatch } from './batch.js';
import { CallError, type InputEvent, type LogsApi } from './client.js';
import type { Logger } from './log.js';
import type { BatchQueue } from './reader.js';
import type { PushState } from './state.js';

export const MIN_PUT_DELAY = 200;
const TOKEN_IN_MESSAGE = /sequenceToken(?:\sis)?: ([^\s]+)/;

export interface PublisherLoggers {
  publisher: Logger;
  batch: Logger;
}

export interface PublisherDeps {
  api: LogsApi;
  group: string;
  stream: string;
  queue: BatchQueue;
  record: (sourceId: string, state: PushState) => void;
  log: PublisherLoggers;
  /** Pause that ends early when the agent stops. */
  sleep: (ms: number) => Promise<void>;
  stopping: () => boolean;
  signal: AbortSignal;
}

/** The exception that ended the publisher thread, with the frames its traceback shows. */
export class PublisherDied extends Error {
  constructor(
    readonly error: CallError,
    /** Where it was raised: the frames below _run (`_put_log_events`, or `_setup_resources` through the backoff). */
    readonly frames: readonly string[],
  ) {
    super(error.text);
    this.name = 'PublisherDied';
  }
}

export class Publisher {
  sequenceToken: string | null = null;
  private lastPublish = 0;
  busy = false;
  /** Set once the thread died: it sends nothing more. */
  died: PublisherDied | undefined;

  constructor(private readonly d: PublisherDeps) {}

  /** Publishes every queued batch; returns when the queue is empty or the agent stops; rejects when it dies. */
  async drain(): Promise<void> {
    while (!this.d.stopping() && !this.died) {
      const batch = this.d.queue.items.shift();
      if (!batch) return;
      this.busy = true;
      try {
        await this.publish(batch);
      } catch (err) {
        if (err instanceof PublisherDied) this.died = err;
        throw err;
      } finally {
        this.busy = false;
      }
    }
  }

  private async publish(batch: EventBatch): Promise<void> {
    if (!batch.shouldPublish()) return;
    // A sequence token is from the replay batch, or from the last PutLogEvents answer.
    if (batch.isReplay) this.sequenceToken = batch.sequenceToken;
    this.record(batch, this.sequenceToken);
    const wait = MIN_PUT_DELAY - (Date.now() - this.lastPublish);
    if (this.lastPublish > 0 && wait > 0) await this.d.sleep(wait);
    this.lastPublish = Date.now();
    this.sequenceToken = await this.put(batch);
  }

  /** The token for the next batch (the answer's, or the one kept when the batch was skipped). */
  private async put(batch: EventBatch): Promise<string | null> {
    const events = sortedEvents(batch);
    let token = this.sequenceToken;
    for (;;) {
      try {
        const next = await this.d.api.putLogEvents(this.d.group, this.d.stream, events, token, this.d.signal);
        this.d.log.publisher.info(
          `Log group: ${this.d.group}, log stream: ${this.d.stream}, queue size: ${this.d.queue.items.length}, Publish batch: ${batch.debugFields()}`,
        );
        return next;
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        this.d.log.publisher.warning(`Caught exception: ${err.text}`);
        const fromMessage = TOKEN_IN_MESSAGE.exec(err.text)?.[1] ?? err.expectedSequenceToken;
        if (err.code === 'DataAlreadyAcceptedException') return fromMessage ?? token;
        if (err.code === 'OperationAbortedException') continue;
        if (err.code === 'InvalidSequenceTokenException') {
          if (fromMessage) {
            this.d.log.publisher.warning(
              `Multiple agents might be sending log events to log stream (${this.d.group} ${this.d.stream}) with sequence token (${token}). This could cause duplicates and is not recommended.`,
            );
            token = fromMessage === 'null' ? null : fromMessage;
          } else this.d.log.publisher.error('Failed to get sequence token.');
          continue;
        }
        if (err.code === 'ResourceNotFoundException') {
          await this.setupResources();
          token = null;
          continue;
        }
        if (err.code === 'InvalidParameterException') {
          this.d.log.publisher.warning(`Skip batch: ${batch.debugFields()}, reason: invalid parameter exception.`);
          return token;
        }
        throw new PublisherDied(err, ['_publish_event_batch', '_put_log_events']);
      }
    }
  }

  /** ExponentialBackoff(max_retries=5)(_setup_resources): the last failure kills the thread. */
  private async setupResources(): Promise<void> {
    let delay = 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        this.d.log.batch.info(`Creating log group ${this.d.group}.`);
        await this.ignoreExists(() => this.d.api.createLogGroup(this.d.group, this.d.signal), 'CreateLogGroup');
        this.d.log.batch.info(`Creating log stream ${this.d.stream}.`);
        await this.ignoreExists(
          () => this.d.api.createLogStream(this.d.group, this.d.stream, this.d.signal),
          'CreateLogStream',
        );
        return;
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        if (attempt >= 5 || this.d.stopping())
          throw new PublisherDied(err, ['_publish_event_batch', '_put_log_events_setup', 'call', '_setup_resources']);
        await this.d.sleep(delay);
        delay *= 2;
      }
    }
  }

  private async ignoreExists(call: () => Promise<void>, op: string): Promise<void> {
    try {
      await call();
    } catch (err) {
      if (err instanceof CallError && err.code === 'ResourceAlreadyExistsException') return;
      if (err instanceof CallError) this.d.log.batch.warning(`${op} failed with exception ${err.text}`);
      throw err;
    }
  }

  private record(batch: EventBatch, token: string | null): void {
    const first = batch.firstEvent!;
    const last = batch.lastEvent!;
    this.d.record(batch.sourceId!, {
      source_id: batch.sourceId!,
      start_position: first.startPosition,
      end_position: last.endPosition,
      batch_timestamp: batch.batchTimestamp,
      first_timestamp: first.timestamp!,
      first_timestamp_status: first.status,
      sequence_token: token,
    });
  }
}

/** The payload as PutLogEvents gets it: events in ascending time order (stable). */
function sortedEvents(batch: EventBatch): InputEvent[] {
  return batch.events
    .map((e) => ({ timestamp: e.timestamp!, message: e.message }))
    .sort((a, b) => a.timestamp - b.timestamp);
}
