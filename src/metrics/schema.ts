// The inventory variables of `provision metrics`: metric filters and the dashboard, validated into typed
// specs. Pure: every problem is reported with the file and line the inventory loader located it at.
//
//   cloudwatch_metric_filters:
//     - log_group_name: /var/log/messages
//       filter_name: errors
//       pattern: '?ERROR ?CRIT'
//       metric_namespace: Fleet/Logs
//       metric_name: ErrorCount
//       metric_value: "1"          # default "1"; or $.field (JSON pattern) / $field (space-delimited)
//       default_value: 0           # optional
//       samples:
//         match: ["kernel: CRIT disk failure"]
//         no_match: ["all good"]
//   cloudwatch_dashboard:
//     name: fleet-logs
//     widgets: []                  # optional: extra widgets, appended verbatim
import { InputError, type Problem } from '../core/errors.js';
import type { Inventory, SourceLocation } from '../inventory/types.js';
import { FilterPatternError, parseFilterPattern, type FilterPattern } from './filter-pattern.js';
import { agentEntryOfVars } from '../agents/catalog.js';

export type VarPath = ReadonlyArray<string | number>;
export type Locate = (path: VarPath) => SourceLocation;

export interface MetricFilterSpec {
  logGroupName: string;
  filterName: string;
  pattern: string;
  parsed: FilterPattern;
  metricNamespace: string;
  metricName: string;
  metricValue: string;
  defaultValue?: number;
  samples: { match: string[]; noMatch: string[] };
  /** Where this filter sits in the vars, e.g. ['cloudwatch_metric_filters', 0]. */
  path: VarPath;
}

export interface DashboardSpec {
  name: string;
  /** Extra widgets from the inventory, appended after the generated ones. */
  widgets: Record<string, unknown>[];
  path: VarPath;
}

export interface MetricsSpecs {
  region?: string;
  endpoint?: string;
  filters: MetricFilterSpec[];
  dashboard?: DashboardSpec;
  /**
   * Every log group the dashboard shows IncomingLogEvents for: the agents' (what each host's agent sends to,
   * validated by the agent's own schema) and the metric filters', in that order, without repeats.
   */
  logGroups: string[];
  /** Locates a vars path for later problems (a failing sample, say). */
  locate: Locate;
}

const FILTER_KEYS = [
  'log_group_name',
  'filter_name',
  'pattern',
  'metric_namespace',
  'metric_name',
  'metric_value',
  'default_value',
  'samples',
] as const;
const DASHBOARD_KEYS = ['name', 'widgets'] as const;
const SAMPLE_KEYS = ['match', 'no_match'] as const;

// Limits of the PutMetricFilter and PutDashboard APIs.
const LOG_GROUP_RE = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const FILTER_NAME_RE = /^[^:*]{1,512}$/;
const METRIC_RE = /^[^:*$]{1,255}$/;
const DASHBOARD_RE = /^[A-Za-z0-9_-]{1,255}$/;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function pathText(path: VarPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

class Collector {
  readonly problems: Problem[] = [];
  constructor(readonly locate: Locate) {}
  add(path: VarPath, rule: string, extra: { expected?: string; found?: unknown } = {}): void {
    const loc = this.locate(path);
    this.problems.push({
      file: loc.file,
      ...(loc.line !== undefined ? { line: loc.line } : {}),
      ...(loc.column !== undefined ? { column: loc.column } : {}),
      path: pathText(path),
      rule,
      ...(extra.expected !== undefined ? { expected: extra.expected } : {}),
      ...(extra.found !== undefined ? { found: show(extra.found) } : {}),
    });
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function unknownKeys(c: Collector, obj: Record<string, unknown>, path: VarPath, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k))
      c.add([...path, k], `unknown option "${k}"`, { expected: `one of ${allowed.join(', ')}` });
  }
}

function str(
  c: Collector,
  obj: Record<string, unknown>,
  path: VarPath,
  key: string,
  re: RegExp,
  expected: string,
): string | undefined {
  const v = obj[key];
  if (typeof v !== 'string' || !re.test(v)) {
    c.add([...path, key], v === undefined ? `${key} is required` : `invalid ${key}`, { expected, found: v });
    return undefined;
  }
  return v;
}

function stringList(c: Collector, v: unknown, path: VarPath): string[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    c.add(path, 'must be a list of log lines', { expected: 'a list of strings', found: v });
    return undefined;
  }
  let ok = true;
  v.forEach((line, i) => {
    if (typeof line !== 'string') {
      c.add([...path, i], 'a sample must be a string (one log line)', { found: line });
      ok = false;
    }
  });
  return ok ? (v as string[]) : undefined;
}

function metricValueProblem(value: string, parsed: FilterPattern | undefined): string | undefined {
  if (NUMBER_RE.test(value)) return undefined;
  if (!value.startsWith('$'))
    return 'metric_value must be a number, $.field (JSON pattern) or $field (space-delimited)';
  if (!parsed) return undefined;
  if (value.startsWith('$.')) {
    return parsed.kind === 'json' ? undefined : 'metric_value $.field needs a JSON pattern ({ ... })';
  }
  if (parsed.kind !== 'delimited') return 'metric_value $field needs a space-delimited pattern ([ ... ])';
  const name = value.slice(1);
  if (/^\d+$/.test(name)) return undefined; // a field by position, as the service reports blank ones
  const known = parsed.fields.some((f) => f.kind === 'field' && f.name === name);
  return known ? undefined : `metric_value ${value} names no field of the pattern`;
}

function validateFilter(c: Collector, raw: unknown, path: VarPath): MetricFilterSpec | undefined {
  if (!isObject(raw)) {
    c.add(path, 'a metric filter must be a mapping', { expected: `keys ${FILTER_KEYS.join(', ')}`, found: raw });
    return undefined;
  }
  const before = c.problems.length;
  unknownKeys(c, raw, path, FILTER_KEYS);
  const logGroupName = str(c, raw, path, 'log_group_name', LOG_GROUP_RE, '1-512 characters of A-Z a-z 0-9 . - _ / #');
  const filterName = str(c, raw, path, 'filter_name', FILTER_NAME_RE, '1-512 characters, no ":" or "*"');
  const metricNamespace = str(c, raw, path, 'metric_namespace', METRIC_RE, '1-255 characters, no ":", "*" or "$"');
  const metricName = str(c, raw, path, 'metric_name', METRIC_RE, '1-255 characters, no ":", "*" or "$"');

  let parsed: FilterPattern | undefined;
  const pattern = raw.pattern;
  if (typeof pattern !== 'string') {
    c.add([...path, 'pattern'], pattern === undefined ? 'pattern is required' : 'pattern must be a string', {
      expected: 'a CloudWatch Logs filter pattern ("" matches every event)',
      found: pattern,
    });
  } else {
    try {
      parsed = parseFilterPattern(pattern);
    } catch (err) {
      if (!(err instanceof FilterPatternError)) throw err;
      c.add([...path, 'pattern'], `${err.reason} (column ${err.column} of the pattern)`, { found: pattern });
    }
  }

  let metricValue = '1';
  if (raw.metric_value !== undefined) {
    const v = raw.metric_value;
    if (typeof v === 'number' && Number.isFinite(v)) metricValue = String(v);
    else if (typeof v === 'string' && v.length > 0 && v.length <= 100) metricValue = v;
    else
      c.add([...path, 'metric_value'], 'invalid metric_value', { expected: 'a string of 1-100 characters', found: v });
  }
  const mvProblem = metricValueProblem(metricValue, parsed);
  if (mvProblem) c.add([...path, 'metric_value'], mvProblem, { found: metricValue });

  let defaultValue: number | undefined;
  if (raw.default_value !== undefined) {
    if (typeof raw.default_value === 'number' && Number.isFinite(raw.default_value)) defaultValue = raw.default_value;
    else c.add([...path, 'default_value'], 'default_value must be a number', { found: raw.default_value });
  }

  let samples: MetricFilterSpec['samples'] | undefined;
  const s = raw.samples;
  if (!isObject(s)) {
    c.add(
      [...path, 'samples'],
      s === undefined ? 'samples are required: test the pattern before it goes live' : 'samples must be a mapping',
      {
        expected: 'samples: { match: [log lines], no_match: [log lines] }',
        found: s,
      },
    );
  } else {
    unknownKeys(c, s, [...path, 'samples'], SAMPLE_KEYS);
    const match = stringList(c, s.match, [...path, 'samples', 'match']);
    const noMatch = stringList(c, s.no_match, [...path, 'samples', 'no_match']);
    if (match && match.length === 0)
      c.add([...path, 'samples', 'match'], 'at least one sample line must match the pattern', {
        expected: 'a non-empty list of log lines',
      });
    if (match && noMatch) samples = { match, noMatch };
  }

  if (c.problems.length > before) return undefined;
  return {
    logGroupName: logGroupName!,
    filterName: filterName!,
    pattern: pattern as string,
    parsed: parsed!,
    metricNamespace: metricNamespace!,
    metricName: metricName!,
    metricValue,
    ...(defaultValue !== undefined ? { defaultValue } : {}),
    samples: samples!,
    path,
  };
}

function validateDashboard(c: Collector, raw: unknown, path: VarPath): DashboardSpec | undefined {
  if (!isObject(raw)) {
    c.add(path, 'cloudwatch_dashboard must be a mapping', { expected: 'keys name, widgets', found: raw });
    return undefined;
  }
  const before = c.problems.length;
  unknownKeys(c, raw, path, DASHBOARD_KEYS);
  const name = str(c, raw, path, 'name', DASHBOARD_RE, '1-255 characters of A-Z a-z 0-9 - _');
  const widgets: Record<string, unknown>[] = [];
  if (raw.widgets !== undefined) {
    if (!Array.isArray(raw.widgets)) {
      c.add([...path, 'widgets'], 'widgets must be a list of widget objects', { found: raw.widgets });
    } else {
      raw.widgets.forEach((w, i) => {
        if (isObject(w) && typeof w.type === 'string') widgets.push(w);
        else c.add([...path, 'widgets', i], 'a widget must be a mapping with a "type"', { found: w });
      });
    }
  }
  if (c.problems.length > before) return undefined;
  return { name: name!, widgets, path };
}

/** Validates the metrics variables; returns the specs (undefined when any problem was found) and the problems. */
export function validateMetricsVars(
  vars: Record<string, unknown>,
  locate: Locate,
  /** The log groups the hosts' agents send to; default: what the agent these variables choose sends to. */
  shipped: readonly string[] = agentEntryOfVars(vars).logGroupsOf(vars),
): { specs?: MetricsSpecs; problems: Problem[] } {
  const c = new Collector(locate);
  const filters: MetricFilterSpec[] = [];
  const rawFilters = vars.cloudwatch_metric_filters;
  if (rawFilters !== undefined && !Array.isArray(rawFilters)) {
    c.add(['cloudwatch_metric_filters'], 'cloudwatch_metric_filters must be a list', { found: rawFilters });
  } else if (Array.isArray(rawFilters)) {
    const seen = new Map<string, number>();
    rawFilters.forEach((raw, i) => {
      const spec = validateFilter(c, raw, ['cloudwatch_metric_filters', i]);
      if (!spec) return;
      const id = `${spec.logGroupName}\u0000${spec.filterName}`;
      const first = seen.get(id);
      if (first !== undefined) {
        c.add(
          ['cloudwatch_metric_filters', i, 'filter_name'],
          `the filter "${spec.filterName}" on ${spec.logGroupName} is already defined`,
          {
            expected: `a name not used by cloudwatch_metric_filters[${first}]`,
          },
        );
        return;
      }
      seen.set(id, i);
      filters.push(spec);
    });
  }
  const dashboard =
    vars.cloudwatch_dashboard === undefined
      ? undefined
      : validateDashboard(c, vars.cloudwatch_dashboard, ['cloudwatch_dashboard']);

  const region = vars.aws_region;
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)))
    c.add(['aws_region'], 'invalid aws_region', { expected: 'a region name such as ap-northeast-2', found: region });
  const endpoint = vars.aws_endpoint_url;
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !/^https?:\/\/[^\s]+$/.test(endpoint)))
    c.add(['aws_endpoint_url'], 'invalid aws_endpoint_url', { expected: 'an http(s) URL', found: endpoint });

  if (c.problems.length > 0) return { problems: c.problems };
  const logGroups = [...new Set([...shipped, ...filters.map((f) => f.logGroupName)])];
  return {
    problems: [],
    specs: {
      ...(typeof region === 'string' ? { region } : {}),
      ...(typeof endpoint === 'string' ? { endpoint } : {}),
      filters,
      ...(dashboard ? { dashboard } : {}),
      logGroups,
      locate,
    },
  };
}

/** As validateMetricsVars, but throws an InputError holding every problem. */
export function metricsSpecs(
  vars: Record<string, unknown>,
  locate: Locate,
  shipped: readonly string[] = agentEntryOfVars(vars).logGroupsOf(vars),
): MetricsSpecs {
  const { specs, problems } = validateMetricsVars(vars, locate, shipped);
  if (!specs) throw new InputError(problems);
  return specs;
}

const SHARED_VARS = ['cloudwatch_metric_filters', 'cloudwatch_dashboard', 'aws_region', 'aws_endpoint_url'];

/**
 * The metrics specs of an inventory. Metric filters and dashboards belong to the account, not to a host,
 * so the variables must resolve to the same value on every host (set them under `all.vars`); the first
 * host's values and locations are used.
 */
export function metricsSpecsFromInventory(
  inventory: Inventory,
  /** The log groups a host's agent sends to, from its variables. */
  shippedBy: (host: Inventory['hosts'][number]) => string[] = (host) =>
    agentEntryOfVars(host.vars).logGroupsOf(host.vars),
): MetricsSpecs {
  const [first, ...rest] = inventory.hosts;
  const vars = first?.vars ?? inventory.groups.all?.vars ?? {};
  const locate: Locate = first ? (p) => first.locate(p) : () => ({ file: inventory.file });
  const problems: Problem[] = [];
  for (const host of rest) {
    for (const key of SHARED_VARS) {
      if (JSON.stringify(host.vars[key]) === JSON.stringify(vars[key])) continue;
      const loc = host.locate([key]);
      problems.push({
        file: loc.file,
        ...(loc.line !== undefined ? { line: loc.line } : {}),
        path: `hosts.${host.name}.${key}`,
        rule: `${key} differs from the value on ${first?.name}: metric filters and dashboards belong to the account`,
        expected: 'one value for every host (set it under all.vars)',
      });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return metricsSpecs(vars, locate, [...new Set(inventory.hosts.flatMap(shippedBy))]);
}
