// The configuration every AWS SDK client of the tool shares (region, endpoint, profile, retries) and the
// middleware that keeps error answers readable. Apart from clients.ts so that a run needing one client (SSM)
// loads that client only.
import { ERROR_BODY } from './errors.js';

export interface AwsTarget {
  region: string;
  /** An explicit endpoint (the inventory's aws_endpoint_url); absent: the SDK's own resolution. */
  endpointUrl?: string;
  /** A named profile of the shared files; absent: AWS_PROFILE or default. */
  profile?: string;
  /** Explicit keys instead of the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call, retries included; 5 unless told. */
  maxAttempts?: number;
}

/** The shared configuration of every client: region, endpoint, profile, standard retries. */
export function clientConfig(target: AwsTarget) {
  // The tool never asks the instance metadata service for anything (it runs on an operator's machine).
  process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
  return {
    region: target.region,
    ...retryConfig(target.maxAttempts),
    ...(target.endpointUrl ? { endpoint: target.endpointUrl } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
}

/**
 * The SDK's standard retry mode (throttling, 5xx and dropped connections retried with exponential backoff
 * and jitter, as AWS's guidance says), 5 attempts per call unless told.
 */
export function retryConfig(maxAttempts = 5) {
  return { retryMode: 'standard' as const, maxAttempts };
}

/**
 * Keeps the raw text of every error answer (HTTP 4xx/5xx) on the response the SDK attaches to its error.
 * An endpoint that answers a JSON-protocol service in XML (moto does, for refused signatures and denied
 * actions) gets a SyntaxError from the SDK, with AWS's code and message lost; errorBodyOf reads them back.
 */
export function keepErrorBodies<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(client: C): C {
  const stack = client.middlewareStack as unknown as {
    add(
      mw: (
        next: (args: unknown) => Promise<{ response: unknown }>,
      ) => (args: unknown) => Promise<{ response: unknown }>,
      options: { step: 'deserialize'; priority: 'low'; name: string },
    ): void;
  };
  stack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if ((response.statusCode ?? 200) >= 400 && response.body && typeof response.body === 'object') {
        const body = response.body as AsyncIterable<Uint8Array> | Uint8Array;
        let bytes: Uint8Array;
        if (body instanceof Uint8Array) bytes = body;
        else {
          const chunks: Buffer[] = [];
          for await (const chunk of body) chunks.push(Buffer.from(chunk));
          bytes = Buffer.concat(chunks);
        }
        response.body = bytes;
        Object.defineProperty(response, ERROR_BODY, { value: Buffer.from(bytes).toString('utf8').slice(0, 4096) });
      }
      return result;
    },
    // Inside the SDK's deserializer (low priority runs closer to the wire): it sees the answer first.
    { step: 'deserialize', priority: 'low', name: 'awslogsProvisionKeepErrorBody' },
  );
  return client;
}
