// The three CloudWatch Logs calls the agent makes, behind a small interface so the publisher can be tested
// without a network. Errors come back as CallError, whose text is worded as botocore words them
// (`An error occurred (Code) when calling the Op operation: message`), since the agent logs that text.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Credentials } from './credentials.js';

export interface InputEvent {
  timestamp: number;
  message: string;
}

export interface LogsApi {
  putLogEvents(
    group: string,
    stream: string,
    events: InputEvent[],
    sequenceToken: string | null,
    signal?: AbortSignal,
  ): Promise<string | null>;
  createLogGroup(group: string, signal?: AbortSignal): Promise<void>;
  createLogStream(group: string, stream: string, signal?: AbortSignal): Promise<void>;
}

export class CallError extends Error {
  constructor(
    /** The service's error code, or a client-side kind (`NoCredentials`, `EndpointConnectionError`). */
    readonly code: string,
    /** What the agent logs after `Caught exception: `. */
    readonly text: string,
    /** Worth retrying after a pause: throttling, 5xx, network. */
    readonly retryable: boolean,
    readonly expectedSequenceToken?: string,
  ) {
    super(text);
    this.name = 'CallError';
  }
}

export interface ClientOptions {
  region: string;
  credentials?: Credentials;
  endpoint?: string;
}

export function sdkLogsApi(opts: ClientOptions): LogsApi {
  const client = opts.credentials
    ? new CloudWatchLogsClient({
        region: opts.region,
        credentials: opts.credentials,
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 },
      })
    : undefined;
  const endpoint = opts.endpoint ?? `https://logs.${opts.region}.amazonaws.com`;
  async function call<T>(op: string, run: (c: CloudWatchLogsClient) => Promise<T>): Promise<T> {
    if (!client) throw new CallError('NoCredentials', 'Unable to locate credentials', true);
    try {
      return await run(client);
    } catch (err) {
      throw toCallError(err, op, endpoint);
    }
  }
  return {
    putLogEvents: (group, stream, events, token, signal) =>
      call('PutLogEvents', async (c) => {
        const out = await c.send(
          new PutLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            logEvents: events,
            ...(token ? { sequenceToken: token } : {}),
          }),
          { abortSignal: signal },
        );
        return out.nextSequenceToken ?? null;
      }),
    createLogGroup: (group, signal) =>
      call('CreateLogGroup', async (c) => {
        await c.send(new CreateLogGroupCommand({ logGroupName: group }), { abortSignal: signal });
      }),
    createLogStream: (group, stream, signal) =>
      call('CreateLogStream', async (c) => {
        await c.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }), {
          abortSignal: signal,
        });
      }),
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function toCallError(err: unknown, op: string, endpoint: string): CallError {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    expectedSequenceToken?: string;
  };
  const status = e.$metadata?.httpStatusCode;
  if (
    status === undefined &&
    (NETWORK_CODES.has(e.code ?? '') || e.name === 'TimeoutError' || e.name === 'AbortError')
  ) {
    return new CallError('EndpointConnectionError', `Could not connect to the endpoint URL: "${endpoint}/"`, true);
  }
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Unknown');
  const retryable =
    /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable/.test(code) ||
    (status !== undefined && status >= 500) ||
    e.$fault === 'server' ||
    status === undefined;
  const text = `An error occurred (${code}) when calling the ${op} operation: ${e.message ?? ''}`;
  return new CallError(code, text, retryable, e.expectedSequenceToken);
}
