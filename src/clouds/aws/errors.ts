// AWS failures as errors that carry what was asked of which resource, and what AWS answered; and the two
// failures an operator must read differently from the rest: credentials AWS refuses, and an action the
// caller is not allowed.
import { RunFailed } from '../../core/errors.js';

/** Where keepErrorBodies (clients.ts) leaves the raw text of an error answer on the SDK's `$response`. */
export const ERROR_BODY = 'awslogsProvisionErrorBody';

export class AwsCallFailed extends Error {
  constructor(
    readonly operation: string,
    readonly resource: string,
    /** AWS's error code (e.g. AccessDenied, NoSuchEntity), or the SDK's error name. */
    readonly code: string,
    readonly awsMessage: string,
    readonly httpStatus?: number,
    /** How many attempts the SDK made (retries included). */
    readonly attempts?: number,
  ) {
    super(`${operation} ${resource}: ${code}: ${awsMessage}`);
    this.name = 'AwsCallFailed';
  }
}

/** The raw text of an error answer, when keepErrorBodies kept it. */
export function errorBodyOf(err: unknown): string | undefined {
  const response = (err as { $response?: Record<string, unknown> } | undefined)?.$response;
  const text = response?.[ERROR_BODY];
  return typeof text === 'string' ? text : undefined;
}

/** AWS's code and message in a raw error answer: XML (`<Code>`, `<Message>`) or JSON (`__type`, `message`). */
export function parseErrorBody(text: string | undefined): { code?: string; message?: string } {
  if (!text) return {};
  const xml = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1]?.trim();
  if (/^\s*</.test(text)) {
    const code = xml('Code');
    const message = xml('Message');
    return { ...(code ? { code } : {}), ...(message ? { message: unescapeXml(message) } : {}) };
  }
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const rawCode = doc.__type ?? doc.code ?? doc.Code;
    const rawMessage = doc.message ?? doc.Message;
    const code = typeof rawCode === 'string' ? rawCode.replace(/^.*#/, '').replace(/:.*$/, '') : undefined;
    return {
      ...(code ? { code } : {}),
      ...(typeof rawMessage === 'string' ? { message: rawMessage } : {}),
    };
  } catch {
    return {};
  }
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The SDK could not read the answer's body (e.g. XML from an endpoint for a JSON-protocol service). */
function unparsed(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'SyntaxError' || (err as { $responseBodyText?: unknown }).$responseBodyText !== undefined;
}

export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string };
  const code = e.Code ?? e.name ?? e.code ?? 'Error';
  if (code === 'SyntaxError' || unparsed(err)) {
    const raw = parseErrorBody(errorBodyOf(err)).code;
    if (raw) return raw;
    // The HTTP status still says what happened: 403 is always a refusal of the caller.
    if (httpStatus(err) === 403) return 'AccessDenied';
  }
  return code;
}

/** AWS's own words for the failure; the SDK's notes about its deserializer left out. */
export function errorMessage(err: unknown): string {
  if (unparsed(err)) {
    const raw = parseErrorBody(errorBodyOf(err)).message;
    if (raw) return raw;
    const status = httpStatus(err);
    if (status !== undefined) return `HTTP ${status} with an answer the AWS SDK could not read`;
  }
  const message = (err as Error | undefined)?.message ?? String(err);
  return message.split('\n')[0]!.trim();
}

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function attemptsOf(err: unknown): number | undefined {
  return (err as { $metadata?: { attempts?: number } }).$metadata?.attempts;
}

/** Runs one AWS call; a failure becomes an AwsCallFailed naming the operation and the resource. */
export async function awsCall<T>(operation: string, resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AwsCallFailed) throw err;
    throw new AwsCallFailed(operation, resource, errorCode(err), errorMessage(err), httpStatus(err), attemptsOf(err));
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

/** Codes with which AWS refuses the caller's credentials themselves (unknown, wrong or expired keys). */
const CREDENTIAL_REFUSALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AuthFailure',
  'InvalidAccessKeyId',
  'InvalidToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'RequestExpired',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);
/** Codes with which AWS refuses one action to a caller it knows. */
const DENIALS = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess']);
/** The SDK found no usable credentials at all (no profile, a credential_process that failed, …). */
const PROVIDER_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);

export function isCredentialRefusal(code: string): boolean {
  return CREDENTIAL_REFUSALS.has(code) || PROVIDER_ERRORS.has(code);
}

export function isDenial(code: string): boolean {
  return DENIALS.has(code);
}

/** The service prefix of the operations the tool calls outside IAM; the rest are IAM's. */
const SERVICE_OF: Record<string, string> = {
  DescribeInstances: 'ec2',
  DescribeIamInstanceProfileAssociations: 'ec2',
  AssociateIamInstanceProfile: 'ec2',
  DescribeLogGroups: 'logs',
  DescribeLogStreams: 'logs',
  FilterLogEvents: 'logs',
  GetLogEvents: 'logs',
  DescribeMetricFilters: 'logs',
  PutMetricFilter: 'logs',
  TestMetricFilter: 'logs',
  GetDashboard: 'cloudwatch',
  PutDashboard: 'cloudwatch',
  GetCallerIdentity: 'sts',
};

/** The IAM action of an operation (`iam:CreateAccessKey`), as a policy grants it. */
export function actionOf(operation: string): string {
  return `${SERVICE_OF[operation] ?? 'iam'}:${operation}`;
}

/** AWS refused the tool's own credentials: which ones, and what AWS said. Exit 1 (AWS was contacted). */
export class AwsCredentialsRefused extends RunFailed {
  constructor(
    /** Where the credentials came from (a profile and its files, or the environment). */
    readonly source: string,
    readonly code: string,
    readonly awsMessage: string,
    readonly operation?: string,
  ) {
    const expired = EXPIRED.has(code) || /expired/i.test(awsMessage);
    const what = PROVIDER_ERRORS.has(code)
      ? `no usable AWS credentials from ${source}`
      : `AWS refused the credentials of ${source}${operation ? ` (at ${actionOf(operation)})` : ''}`;
    const hint = expired
      ? 'they have expired: refresh them (a new session token, `aws sso login`, or your credential process) and run again'
      : code === 'RequestExpired'
        ? "the request's time is too far from AWS's: check this machine's clock"
        : PROVIDER_ERRORS.has(code)
          ? 'set up that profile (aws configure), or name another with aws_profile in the inventory (all: vars:) or AWS_PROFILE'
          : 'check the access key id and secret of that profile (or name another with aws_profile or AWS_PROFILE)';
    super(`${what}: ${code}: ${awsMessage.replace(/\.$/, '')}; ${hint}`);
    this.name = 'AwsCredentialsRefused';
  }
}

/** The caller may not perform an action: which action, on what, and what to grant. Exit 1. */
export class AwsActionDenied extends RunFailed {
  readonly action: string;
  constructor(
    readonly source: string,
    readonly operation: string,
    readonly resource: string,
    readonly code: string,
    readonly awsMessage: string,
  ) {
    // AWS's message names the action as the policy sees it ("… is not authorized to perform: logs:X …").
    const action = /perform: ([\w-]+:\w+)/.exec(awsMessage)?.[1] ?? actionOf(operation);
    super(
      `permission denied: the credentials of ${source} may not call ${action} on ${resource} (${code}: ${awsMessage}); ` +
        `grant ${action} to that identity, or use a profile that has it`,
    );
    this.action = action;
    this.name = 'AwsActionDenied';
  }
}

/**
 * An AWS failure as the error an operator should read: refused or missing credentials name where they came
 * from, a denied action names the action; any other error comes back as it was.
 */
export function explainAwsFailure(err: unknown, source: string): unknown {
  if (err instanceof AwsCredentialsRefused || err instanceof AwsActionDenied) return err;
  if (err instanceof AwsCallFailed) {
    if (isCredentialRefusal(err.code))
      return new AwsCredentialsRefused(source, err.code, err.awsMessage, err.operation);
    if (isDenial(err.code)) return new AwsActionDenied(source, err.operation, err.resource, err.code, err.awsMessage);
    return err;
  }
  const code = errorCode(err);
  if (isCredentialRefusal(code)) return new AwsCredentialsRefused(source, code, errorMessage(err));
  return err;
}
