// Renders the dashboard body from templates/dashboard.json.hbs. Strict: a missing variable is an error,
// and every value is written by the `json` helper, so names with quotes or backslashes stay valid JSON.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

export interface DashboardMetric {
  namespace: string;
  name: string;
}

export interface DashboardInput {
  region: string;
  /** One widget per distinct metric, in this order. */
  metrics: DashboardMetric[];
  /** One `AWS/Logs IncomingLogEvents` widget per distinct log group. */
  logGroups: string[];
  /** Extra widgets from the inventory, appended verbatim. */
  extraWidgets?: Record<string, unknown>[];
  /** Seconds per data point; default 300. */
  period?: number;
}

const TEMPLATE_URL = new URL('../../../templates/dashboard.json.hbs', import.meta.url);
const WIDTH = 12;
const HEIGHT = 6;

const hbs = Handlebars.create();
hbs.registerHelper('json', (value: unknown) => new hbs.SafeString(JSON.stringify(value) ?? 'null'));

let compiled: HandlebarsTemplateDelegate | undefined;

function template(): HandlebarsTemplateDelegate {
  compiled ??= hbs.compile(readFileSync(TEMPLATE_URL, 'utf8'), { strict: true, noEscape: true });
  return compiled;
}

/** The dashboard body as a JSON string (validated by parsing it back). */
export function renderDashboard(input: DashboardInput): string {
  const metrics = dedupe(input.metrics, (m) => `${m.namespace}\u0000${m.name}`);
  const logGroups = dedupe(input.logGroups, (g) => g);
  const items = [
    ...metrics.map((m) => ({
      metric: { ...m, title: `${m.namespace} ${m.name}` },
      logGroup: null,
      extra: null,
    })),
    ...logGroups.map((g) => ({ metric: null, logGroup: { name: g, title: `IncomingLogEvents ${g}` }, extra: null })),
  ].map((item, i) => ({ ...item, x: (i % 2) * WIDTH, y: Math.floor(i / 2) * HEIGHT, width: WIDTH, height: HEIGHT }));
  const widgets = [
    ...items,
    ...(input.extraWidgets ?? []).map((w) => ({
      metric: null,
      logGroup: null,
      extra: w,
      x: 0,
      y: 0,
      width: 0,
      height: 0,
    })),
  ];
  const body = template()({ region: input.region, period: input.period ?? 300, widgets });
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch (err) {
    throw new Error(`templates/dashboard.json.hbs rendered invalid JSON: ${(err as Error).message}`);
  }
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
