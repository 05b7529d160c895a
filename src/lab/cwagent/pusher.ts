// One log group/stream target of the agent (outputs.cloudwatchlogs): events more than 14 days old or 2 hours
// ahead are dropped on the host with the agent's log line; the rest are batched (≤ 10,000 events, ≤ 1 MiB with
// 26 bytes per event, ≤ 24 h span, in time order) and sent every force_flush_interval. Failed sends are
// retried with backoff; InvalidParameterException and DataAlreadyAcceptedException are not. Only a batch
// CloudWatch Logs accepted moves the files' read positions (onAccepted).
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type LogGroupClass,
} from '@aws-sdk/client-cloudwatch-logs';
import { errorCode as awsErrorCode, errorMessage } from '../../clouds/aws/errors.js';
import { goTime, type AgentLog } from './log.js';

export interface Event {
  timestamp: number;
  message: string;
  /** The file the event came from and the byte offset just after it. */
  file: string;
  endOffset: number;
}

const MAX_EVENTS = 10_000;
const MAX_BYTES = 1024 * 1024;
const EVENT_OVERHEAD = 26;
const DAY = 86_400_000;
const NOT_RETRIED = new Set(['InvalidParameterException', 'DataAlreadyAcceptedException']);

export interface Target {
  group: string;
  stream: string;
  retentionInDays: number;
  groupClass: string;
}

export class Pusher {
  private queue: Event[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private streamReady = false;
  private stopped = false;

  constructor(
    private readonly client: CloudWatchLogsClient,
    readonly target: Target,
    private readonly flushMs: number,
    private readonly log: AgentLog,
    private readonly onAccepted: (events: Event[]) => void,
  ) {
    this.timer = setInterval(() => this.flush(), flushMs);
    void this.putRetention();
  }

  private where(): string {
    return `${this.target.group}/${this.target.stream}`;
  }

  add(e: Event): void {
    const now = Date.now();
    if (e.timestamp < now - 14 * DAY || e.timestamp > now + 2 * 3_600_000) {
      this.log.error(
        `[outputs.cloudwatchlogs] The log entry in (${this.where()}) with timestamp (${goTime(e.timestamp)}) comparing to the current time (${goTime(now)}) is out of accepted time range. Discard the log entry.`,
      );
      return;
    }
    this.queue.push(e);
  }

  /** Sends what is queued, batch after batch; one send at a time. */
  flush(): Promise<void> {
    this.sending = this.sending.then(async () => {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        await this.send(batch);
      }
    });
    return this.sending;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private takeBatch(): Event[] {
    const sorted = [...this.queue].sort((a, b) => a.timestamp - b.timestamp);
    const batch: Event[] = [];
    let bytes = 0;
    for (const e of sorted) {
      const size = Buffer.byteLength(e.message) + EVENT_OVERHEAD;
      if (batch.length >= MAX_EVENTS || bytes + size > MAX_BYTES) break;
      if (batch.length > 0 && e.timestamp - batch[0]!.timestamp > DAY) break;
      batch.push(e);
      bytes += size;
    }
    const taken = new Set(batch);
    this.queue = this.queue.filter((e) => !taken.has(e));
    return batch;
  }

  private async send(batch: Event[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.streamReady) await this.createStream();
        await this.client.send(
          new PutLogEventsCommand({
            logGroupName: this.target.group,
            logStreamName: this.target.stream,
            logEvents: batch.map((e) => ({ timestamp: e.timestamp, message: e.message })),
          }),
        );
        this.onAccepted(batch);
        return;
      } catch (err) {
        const code = errorCode(err);
        if (code === 'ResourceNotFoundException') this.streamReady = false;
        this.log.error(
          `[outputs.cloudwatchlogs] Aws error received when sending logs to ${this.where()}: ${code}: ${errorMessage(err)}`,
        );
        if (NOT_RETRIED.has(code)) return;
        if (this.stopped && attempt >= 1) {
          this.log.error(
            `[outputs.cloudwatchlogs] All ${attempt + 1} retries to ${this.where()} failed for PutLogEvents, request dropped.`,
          );
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 10_000)));
      }
    }
  }

  private async createStream(): Promise<void> {
    try {
      await this.client.send(
        new CreateLogStreamCommand({ logGroupName: this.target.group, logStreamName: this.target.stream }),
      );
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ResourceNotFoundException') {
        await this.createGroup();
        await this.client.send(
          new CreateLogStreamCommand({ logGroupName: this.target.group, logStreamName: this.target.stream }),
        );
      } else if (code !== 'ResourceAlreadyExistsException') throw err;
    }
    this.streamReady = true;
  }

  private async createGroup(): Promise<void> {
    try {
      await this.client.send(
        new CreateLogGroupCommand({
          logGroupName: this.target.group,
          ...(this.target.groupClass ? { logGroupClass: this.target.groupClass as LogGroupClass } : {}),
        }),
      );
    } catch (err) {
      if (errorCode(err) !== 'ResourceAlreadyExistsException') throw err;
    }
    await this.putRetention();
  }

  private async putRetention(): Promise<void> {
    if (this.target.retentionInDays <= 0) return;
    try {
      await this.client.send(
        new PutRetentionPolicyCommand({
          logGroupName: this.target.group,
          retentionInDays: this.target.retentionInDays,
        }),
      );
      this.log.info(
        `[outputs.cloudwatchlogs] Retention policy of ${this.target.retentionInDays} days set for log group ${this.target.group}`,
      );
    } catch (err) {
      const code = errorCode(err);
      // The group may not exist yet: it is set again once the group is made.
      if (code !== 'ResourceNotFoundException')
        this.log.error(
          `[outputs.cloudwatchlogs] Unable to put retention policy for log group ${this.target.group}: ${code}: ${errorMessage(err)}`,
        );
    }
  }
}

/**
 * The error's code as CloudWatch Logs names it. moto refuses an unauthorised call with IAM's XML `AccessDenied`;
 * the real service answers `AccessDeniedException`, which is what the real agent logs.
 */
export function errorCode(err: unknown): string {
  const code = awsErrorCode(err);
  return code === 'AccessDenied' ? 'AccessDeniedException' : code;
}
