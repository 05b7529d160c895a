// CloudWatch Logs metric filters and the CloudWatch dashboard (AWS SDK v3): idempotent apply, and the
// service's own TestMetricFilter. Each item is read first and written only when it differs.
import {
  CloudWatchLogsClient,
  DescribeMetricFiltersCommand,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
  type MetricFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchClient, GetDashboardCommand, PutDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { keepErrorBodies, retryConfig } from './clients.js';
import { AwsActionDenied, AwsCallFailed, awsCall, isCredentialRefusal, isDenial } from './errors.js';

export interface MetricsClients {
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
}

export interface ClientOptions {
  /** Default: the SDK's own (AWS_REGION, profile). */
  region?: string;
  /** Default: the SDK's own (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, ...), else AWS. */
  endpoint?: string;
  /** Attempts per call, retries included (the SDK's standard retry mode); 5 unless told, as every client of the tool. */
  maxAttempts?: number;
}

/** Credentials come from the SDK's default chain (env, AWS_PROFILE, SSO, ...). */
export function createMetricsClients(options: ClientOptions = {}): MetricsClients {
  // The tool never asks the instance metadata service for anything (it runs on an operator's machine).
  process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...retryConfig(options.maxAttempts),
  };
  return {
    logs: keepErrorBodies(new CloudWatchLogsClient(config)),
    cloudwatch: keepErrorBodies(new CloudWatchClient(config)),
  };
}

/** Who the calls are made as, for the messages of a refusal ("the credentials of AWS profile …"). */
export interface CallerContext {
  source?: string;
}

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'failed';

export interface ApplyItemResult {
  kind: 'metric_filter' | 'dashboard';
  name: string;
  logGroupName?: string;
  action: ApplyAction;
  summary: string;
  /** What differed, for `updated`. */
  differences?: string[];
  warnings?: string[];
  error?: { message: string; hint?: string };
}

export interface DesiredMetricFilter {
  logGroupName: string;
  filterName: string;
  filterPattern: string;
  metricNamespace: string;
  metricName: string;
  metricValue: string;
  defaultValue?: number;
}

async function currentFilter(logs: CloudWatchLogsClient, d: DesiredMetricFilter): Promise<MetricFilter | undefined> {
  let found: MetricFilter | undefined;
  let nextToken: string | undefined;
  do {
    const page = await awsCall('DescribeMetricFilters', d.logGroupName, () =>
      logs.send(
        new DescribeMetricFiltersCommand({ logGroupName: d.logGroupName, filterNamePrefix: d.filterName, nextToken }),
      ),
    );
    // The name is unique per log group on AWS; an endpoint that appends instead of replacing (moto does)
    // returns several, and the last one written is the one in force.
    for (const f of page.metricFilters ?? []) if (f.filterName === d.filterName) found = f;
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

function filterDifferences(current: MetricFilter, d: DesiredMetricFilter): string[] {
  const out: string[] = [];
  const t = current.metricTransformations ?? [];
  const cur = t[0];
  if ((current.filterPattern ?? '') !== d.filterPattern)
    out.push(`pattern ${JSON.stringify(current.filterPattern ?? '')} → ${JSON.stringify(d.filterPattern)}`);
  if (t.length !== 1 || !cur) {
    out.push(`${t.length} metric transformations → 1`);
    return out;
  }
  const pairs: [string, unknown, unknown][] = [
    ['metric_namespace', cur.metricNamespace, d.metricNamespace],
    ['metric_name', cur.metricName, d.metricName],
    ['metric_value', cur.metricValue, d.metricValue],
    ['default_value', cur.defaultValue ?? null, d.defaultValue ?? null],
  ];
  for (const [name, was, want] of pairs) {
    if (was !== want) out.push(`${name} ${JSON.stringify(was)} → ${JSON.stringify(want)}`);
  }
  if (cur.unit !== undefined && cur.unit !== 'None') out.push(`unit ${cur.unit} → none`);
  if (cur.dimensions && Object.keys(cur.dimensions).length > 0) out.push('dimensions → none');
  return out;
}

/**
 * An item's failure as the operator reads it. Credentials AWS refuses are not one item's failure but the
 * whole run's: they are thrown, and the caller stops there.
 */
function failure(err: unknown, caller: CallerContext): { message: string; hint?: string } {
  if (err instanceof AwsCallFailed) {
    if (isCredentialRefusal(err.code)) throw err;
    if (isDenial(err.code)) {
      const denied = new AwsActionDenied(
        caller.source ?? "the tool's AWS credentials",
        err.operation,
        err.resource,
        err.code,
        err.awsMessage,
      );
      return {
        message: `permission denied: ${denied.action} on ${err.resource}: ${err.code}: ${err.awsMessage}`,
        hint: `grant ${denied.action} to the identity of ${denied.source}`,
      };
    }
    const message = `${err.operation} ${err.resource}: ${err.code}: ${err.awsMessage}`;
    if (err.code === 'ResourceNotFoundException')
      return { message, hint: 'the log group does not exist yet: run apply first, so the agent creates it' };
    return { message };
  }
  const e = err as { name?: string; message?: string };
  return { message: `${e.name ?? 'Error'}: ${e.message ?? String(err)}` };
}

/** Creates or updates one metric filter; `unchanged` when pattern and transformation already match. */
export async function applyMetricFilter(
  logs: CloudWatchLogsClient,
  d: DesiredMetricFilter,
  caller: CallerContext = {},
): Promise<ApplyItemResult> {
  const base = { kind: 'metric_filter' as const, name: d.filterName, logGroupName: d.logGroupName };
  try {
    const current = await currentFilter(logs, d);
    const differences = current ? filterDifferences(current, d) : [];
    if (current && differences.length === 0)
      return {
        ...base,
        action: 'unchanged',
        summary: `metric filter ${d.filterName} on ${d.logGroupName} is up to date`,
      };
    await awsCall('PutMetricFilter', `${d.logGroupName} filter ${d.filterName}`, () =>
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: d.logGroupName,
          filterName: d.filterName,
          filterPattern: d.filterPattern,
          metricTransformations: [
            {
              metricNamespace: d.metricNamespace,
              metricName: d.metricName,
              metricValue: d.metricValue,
              ...(d.defaultValue !== undefined ? { defaultValue: d.defaultValue } : {}),
            },
          ],
        }),
      ),
    );
    return current
      ? {
          ...base,
          action: 'updated',
          summary: `metric filter ${d.filterName} on ${d.logGroupName} updated`,
          differences,
        }
      : { ...base, action: 'created', summary: `metric filter ${d.filterName} on ${d.logGroupName} created` };
  } catch (err) {
    return {
      ...base,
      action: 'failed',
      summary: `metric filter ${d.filterName} on ${d.logGroupName} failed`,
      error: failure(err, caller),
    };
  }
}

/** Deep equality of parsed JSON, insensitive to key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** Creates or replaces a dashboard; `unchanged` when the stored body parses to the same JSON. */
export async function applyDashboard(
  cw: CloudWatchClient,
  name: string,
  body: string,
  caller: CallerContext = {},
): Promise<ApplyItemResult> {
  const base = { kind: 'dashboard' as const, name };
  try {
    let current: string | undefined;
    try {
      current = (
        await awsCall('GetDashboard', `dashboard ${name}`, () =>
          cw.send(new GetDashboardCommand({ DashboardName: name })),
        )
      ).DashboardBody;
    } catch (err) {
      const n = (err as AwsCallFailed).code;
      if (n !== 'ResourceNotFound' && n !== 'ResourceNotFoundException' && n !== 'DashboardNotFoundError') throw err;
    }
    if (current !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(current);
      } catch {
        parsed = undefined;
      }
      if (jsonEqual(parsed, JSON.parse(body)))
        return { ...base, action: 'unchanged', summary: `dashboard ${name} is up to date` };
    }
    const out = await awsCall('PutDashboard', `dashboard ${name}`, () =>
      cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: body })),
    );
    const warnings = (out.DashboardValidationMessages ?? []).map(
      (m) => `${m.DataPath ?? ''}${m.DataPath ? ': ' : ''}${m.Message ?? ''}`,
    );
    return {
      ...base,
      action: current === undefined ? 'created' : 'updated',
      summary: `dashboard ${name} ${current === undefined ? 'created' : 'updated'}`,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  } catch (err) {
    return { ...base, action: 'failed', summary: `dashboard ${name} failed`, error: failure(err, caller) };
  }
}

export type TestOutcome =
  | { available: true; matched: boolean[] }
  /** The service refused the pattern that the local parser accepted. */
  | { available: true; rejected: string }
  | { available: false; reason: string };

/** The service's own verdict on sample lines, or why it cannot give one (moto has no TestMetricFilter). */
export async function testMetricFilter(
  logs: CloudWatchLogsClient,
  pattern: string,
  lines: string[],
): Promise<TestOutcome> {
  const matched: boolean[] = lines.map(() => false);
  try {
    // The API takes 1 to 50 messages per call.
    for (let from = 0; from < lines.length; from += 50) {
      const chunk = lines.slice(from, from + 50);
      const out = await logs.send(new TestMetricFilterCommand({ filterPattern: pattern, logEventMessages: chunk }));
      for (const m of out.matches ?? []) {
        // eventNumber is 1-based within the call.
        const i = (m.eventNumber ?? 0) - 1 + from;
        if (i >= from && i < from + chunk.length) matched[i] = true;
      }
    }
    return { available: true, matched };
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'InvalidParameterException') return { available: true, rejected: e.message ?? String(err) };
    const status = e.$metadata?.httpStatusCode;
    if (status === undefined)
      return {
        available: false,
        reason: `the service could not be asked (${e.name ?? 'Error'}: ${e.message ?? String(err)})`,
      };
    return {
      available: false,
      reason: `TestMetricFilter is not available on this endpoint (${e.name ?? 'Error'}, HTTP ${status})`,
    };
  }
}
