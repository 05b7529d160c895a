// `provision metrics apply|test --inventory FILE [--json]`: thin; the work is in runs/metrics.ts.
import type { Command } from 'commander';
import { RunFailed } from '../core/errors.js';
import { terminalJson, terminalText } from '../ui/terminal-text.js';
import type { Inventory } from '../inventory/types.js';
// runs/metrics.js (and the AWS SDK) loads only when a metrics command runs.
import type { MetricsApplyReport, MetricsClients, MetricsSpecs, MetricsTestReport } from '../runs/metrics.js';

export interface MetricsCommandDeps {
  /** The inventory loader (src/inventory/load.ts's loadInventory). */
  load: (file: string) => Promise<Inventory>;
  /** Builds the AWS clients; default: region and endpoint from the vars, credentials from the SDK chain. */
  clients?: (specs: MetricsSpecs) => MetricsClients;
  /** Where results go; default process.stdout. */
  stdout?: (text: string) => void;
}

interface Options {
  inventory: string;
  json?: boolean;
  local?: boolean;
}

export function registerMetricsCommands(program: Command, deps: MetricsCommandDeps): void {
  const out = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const metrics = program
    .command('metrics')
    .description('CloudWatch Logs metric filters and the CloudWatch dashboard of the inventory');

  metrics
    .command('test')
    .description("test every filter pattern against its sample lines, locally and with the service's TestMetricFilter")
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('--json', 'print one JSON document on stdout')
    .option('--local', 'do not ask the service, test with the local matcher only')
    .action(async (opts: Options) => {
      const { clientsFor, metricsSpecsOf, metricsTest } = await import('../runs/metrics.js');
      const specs = metricsSpecsOf(await deps.load(opts.inventory));
      const report = await metricsTest(specs, opts.local ? undefined : (deps.clients ?? clientsFor)(specs).logs);
      out(
        opts.json
          ? terminalJson(JSON.stringify({ command: 'metrics test', ...report }, null, 2)) + '\n'
          : terminalText(formatTest(report), { lines: true }),
      );
      if (report.summary.disagreements > 0)
        throw new RunFailed(`${report.summary.disagreements} sample verdict(s) disagree with the expectation`);
    });

  metrics
    .command('apply')
    .description('create or update the metric filters and the dashboard; unchanged ones are left alone')
    .requiredOption('-i, --inventory <file>', 'Ansible-style YAML inventory')
    .option('--json', 'print one JSON document on stdout')
    .action(async (opts: Options) => {
      const { clientsFor, metricsApply, metricsSpecsOf } = await import('../runs/metrics.js');
      const specs = metricsSpecsOf(await deps.load(opts.inventory));
      const report = await metricsApply(specs, (deps.clients ?? clientsFor)(specs));
      out(
        opts.json
          ? terminalJson(JSON.stringify({ command: 'metrics apply', ...report }, null, 2)) + '\n'
          : terminalText(formatApply(report), { lines: true }),
      );
      if (report.summary.failed > 0) throw new RunFailed(`${report.summary.failed} item(s) failed`);
    });
}

function formatTest(report: MetricsTestReport): string {
  const lines: string[] = [];
  // Why AWS did not test (no TestMetricFilter on this endpoint, or a local test only) is the same for every
  // filter: said once, in the summary; a pattern the service rejects is said at its filter.
  const untested = new Set(report.filters.filter((f) => f.aws === 'n/a' && f.awsNote).map((f) => f.awsNote!));
  for (const f of report.filters) {
    lines.push(`${f.ok ? 'ok  ' : 'FAIL'} ${f.logGroupName} ${f.filterName}: ${f.pattern}`);
    if (f.awsNote && f.aws !== 'n/a') lines.push(`     AWS: ${f.awsNote}`);
    for (const s of f.samples) {
      const verdict = (v: boolean | 'n/a') => (v === 'n/a' ? 'n/a' : v ? 'match' : 'no_match');
      lines.push(
        `     ${s.agree ? 'ok  ' : 'FAIL'} expected=${s.expected} local=${verdict(s.local)} aws=${verdict(s.aws)}  ${JSON.stringify(s.line)}`,
      );
    }
  }
  const s = report.summary;
  const why = untested.size > 0 ? ` (${[...untested].map((n) => n.replace(/ \(.*\)$/, '')).join('; ')})` : '';
  lines.push(
    `${s.filters} filter(s), ${s.samples} sample(s), ${s.disagreements} disagreement(s); tested by AWS: ${s.awsTested}${why}`,
  );
  return lines.join('\n') + '\n';
}

function formatApply(report: MetricsApplyReport): string {
  const lines = report.items.map((i) => {
    const parts = [`${i.action.padEnd(9)} ${i.summary}`];
    for (const d of i.differences ?? []) parts.push(`          ${d}`);
    for (const w of i.warnings ?? []) parts.push(`          warning: ${w}`);
    if (i.error) parts.push(`          ${i.error.message}${i.error.hint ? ` (${i.error.hint})` : ''}`);
    return parts.join('\n');
  });
  const s = report.summary;
  lines.push(`${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed`);
  return lines.join('\n') + '\n';
}
