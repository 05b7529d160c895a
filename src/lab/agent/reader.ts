// Reads one source file from its starting position, splits it into events (a line matching the multi-line
// start pattern begins an event; other lines join the event before them), and groups events into batches
// that it hands to the stream's publisher queue. Positions are byte offsets. With a saved push_state, the
// events up to its end_position are "replay" events: they form a batch whose reference time is the saved
// batch_timestamp and which carries the saved sequence token.
import { closeSync, openSync, readSync } from 'node:fs';
import { EventBatch } from './batch.js';
import type { StreamConfig } from './config.js';
import { decode, decoderFor } from './encoding.js';
import { LogEvent, TimestampStatus } from './event.js';
import { lineStartMatcher } from './line-start.js';
import type { BytesMatcher } from '../../agents/awslogs/byte-pattern.js';
import { pyDict, type Logger } from './log.js';
import type { PushState, StreamState } from './state.js';

export interface ReaderLoggers {
  reader: Logger;
  event: Logger;
  batch: Logger;
}

/** Batches waiting for the publisher. The reader stops reading while it holds `capacity` batches. */
export class BatchQueue {
  readonly items: EventBatch[] = [];
  constructor(readonly capacity = 10) {}
  get full(): boolean {
    return this.items.length >= this.capacity;
  }
}

const CHUNK = 64 * 1024;

export class FileReader {
  /** Set by the stream on rotation: read to the end, send what is left, stop. */
  exiting = false;
  alive = true;
  private fd: number | undefined;
  private position = 0;
  private tempLine: Buffer = Buffer.alloc(0);
  private tempLineStart = 0;
  private tempEvent: LogEvent | undefined;
  private prevEvent: { timestamp: number | undefined; status: TimestampStatus } | undefined;
  private batch: EventBatch | undefined;
  private readonly label: string;
  private readonly startsEvent: BytesMatcher;

  /** Throws what the agent's Python raises compiling the multi-line start pattern (PythonError). */
  constructor(
    readonly sourceId: string,
    readonly file: string,
    private readonly config: StreamConfig,
    private readonly pushState: PushState | undefined,
    private readonly streamState: StreamState | undefined,
    private readonly queue: BatchQueue,
    private readonly log: ReaderLoggers,
    private readonly now: () => number = Date.now,
  ) {
    this.label = decoderFor(config.encoding)?.label ?? 'utf-8';
    this.startsEvent = lineStartMatcher(config.multiLineStart);
  }

  open(): void {
    this.fd = openSync(this.file, 'r');
    if (this.pushState) {
      this.position = this.pushState.start_position;
      this.prevEvent = {
        timestamp: this.pushState.first_timestamp,
        status: this.pushState.first_timestamp_status ?? TimestampStatus.NotEvaluated,
      };
      this.log.reader.info(`Replay events end at ${this.pushState.end_position}.`);
    } else if (this.streamState) {
      this.position = this.streamState.source_id === this.sourceId ? this.streamState.initial_position : 0;
    } else {
      this.log.reader.warning('Both stream state and push state are not available.');
      this.position = 0;
    }
    this.log.reader.info(`Start reading file from ${this.position}.`);
  }

  /** Reads what is there; at the end of the file, lets a due batch go. `stopping`: the agent is exiting. */
  step(stopping = false): void {
    if (!this.alive || this.fd === undefined) return;
    if (stopping) {
      this.log.reader.info('Reader is leaving as requested...');
      this.pushEvent();
      this.close();
      return;
    }
    while (!this.queue.full) {
      const buf = Buffer.alloc(CHUNK);
      const n = readSync(this.fd, buf, 0, CHUNK, this.position);
      if (n === 0) break;
      this.consume(buf.subarray(0, n));
    }
    if (this.queue.full) return;
    this.pushEvent();
    if (this.exiting) {
      this.pushEvent(true);
      this.log.reader.info('No data is left. Reader is leaving.');
      this.close();
    }
  }

  private consume(data: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (this.tempLine.length === 0) this.tempLineStart = this.position;
      if (nl < 0) {
        this.tempLine = Buffer.concat([this.tempLine, data.subarray(start)]);
        this.position += data.length - start;
        return;
      }
      const piece = data.subarray(start, nl + 1);
      this.position += piece.length;
      const raw = Buffer.concat([this.tempLine, piece]);
      this.tempLine = Buffer.alloc(0);
      start = nl + 1;
      this.onLine(stripLineEnd(raw));
      // A full queue: the rest of the chunk is read again at the next step.
      if (this.queue.full) return;
    }
  }

  private onLine(bytes: Buffer): void {
    const { text, replaced } = decode(bytes, this.label);
    if (this.tempEvent && !this.startsEvent.test(bytes)) {
      if (replaced) this.warnDecode(this.tempEvent);
      this.tempEvent.appendLine(text);
      this.tempEvent.endPosition = this.position;
      return;
    }
    this.pushEvent();
    const event = new LogEvent(this.sourceId, this.tempLineStart, this.position, this.log.event, this.prevEvent);
    if (replaced) this.warnDecode(event);
    event.appendLine(text);
    if (this.pushState) {
      const delta = this.pushState.end_position - this.position;
      if (delta >= 0) {
        event.replay = {
          isLastReplay: delta === 0,
          batchTimestamp: this.pushState.batch_timestamp,
          sequenceToken: this.pushState.sequence_token,
        };
      }
    }
    this.tempEvent = event;
  }

  private warnDecode(event: LogEvent): void {
    this.log.event.warning(
      `Decode event with replace: ${pyDict(event.debugFields())}, reason: unable to decode with ${this.config.encoding}.`,
    );
  }

  /** Completes the pending event, adds it to the batch, and queues the batch when it is due or full. */
  private pushEvent(force = false): void {
    let full = false;
    const event = this.tempEvent;
    if (event) {
      if (!event.complete(this.config.dateTimeParser, this.now)) {
        if (event.status === TimestampStatus.FallbackCurrentTime) {
          this.log.reader.warning(
            `Fall back to current time: ${pyDict(event.debugFields())}, reason: timestamp could not be parsed from message. `,
          );
        } else {
          this.log.reader.warning(
            `Fall back to previous event time: ${pyDict(event.debugFields())}, previousEventTime: ${event.prevTimestamp}, reason: timestamp could not be parsed from message.`,
          );
        }
      }
      if (this.addEvent(event) === 'full') full = true;
    }
    const batch = this.batch;
    if (batch && (full || batch.shouldPublish() || (force && batch.events.length > 0))) {
      batch.forcePublish = true;
      this.queue.items.push(batch);
      this.batch = undefined;
      if (full && event) {
        this.addEvent(event);
        if (force) {
          this.tempEvent = undefined;
          this.prevEvent = { timestamp: event.timestamp, status: event.status };
          this.pushEvent(true);
          return;
        }
      }
    }
    if (event) {
      this.prevEvent = { timestamp: event.timestamp, status: event.status };
      this.tempEvent = undefined;
    }
  }

  private addEvent(event: LogEvent): ReturnType<EventBatch['add']> {
    this.batch ??= new EventBatch(
      this.config.bufferDuration,
      this.config.batchCount,
      this.config.batchSize,
      this.log.batch,
      this.now,
    );
    return this.batch.add(event);
  }

  close(): void {
    this.alive = false;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Python's `rstrip(b'\r\n')`: every trailing CR and LF. */
function stripLineEnd(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--;
  return b.subarray(0, end);
}
