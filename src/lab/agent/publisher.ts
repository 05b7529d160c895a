// Sends a stream's queued batches with PutLogEvents, one at a time, at most 5 calls a second, and records
// each accepted batch in push_state before the next is taken. Error handling follows the agent: every
// failure is logged as `Caught exception: …`; DataAlreadyAccepted → the batch is dropped and the token
// taken from the message; InvalidSequenceToken → retried with the expected token; ResourceNotFound →
// CreateLogGroup/CreateLogStream (AlreadyExists ignored) then retried; InvalidParameter → batch skipped.
// Unlike the agent (whose publisher thread dies on other errors), throttling, 5xx, network and credential
// errors are retried with exponential backoff, so a lab host recovers once the cause is fixed.
//
// Replay batches: the agent re-sent them with the saved sequence token and relied on the service's token
// checks to avoid duplicates, which today's service (and moto) no longer make. The lab agent gives the
// 2020 service's answers itself (see ledger.ts): the very batch accepted before → DataAlreadyAccepted, not
// sent; a different one (push_state repaired by hand) → InvalidSequenceToken, then sent.
import type { EventBatch } from './batch.js';
import { CallError, type InputEvent, type LogsApi } from './client.js';
import type { Logger } from './log.js';
import type { BatchQueue } from './reader.js';
import type { PushState } from './state.js';
import { batchDigest, type AcceptedLedger } from './ledger.js';

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
  /** Digests of accepted batches, to answer for replays as the 2020 service did. */
  ledger?: Pick<AcceptedLedger, 'get' | 'set'>;
  log: PublisherLoggers;
  /** Pause that ends early when the agent stops. */
  sleep: (ms: number) => Promise<void>;
  stopping: () => boolean;
  signal: AbortSignal;
}

export class Publisher {
  sequenceToken: string | null = null;
  private lastPublish = 0;
  busy = false;

  constructor(private readonly d: PublisherDeps) {}

  /** Publishes every queued batch; returns when the queue is empty or the agent stops. */
  async drain(): Promise<void> {
    while (!this.d.stopping()) {
      const batch = this.d.queue.items.shift();
      if (!batch) return;
      this.busy = true;
      try {
        await this.publish(batch);
      } finally {
        this.busy = false;
      }
    }
  }

  private async publish(batch: EventBatch): Promise<void> {
    if (!batch.shouldPublish()) return;
    if (batch.isReplay) {
      this.sequenceToken = batch.sequenceToken;
      const digest = batchDigest(sortedEvents(batch));
      if (this.d.ledger?.get(batch.sourceId!) === digest) {
        this.d.log.publisher.warning(
          'Caught exception: An error occurred (DataAlreadyAcceptedException) when calling the PutLogEvents ' +
            'operation: The given batch of log events has already been accepted.',
        );
        this.record(batch, this.sequenceToken);
        this.sequenceToken = null;
        return;
      }
      this.d.log.publisher.warning(
        'Caught exception: An error occurred (InvalidSequenceTokenException) when calling the PutLogEvents ' +
          'operation: The given sequenceToken is invalid.',
      );
      this.d.log.publisher.warning(
        `Multiple agents might be sending log events to log stream (${this.d.group} ${this.d.stream}) with sequence token (${this.sequenceToken}). This could cause duplicates and is not recommended.`,
      );
      this.sequenceToken = null;
    }
    const wait = MIN_PUT_DELAY - (Date.now() - this.lastPublish);
    if (wait > 0) await this.d.sleep(wait);
    this.lastPublish = Date.now();
    const sent = await this.put(batch);
    if (sent === undefined) return;
    this.d.log.publisher.info(
      `Log group: ${this.d.group}, log stream: ${this.d.stream}, queue size: ${this.d.queue.items.length}, Publish batch: ${batch.debugFields()}`,
    );
  }

  /** The token the batch went with, or undefined when it was not accepted (skipped or stopping). */
  private async put(batch: EventBatch): Promise<string | null | undefined> {
    const events = sortedEvents(batch);
    let token = this.sequenceToken;
    let backoff = 1000;
    for (let attempt = 0; ; attempt++) {
      // Stopping: the call in flight may finish, but nothing is retried.
      if (this.d.stopping() && attempt > 0) return undefined;
      try {
        const next = await this.d.api.putLogEvents(this.d.group, this.d.stream, events, token, this.d.signal);
        this.record(batch, token);
        this.d.ledger?.set(batch.sourceId!, batchDigest(events));
        this.sequenceToken = next;
        return token;
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        if (this.d.signal.aborted) return undefined;
        this.d.log.publisher.warning(`Caught exception: ${err.text}`);
        const fromMessage = TOKEN_IN_MESSAGE.exec(err.text)?.[1] ?? err.expectedSequenceToken;
        if (err.code === 'DataAlreadyAcceptedException') {
          if (fromMessage) token = fromMessage;
          this.sequenceToken = token;
          return undefined;
        }
        if (err.code === 'OperationAbortedException') {
          await this.d.sleep(MIN_PUT_DELAY);
          continue;
        }
        if (err.code === 'InvalidSequenceTokenException') {
          if (fromMessage) {
            this.d.log.publisher.warning(
              `Multiple agents might be sending log events to log stream (${this.d.group} ${this.d.stream}) with sequence token (${token}). This could cause duplicates and is not recommended.`,
            );
            token = fromMessage === 'null' ? null : fromMessage;
          } else {
            this.d.log.publisher.error('Failed to get sequence token.');
            await this.d.sleep(backoff);
            backoff = Math.min(backoff * 2, 30_000);
          }
          continue;
        }
        if (err.code === 'ResourceNotFoundException') {
          await this.setupResources();
          token = null;
          continue;
        }
        if (err.code === 'InvalidParameterException') {
          this.d.log.publisher.warning(`Skip batch: ${batch.debugFields()}, reason: invalid parameter exception.`);
          this.sequenceToken = token;
          return undefined;
        }
        await this.d.sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  private async setupResources(): Promise<void> {
    let delay = 1000;
    for (let attempt = 0; attempt <= 5 && !this.d.stopping(); attempt++) {
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
        if (!(err instanceof CallError) || this.d.signal.aborted) return;
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
