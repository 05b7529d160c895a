// What the migration's lab tests share: every event of a stream (paged from its head), how often each numbered
// line (`seq=N`) appears in a list of messages, the writer that appends numbered lines to both lab logs, and the
// check that each of them arrived exactly once.
import assert from 'node:assert/strict';
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { awsClients } from '../../../src/clouds/aws/clients.js';
import { AWS_REGION, endpointUrl } from '../../../src/lab/layout.js';
import { LAB_AWS_ENV, waitFor } from '../doctor/support.js';

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

export const APP = '/var/log/app/app.log';
export const MESSAGES = '/var/log/messages';
const STOP = '/tmp/migrate-writer.stop';
const COUNT = '/tmp/migrate-writer.count';

/** Ten numbered lines a second to each log, each with the timestamp its section parses, until stopWriter. */
export const WRITER = `rm -f ${STOP} ${COUNT}; setsid sh -c 'n=0; while [ ! -e ${STOP} ]; do n=$((n+1)); echo "$(date -u "+%Y-%m-%d %H:%M:%S") app seq=$n" >> ${APP}; echo "$(date "+%b %d %H:%M:%S") writer: seq=$n" >> ${MESSAGES}; echo $n > ${COUNT}; sleep 0.1; done; echo done >> ${COUNT}' </dev/null >/dev/null 2>&1 &`;
export const STOP_WRITER = `touch ${STOP}`;

/** A shell on a lab host (over SSH, or nsenter when sshd is stopped): its stdout, or it throws. */
export type OnHost = (name: string, command: string) => Promise<string>;

/** Stops the writer of each host; how many lines it wrote to each log. */
export async function stopWriters(names: readonly string[], sh: OnHost): Promise<Map<string, number>> {
  const written = new Map<string, number>();
  for (const name of names) {
    await sh(name, STOP_WRITER);
    const text = await waitFor(`${name}'s writer to stop`, async () => {
      const t = await sh(name, `cat ${COUNT}`);
      return t.includes('done') ? t : undefined;
    });
    written.set(name, Number(text.split('\n')[0]));
  }
  return written;
}

/**
 * Every numbered line of each host's two logs in the lab's CloudWatch Logs exactly once: the app log in
 * `/lab/app` (stream: the host's name), the syslog in `/var/log/messages` (stream: its instance id). Waits up to
 * two minutes for the last lines, then names what is missing and what arrived twice.
 */
export async function assertEveryLineOnce(written: Map<string, number>, sh: OnHost): Promise<void> {
  Object.assign(process.env, LAB_AWS_ENV);
  const clients = awsClients({ region: AWS_REGION, endpointUrl: endpointUrl() });
  try {
    for (const [name, total] of written) {
      const instanceId = (await sh(name, 'cat /var/lib/cloud/data/instance-id')).trim();
      for (const [group, stream] of [
        ['/lab/app', name],
        [MESSAGES, instanceId],
      ] as const) {
        const count = async () => seqs((await streamEvents(clients.logs, group, stream)).map((e) => e.message));
        const seen = await waitFor(
          `every line of ${name} in ${group} / ${stream}`,
          async () => {
            const s = await count();
            return s.size >= total ? s : undefined;
          },
          120_000,
        ).catch(count);
        const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !seen.has(n));
        const twice = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
        assert.deepEqual({ missing, twice }, { missing: [], twice: [] }, `${name} ${group}: ${total} lines written`);
      }
    }
  } finally {
    clients.destroy();
  }
}
