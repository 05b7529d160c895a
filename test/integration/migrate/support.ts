// What the migration's lab tests share: every event of a stream (paged from its head), and how often each
// numbered line (`seq=N`) appears in a list of messages.
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

export interface StreamEvent {
  message: string;
  timestamp: number;
  ingestionTime: number;
}

/** Every event of the stream, oldest first; none when the stream does not exist. */
export async function streamEvents(
  client: CloudWatchLogsClient,
  group: string,
  stream: string,
): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  let token: string | undefined;
  for (;;) {
    let page;
    try {
      page = await client.send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }),
      );
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return out;
      throw err;
    }
    for (const e of page.events ?? [])
      out.push({ message: e.message ?? '', timestamp: e.timestamp ?? 0, ingestionTime: e.ingestionTime ?? 0 });
    if (!page.nextForwardToken || page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}

/** seq → how many times it appears (a multi-line event may hold several). */
export function seqs(messages: string[]): Map<number, number> {
  const seen = new Map<number, number>();
  for (const m of messages)
    for (const s of m.matchAll(/seq=(\d+)/g)) seen.set(Number(s[1]), (seen.get(Number(s[1])) ?? 0) + 1);
  return seen;
}
