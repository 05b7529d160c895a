// The three CloudWatch Logs calls the agent makes, behind a small interface so the publisher can be tested
// without a network. Errors come back as CallError, whose text is worded as botocore words them
// (`An error occurred (Code) when calling the Op operation: message`), since the agent logs that text.
// As botocore does for the agent: throttling, 5xx and connection errors are retried (5 attempts in all, with
// its exponential backoff of random() * 2^n s) before the error reaches the publisher; with
// `use_gzip_http_content_encoding` a PutLogEvents body over 1 KiB is sent gzipped (Content-Encoding: gzip),
// compressed before it is signed, as the agent's before-sign hook does.
import { gzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Credentials } from './credentials.js';
import { keepErrorBodies } from '../../clouds/aws/clients.js';
import { errorCode, errorMessage } from '../../clouds/aws/errors.js';

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

  /** The botocore exception class the agent's traceback ends with. */
  get pythonClass(): string {
    if (this.code === 'EndpointConnectionError') return 'botocore.exceptions.EndpointConnectionError';
    if (this.code === 'NoCredentials') return 'botocore.exceptions.NoCredentialsError';
    return 'botocore.exceptions.ClientError';
  }
}

export interface ClientOptions {
  region: string;
  credentials?: Credentials;
  endpoint?: string;
  /** Gzip PutLogEvents bodies over 1 KiB (use_gzip_http_content_encoding, default true). */
  gzip?: boolean;
  /** botocore's attempts per call (5); the pause before retry n is random() * 2^(n-1) s. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Bodies larger than this are gzipped (the agent's compress_request_payload). */
export const GZIP_MIN_BYTES = 1024;

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
  // moto answers a refused JSON-protocol call in XML: its code and message are read from the raw answer.
  if (client) keepErrorBodies(client);
  if (client && opts.gzip !== false) addGzip(client);
  const endpoint = opts.endpoint ?? `https://logs.${opts.region}.amazonaws.com`;
  const attempts = opts.maxAttempts ?? 5;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  async function call<T>(op: string, run: (c: CloudWatchLogsClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!client) throw new CallError('NoCredentials', 'Unable to locate credentials', false);
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(client);
      } catch (err) {
        const e = toCallError(err, op, endpoint);
        if (!e.retryable || attempt >= attempts || signal?.aborted) throw retried(e, attempt);
        await sleep(Math.random() * 2 ** (attempt - 1) * 1000);
      }
    }
  }
  return {
    putLogEvents: (group, stream, events, token, signal) =>
      call(
        'PutLogEvents',
        async (c) => {
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
        },
        signal,
      ),
    createLogGroup: (group, signal) =>
      call(
        'CreateLogGroup',
        async (c) => {
          await c.send(new CreateLogGroupCommand({ logGroupName: group }), { abortSignal: signal });
        },
        signal,
      ),
    createLogStream: (group, stream, signal) =>
      call(
        'CreateLogStream',
        async (c) => {
          await c.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }), {
            abortSignal: signal,
          });
        },
        signal,
      ),
  };
}

/** botocore says how often it tried a service error it retried. */
function retried(e: CallError, attempt: number): CallError {
  if (attempt <= 1 || e.code === 'EndpointConnectionError') return e;
  const text = e.text.replace(/ operation: /, ` operation (reached max retries: ${attempt - 1}): `);
  return new CallError(e.code, text, e.retryable, e.expectedSequenceToken);
}

/** Gzips PutLogEvents bodies over 1 KiB before they are signed (the build step runs before signing). */
function addGzip(client: CloudWatchLogsClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      const raw = request.body;
      if (
        context.commandName === 'PutLogEventsCommand' &&
        request.headers &&
        (typeof raw === 'string' || raw instanceof Uint8Array)
      ) {
        const body = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
        if (body.length > GZIP_MIN_BYTES) {
          const packed = gzipSync(body);
          request.body = packed;
          request.headers['content-encoding'] = 'gzip';
          request.headers['content-length'] = String(packed.length);
        }
      }
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'cwlogsGzipMiddleware' },
  );
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
  const code = e.name && e.name !== 'Error' ? errorCode(err) : (e.code ?? 'Unknown');
  const retryable =
    /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable/.test(code) ||
    (status !== undefined && status >= 500) ||
    e.$fault === 'server' ||
    status === undefined;
  const text = `An error occurred (${code}) when calling the ${op} operation: ${e.message === undefined ? '' : errorMessage(err)}`;
  return new CallError(code, text, retryable, e.expectedSequenceToken);
}
