// Use cases of `provision metrics`: test the filter patterns against their sample lines (locally, and with
// the service's TestMetricFilter where the endpoint has it), and apply metric filters and the dashboard.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { InputError, type Problem } from '../core/errors.js';
import { evaluate, matches } from '../metrics/filter-pattern.js';
import {
  metricsSpecsFromInventory,
  pathText,
  type MetricFilterSpec,
  type MetricsSpecs,
  type VarPath,
} from '../metrics/schema.js';
import type { Inventory } from '../inventory/types.js';
import {
  applyDashboard,
  applyMetricFilter,
  createMetricsClients,
  testMetricFilter,
  type ApplyItemResult,
  type CallerContext,
  type MetricsClients,
  type TestOutcome,
} from '../clouds/aws/metrics.js';
import { renderDashboard } from '../templating/dashboard.js';
import { callerCredentialSource, explainCallerFailure } from '../clouds/aws/credentials.js';

export type { MetricsClients, MetricsSpecs };

/** Anything that can ask the service for its verdict; the AWS adapter is one. */
export interface MetricFilterTester {
  test(pattern: string, lines: string[]): Promise<TestOutcome>;
}

export interface SampleResult {
  line: string;
  expected: 'match' | 'no_match';
  local: boolean;
  /** The service's verdict, or 'n/a' when the endpoint could not give one. */
  aws: boolean | 'n/a';
  /** Expected, local and (when available) AWS all agree. */
  agree: boolean;
  /** Space-delimited patterns: the fields the local matcher extracted (`$name` → text), for `$field` values. */
  fields?: Record<string, string>;
}

export interface FilterTestResult {
  logGroupName: string;
  filterName: string;
  pattern: string;
  aws: 'tested' | 'n/a' | 'rejected';
  awsNote?: string;
  samples: SampleResult[];
  ok: boolean;
}

export interface MetricsTestReport {
  filters: FilterTestResult[];
  summary: { filters: number; samples: number; disagreements: number; awsTested: number };
}

/** The metrics specs of an inventory (InputError with every problem when the vars are invalid). */
export function metricsSpecsOf(inventory: Inventory): MetricsSpecs {
  return metricsSpecsFromInventory(inventory);
}

/** The clients for these specs: region and endpoint from the vars, else the SDK's own resolution. */
export function clientsFor(specs: MetricsSpecs): MetricsClients {
  return createMetricsClients({
    ...(specs.region ? { region: specs.region } : {}),
    ...(specs.endpoint ? { endpoint: specs.endpoint } : {}),
  });
}

function asTester(endpoint: CloudWatchLogsClient | MetricFilterTester): MetricFilterTester {
  if (typeof (endpoint as MetricFilterTester).test === 'function') return endpoint as MetricFilterTester;
  const logs = endpoint as CloudWatchLogsClient;
  return { test: (pattern, lines) => testMetricFilter(logs, pattern, lines) };
}

function samplesOf(f: MetricFilterSpec): { line: string; expected: 'match' | 'no_match' }[] {
  return [
    ...f.samples.match.map((line) => ({ line, expected: 'match' as const })),
    ...f.samples.noMatch.map((line) => ({ line, expected: 'no_match' as const })),
  ];
}

/** Per filter, per sample: expected vs the local matcher vs the service (when an endpoint is given). */
export async function metricsTest(
  specs: MetricsSpecs,
  endpoint?: CloudWatchLogsClient | MetricFilterTester,
): Promise<MetricsTestReport> {
  const tester = endpoint ? asTester(endpoint) : undefined;
  const filters: FilterTestResult[] = [];
  for (const f of specs.filters) {
    const samples = samplesOf(f);
    const lines = samples.map((s) => s.line);
    const outcome: TestOutcome = tester
      ? await tester.test(f.pattern, lines)
      : { available: false, reason: 'not asked (local test only)' };
    let aws: FilterTestResult['aws'] = 'n/a';
    let awsNote: string | undefined;
    let remote: boolean[] | undefined;
    if (!outcome.available) awsNote = outcome.reason;
    else if ('rejected' in outcome) {
      aws = 'rejected';
      awsNote = `the service rejects the pattern: ${outcome.rejected}`;
    } else {
      aws = 'tested';
      remote = outcome.matched;
    }
    const results = samples.map((s, i): SampleResult => {
      const { matched: local, fields } = evaluate(f.parsed, s.line);
      const want = s.expected === 'match';
      const awsVerdict = remote ? (remote[i] ?? false) : 'n/a';
      const agree = local === want && (awsVerdict === 'n/a' || awsVerdict === want);
      return { line: s.line, expected: s.expected, local, aws: awsVerdict, agree, ...(fields ? { fields } : {}) };
    });
    filters.push({
      logGroupName: f.logGroupName,
      filterName: f.filterName,
      pattern: f.pattern,
      aws,
      ...(awsNote ? { awsNote } : {}),
      samples: results,
      ok: aws !== 'rejected' && results.every((r) => r.agree),
    });
  }
  const all = filters.flatMap((f) => f.samples);
  return {
    filters,
    summary: {
      filters: filters.length,
      samples: all.length,
      disagreements: all.filter((s) => !s.agree).length + filters.filter((f) => f.aws === 'rejected').length,
      awsTested: filters.filter((f) => f.aws === 'tested').length,
    },
  };
}

export interface MetricsApplyReport {
  items: ApplyItemResult[];
  summary: Record<'created' | 'updated' | 'unchanged' | 'failed', number>;
}

/** Sample lines the local matcher disagrees with, as located problems: apply refuses to ship them. */
export function localSampleProblems(specs: MetricsSpecs): Problem[] {
  const problems: Problem[] = [];
  for (const f of specs.filters) {
    const check = (lines: string[], key: 'match' | 'no_match', want: boolean) =>
      lines.forEach((line, i) => {
        if (matches(f.parsed, line) === want) return;
        const path: VarPath = [...f.path, 'samples', key, i];
        const loc = specs.locate(path);
        problems.push({
          file: loc.file,
          ...(loc.line !== undefined ? { line: loc.line } : {}),
          ...(loc.column !== undefined ? { column: loc.column } : {}),
          path: pathText(path),
          rule: `the pattern ${JSON.stringify(f.pattern)} ${want ? 'does not match' : 'matches'} this sample`,
          expected: want ? 'a match' : 'no match',
          found: JSON.stringify(line),
        });
      });
    check(f.samples.match, 'match', true);
    check(f.samples.noMatch, 'no_match', false);
  }
  return problems;
}

/**
 * Applies every metric filter, then the dashboard. Refuses (InputError, nothing contacted) when a sample
 * line disagrees with its pattern locally.
 */
export async function metricsApply(
  specs: MetricsSpecs,
  clients: MetricsClients,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MetricsApplyReport> {
  const problems = localSampleProblems(specs);
  if (problems.length > 0) throw new InputError(problems);
  const caller = { source: callerCredentialSource(env) };
  try {
    return await applyAll(specs, clients, caller);
  } catch (err) {
    // Refused credentials stop the whole run at its first call, a read: nothing was created or changed.
    throw await explainCallerFailure(err, env);
  }
}

async function applyAll(
  specs: MetricsSpecs,
  clients: MetricsClients,
  caller: CallerContext,
): Promise<MetricsApplyReport> {
  const items: ApplyItemResult[] = [];
  for (const f of specs.filters) {
    items.push(
      await applyMetricFilter(
        clients.logs,
        {
          logGroupName: f.logGroupName,
          filterName: f.filterName,
          filterPattern: f.pattern,
          metricNamespace: f.metricNamespace,
          metricName: f.metricName,
          metricValue: f.metricValue,
          ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
        },
        caller,
      ),
    );
  }
  if (specs.dashboard) {
    const region = specs.region ?? (await clients.cloudwatch.config.region());
    const body = renderDashboard({
      region,
      metrics: specs.filters.map((f) => ({ namespace: f.metricNamespace, name: f.metricName })),
      logGroups: specs.logGroups,
      extraWidgets: specs.dashboard.widgets,
    });
    items.push(await applyDashboard(clients.cloudwatch, specs.dashboard.name, body, caller));
  }
  const summary = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const i of items) summary[i.action]++;
  return { items, summary };
}
