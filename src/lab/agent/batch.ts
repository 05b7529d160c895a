// A batch of events for one PutLogEvents call, with the agent's rules: one source; replay and new events
// never mixed; at most batch_count events and batch_size bytes (+26 per event); a 24 h span at most; and
// each event checked against the batch's reference time (`batch_timestamp`: when its first event was
// added, or the saved one for a replay batch): more than 2 h after it or 14 days before it → skipped.
import type { LogEvent } from './event.js';
import { TimestampStatus } from './event.js';
import { pyDict, type Logger } from './log.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const MAX_TIME_RANGE = DAY;
export const MAX_IN_FUTURE = 2 * HOUR;
export const MAX_IN_PAST = 14 * DAY;

export type AddResult = 'added' | 'invalid' | 'full';

export class EventBatch {
  events: LogEvent[] = [];
  sourceId: string | undefined;
  batchTimestamp = 0;
  isReplay = false;
  sequenceToken: string | null = null;
  forcePublish = false;
  sizeInBytes = 0;
  skippedCount = 0;
  fallbackCount = 0;
  private smallest: number | undefined;
  private largest: number | undefined;

  constructor(
    readonly bufferDuration: number,
    readonly maxCount: number,
    readonly maxSize: number,
    private readonly batchLog: Logger,
    private readonly now: () => number,
  ) {}

  get firstEvent(): LogEvent | undefined {
    return this.events[0];
  }

  get lastEvent(): LogEvent | undefined {
    return this.events[this.events.length - 1];
  }

  /** 'full' also sets forcePublish: the event belongs in the next batch. */
  add(event: LogEvent): AddResult {
    if (this.events.length === 0) {
      // Until an event is in, each candidate (re)defines the batch's source, kind and reference time.
      this.sourceId = event.sourceId;
      this.batchTimestamp = this.now();
      this.isReplay = event.isReplay;
      if (event.replay) {
        this.sequenceToken = event.replay.sequenceToken;
        this.batchTimestamp = event.replay.batchTimestamp;
      }
    }
    if (!this.valid(event)) {
      this.skippedCount += 1;
      return 'invalid';
    }
    if (!this.canAdd(event)) {
      this.forcePublish = true;
      return 'full';
    }
    if (event.status !== TimestampStatus.Valid) this.fallbackCount += 1;
    this.events.push(event);
    this.sizeInBytes += event.sizeInBytes;
    const ts = event.timestamp!;
    if (this.smallest === undefined || ts < this.smallest) this.smallest = ts;
    if (this.largest === undefined || ts > this.largest) this.largest = ts;
    return 'added';
  }

  shouldPublish(): boolean {
    if (this.events.length === 0) return false;
    if (this.isReplay) return this.lastEvent!.replay!.isLastReplay || this.forcePublish;
    if (this.forcePublish) return true;
    return this.now() - this.batchTimestamp >= this.bufferDuration;
  }

  private canAdd(event: LogEvent): boolean {
    if (this.events.length === 0) return true;
    if (event.sourceId !== this.sourceId) return false;
    if (event.isReplay !== this.isReplay) return false;
    if (this.sizeInBytes + event.sizeInBytes > this.maxSize) return false;
    if (this.events.length + 1 > this.maxCount) return false;
    const ts = event.timestamp!;
    const range = Math.max(this.largest!, ts) - Math.min(this.smallest!, ts);
    return range <= MAX_TIME_RANGE;
  }

  private valid(event: LogEvent): boolean {
    if (event.message.trim() === '') return false;
    const ts = event.timestamp!;
    if (ts > this.batchTimestamp + MAX_IN_FUTURE) {
      this.batchLog.warning(
        `Skip event: ${pyDict(event.debugFields())}, reason: timestamp is more than 2 hours in future.`,
      );
      return false;
    }
    if (ts < this.batchTimestamp - MAX_IN_PAST) {
      this.batchLog.warning(
        `Skip event: ${pyDict(event.debugFields())}, reason: timestamp is more than 14 days in past.`,
      );
      return false;
    }
    return true;
  }

  debugFields(): string {
    const first = this.firstEvent ? pyDict(this.firstEvent.debugFields()) : 'None';
    const last = this.lastEvent ? pyDict(this.lastEvent.debugFields()) : 'None';
    return (
      `{'source_id': '${this.sourceId ?? ''}', 'num_of_events': ${this.events.length}, ` +
      `'skipped_events_count': ${this.skippedCount}, 'fallback_events_count': ${this.fallbackCount}, ` +
      `'batch_size_in_bytes': ${this.sizeInBytes}, 'first_event': ${first}, 'last_event': ${last}}`
    );
  }
}
