// One log event as the agent builds it: the first line and its continuation lines, its byte positions in
// the file, its size for batching (UTF-8 bytes + 26, +1 per joined line), and its timestamp with the
// agent's fallbacks (previous event's time, else now) and their warnings.
import type { DateTimeParser } from './datetime-parser.js';
import { pyDict, type Logger } from './log.js';

export const PER_EVENT_OVERHEAD = 26;
export const MAX_EVENT_SIZE = 262144;

export enum TimestampStatus {
  NotEvaluated = 0,
  Valid = 1,
  FallbackCurrentTime = 2,
  FallbackPreviousEventTime = 3,
}

export interface ReplayInfo {
  /** True for the event ending exactly at the saved end_position. */
  isLastReplay: boolean;
  batchTimestamp: number;
  sequenceToken: string | null;
}

export class LogEvent {
  message = '';
  sizeInBytes = 0;
  timestamp: number | undefined;
  status: TimestampStatus = TimestampStatus.NotEvaluated;
  prevTimestamp: number | undefined;
  prevStatus: TimestampStatus = TimestampStatus.NotEvaluated;
  replay: ReplayInfo | undefined;

  constructor(
    readonly sourceId: string,
    readonly startPosition: number,
    public endPosition: number,
    private readonly eventLog: Logger,
    prev?: { timestamp: number | undefined; status: TimestampStatus },
  ) {
    if (prev) {
      this.prevTimestamp = prev.timestamp;
      this.prevStatus = prev.status;
    }
  }

  get isReplay(): boolean {
    return this.replay !== undefined;
  }

  /** Adds a line; an event over 256 KiB gets `[TRUNCATED MESSAGE] N bytes are truncated.` instead. */
  appendLine(line: string): void {
    let text = line;
    let size = Buffer.byteLength(text, 'utf8');
    const first = this.message === '' && this.sizeInBytes === 0;
    const over = first ? size > MAX_EVENT_SIZE - PER_EVENT_OVERHEAD : this.sizeInBytes + size > MAX_EVENT_SIZE - 1;
    if (over) {
      this.eventLog.warning(`Truncate event: ${pyDict(this.debugFields())}, reason: single event exceeds size limit.`);
      text = `[TRUNCATED MESSAGE] ${size} bytes are truncated.`;
      size = text.length;
      if (!first && this.sizeInBytes + size > MAX_EVENT_SIZE - 1) return;
    }
    if (first) {
      this.message = text;
      this.sizeInBytes = size + PER_EVENT_OVERHEAD;
    } else {
      this.message += '\n' + text;
      this.sizeInBytes += size + 1;
    }
  }

  /**
   * Sets the timestamp. Returns false when it fell back (to the previous event's time when that one was
   * parsed or itself fell back to a previous time, else to now).
   */
  complete(parser: DateTimeParser | undefined, now: () => number): boolean {
    if (this.timestamp) {
      this.status = TimestampStatus.Valid;
      return true;
    }
    if (parser === undefined) {
      this.timestamp = now();
      this.status = TimestampStatus.Valid;
      return true;
    }
    let parsed: number | undefined;
    try {
      parsed = parser.parse(this.message);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      this.timestamp = parsed;
      this.status = TimestampStatus.Valid;
      return true;
    }
    if (
      this.prevTimestamp &&
      this.prevStatus !== TimestampStatus.FallbackCurrentTime &&
      this.prevStatus !== TimestampStatus.NotEvaluated
    ) {
      this.status = TimestampStatus.FallbackPreviousEventTime;
      this.timestamp = this.prevTimestamp;
    } else {
      this.status = TimestampStatus.FallbackCurrentTime;
      this.timestamp = now();
    }
    return false;
  }

  debugFields(): Record<string, number | null> {
    return {
      timestamp: this.timestamp ?? null,
      start_position: this.startPosition,
      end_position: this.endPosition,
    };
  }
}
