// AWS failures as errors that carry what was asked of which resource, and what AWS answered.

export class AwsCallFailed extends Error {
  constructor(
    readonly operation: string,
    readonly resource: string,
    /** AWS's error code (e.g. AccessDenied, NoSuchEntity), or the SDK's error name. */
    readonly code: string,
    readonly awsMessage: string,
    readonly httpStatus?: number,
  ) {
    super(`${operation} ${resource}: ${code}: ${awsMessage}`);
    this.name = 'AwsCallFailed';
  }
}

export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string };
  const code = e.Code ?? e.name ?? e.code ?? 'Error';
  // An error body the SDK could not parse (e.g. XML from an endpoint for a JSON-protocol service): the HTTP
  // status still says what happened, and 403 is always a refusal of the caller.
  if (code === 'SyntaxError' && httpStatus(err) === 403) return 'AccessDenied';
  return code;
}

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Runs one AWS call; a failure becomes an AwsCallFailed naming the operation and the resource. */
export async function awsCall<T>(operation: string, resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AwsCallFailed) throw err;
    throw new AwsCallFailed(
      operation,
      resource,
      errorCode(err),
      (err as Error).message ?? String(err),
      httpStatus(err),
    );
  }
}

/** The call's result, or undefined when AWS says the resource does not exist. */
export async function unlessMissing<T>(
  operation: string,
  resource: string,
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await awsCall(operation, resource, call);
  } catch (err) {
    if (err instanceof AwsCallFailed && /NoSuchEntity|NotFound/.test(err.code)) return undefined;
    throw err;
  }
}
