// CloudWatch Logs, read side: did a probe line arrive, what came last, how many lines say something.
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsCallFailed, awsCall } from './errors.js';

export type ProbeState = 'arrived' | 'stream-missing' | 'group-missing' | 'not-yet';

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime?: number;
}

export interface ProbeQuery {
  group: string;
  stream: string;
  /** A line the probe wrote; matched as a substring of an event's message. */
  text: string;
  /** Only events at or after this time (epoch ms) count. */
  sinceMs: number;
}

export class CloudWatchLogs {
  constructor(readonly client: CloudWatchLogsClient) {}

  async groupExists(group: string): Promise<boolean> {
    let token: string | undefined;
    do {
      const out = await awsCall('DescribeLogGroups', group, () =>
        this.client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group, nextToken: token })),
      );
      if ((out.logGroups ?? []).some((g) => g.logGroupName === group)) return true;
      token = out.nextToken;
    } while (token);
    return false;
  }

  /** Whether the stream exists; undefined when its group does not. */
  async streamExists(group: string, stream: string): Promise<boolean | undefined> {
    let token: string | undefined;
    try {
      do {
        const out = await awsCall('DescribeLogStreams', `${group}/${stream}`, () =>
          this.client.send(
            new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: stream, nextToken: token }),
          ),
        );
        if ((out.logStreams ?? []).some((s) => s.logStreamName === stream)) return true;
        token = out.nextToken;
      } while (token);
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
    return false;
  }

  async findProbe(q: ProbeQuery): Promise<ProbeState> {
    if (!(await this.groupExists(q.group))) return 'group-missing';
    const stream = await this.streamExists(q.group, q.stream);
    if (stream === undefined) return 'group-missing';
    if (!stream) return 'stream-missing';
    let arrived = false;
    await this.eachMatching(q.group, q.stream, q.text, q.sinceMs, () => {
      arrived = true;
      return false;
    });
    return arrived ? 'arrived' : 'not-yet';
  }

  /** The last n events of the stream, oldest first; [] when the group or stream is missing. */
  async lastEvents(group: string, stream: string, n: number): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    let token: string | undefined;
    try {
      while (events.length < n) {
        const out = await awsCall('GetLogEvents', `${group}/${stream}`, () =>
          this.client.send(
            new GetLogEventsCommand({
              logGroupName: group,
              logStreamName: stream,
              startFromHead: false,
              limit: Math.min(n - events.length, 10_000),
              nextToken: token,
            }),
          ),
        );
        const page = (out.events ?? []).map(toEvent);
        events.unshift(...page);
        // Backwards paging ends when the token comes back unchanged (or the page is empty).
        if (page.length === 0 || !out.nextBackwardToken || out.nextBackwardToken === token) break;
        token = out.nextBackwardToken;
      }
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
    return events.slice(-n);
  }

  /** When the stream's newest event happened (epoch ms), or undefined when it has none. */
  async lastEventTime(group: string, stream: string): Promise<number | undefined> {
    const [last] = await this.lastEvents(group, stream, 1);
    return last?.timestamp;
  }

  /** How many events of the stream contain text. */
  async countEvents(group: string, stream: string, text: string, sinceMs = 0): Promise<number> {
    let count = 0;
    try {
      await this.eachMatching(group, stream, text, sinceMs, () => {
        count++;
        return true;
      });
    } catch (err) {
      if (missing(err)) return 0;
      throw err;
    }
    return count;
  }

  /**
   * The stream's events between fromMs and toMs whose message ends with `line` (a multi-line event ends with
   * its last line), with their ingestion times; undefined when the group or stream does not exist. At most
   * `maxPages` pages are read (the restart discipline asks about one batch, not a history).
   */
  async eventsEndingWith(
    group: string,
    stream: string,
    line: string,
    fromMs: number,
    toMs: number,
    maxPages = 50,
  ): Promise<LogEvent[] | undefined> {
    const found: LogEvent[] = [];
    let token: string | undefined;
    // An exact phrase narrows the search on AWS's side where the line can be one; the check below decides.
    const phrase =
      line.length <= 512 && !/["\\]/.test(line) && line.trim() === line && line !== '' ? `"${line}"` : undefined;
    try {
      for (let page = 0; page < maxPages; page++) {
        const out = await awsCall('FilterLogEvents', `${group}/${stream}`, () =>
          this.client.send(
            new FilterLogEventsCommand({
              logGroupName: group,
              logStreamNames: [stream],
              startTime: Math.max(0, Math.floor(fromMs)),
              endTime: Math.floor(toMs),
              ...(phrase ? { filterPattern: phrase } : {}),
              nextToken: token,
            }),
          ),
        );
        for (const e of out.events ?? []) {
          const event = toEvent(e);
          if (event.message === line || event.message.endsWith(`\n${line}`)) found.push(event);
        }
        token = out.nextToken;
        if (!token) return found;
      }
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
    throw new Error(`more than ${maxPages} pages of events in ${group}/${stream} around the batch`);
  }

  /** Calls visit for every event containing text until it returns false; every page, in order. */
  private async eachMatching(
    group: string,
    stream: string,
    text: string,
    sinceMs: number,
    visit: (e: LogEvent) => boolean,
  ): Promise<void> {
    let token: string | undefined;
    do {
      const out = await awsCall('FilterLogEvents', `${group}/${stream}`, () =>
        this.client.send(
          new FilterLogEventsCommand({
            logGroupName: group,
            logStreamNames: [stream],
            startTime: sinceMs,
            // An exact-phrase pattern narrows the search on AWS's side; the substring check below decides.
            ...(text !== '' && !text.includes('"') ? { filterPattern: `"${text}"` } : {}),
            nextToken: token,
          }),
        ),
      );
      for (const e of out.events ?? []) {
        const event = toEvent(e);
        if (event.message.includes(text) && !visit(event)) return;
      }
      token = out.nextToken;
    } while (token);
  }
}

function toEvent(e: { timestamp?: number; message?: string; ingestionTime?: number }): LogEvent {
  return {
    timestamp: e.timestamp ?? 0,
    message: e.message ?? '',
    ...(e.ingestionTime !== undefined ? { ingestionTime: e.ingestionTime } : {}),
  };
}

function missing(err: unknown): boolean {
  return err instanceof AwsCallFailed && err.code === 'ResourceNotFoundException';
}
