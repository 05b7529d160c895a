// The result of a run, as the CLI contract shapes it: one JSON document with --json, else a readable
// summary on stdout.
import type { HostStatus } from '../core/types.js';
import { terminalJson, terminalText } from './terminal-text.js';

export type { ChangeReport, CheckReport, HostReport, PreflightReport, RunReport } from '../core/report.js';
import type { HostReport, PreflightReport, RunReport } from '../core/report.js';

/** How a preflight finding reads in a host's `warnings`. */
export function preflightWarning(p: PreflightReport): string {
  return `preflight: ${p.log ? `[${p.log}] ` : ''}${p.message}`;
}

export function summarise(hosts: HostReport[]): Record<HostStatus, number> {
  const summary: Record<HostStatus, number> = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const h of hosts) summary[h.status] += 1;
  return summary;
}

/** A status as a person reads it: in a dry run nothing changed, so `changed` is "would change". */
export function statusLabel(status: string, dryRun = false): string {
  return dryRun && status === 'changed' ? 'would change' : status;
}

export function printJson(report: RunReport): void {
  process.stdout.write(terminalJson(JSON.stringify(report, null, 2)) + '\n');
}

export function printHuman(
  report: RunReport,
  options: { diffs: boolean; dryRun?: boolean; out?: NodeJS.WritableStream },
): void {
  // Values from hosts and inventories stay on their line; diffs and hints span lines, escaped all the same.
  const one = (text: string) => terminalText(text);
  const lines = (text: string) => terminalText(text, { lines: true });
  const out: string[] = [];
  const label = (status: HostStatus) => statusLabel(status, options.dryRun);
  for (const host of report.hosts) {
    out.push(`${one(host.name)}: ${label(host.status)}`);
    for (const change of host.changes) {
      out.push(`  ${change.kind}${change.path ? ` ${one(change.path)}` : ''}: ${one(change.summary)}`);
      if (options.diffs && change.diff) out.push(lines(change.diff.replace(/\n$/, '')).replace(/^/gm, '    '));
      if (options.diffs && change.command) out.push(`    $ ${one(change.command)}`);
    }
    for (const check of host.checks ?? []) {
      out.push(`  log ${one(check.log)} → ${one(check.group)} / ${one(check.stream)}: ${check.state}`);
      if (check.probe) out.push(`    probe line: ${one(check.probe)}`);
      if (check.agentError) out.push(`    agent: ${one(check.agentError)}`);
      for (const event of check.lastEvents ?? []) out.push(`    | ${one(event)}`);
    }
    for (const p of host.preflight ?? []) {
      if (p.level === 'ok') continue;
      out.push(`  preflight ${p.level}: ${p.log ? `[${one(p.log)}] ` : ''}${one(p.message)}`);
      if (p.sample) out.push(`    sample: ${one(p.sample)}`);
    }
    // Preflight findings are listed above with their sample; `warnings` repeats them for --json readers.
    const shown = new Set((host.preflight ?? []).map(preflightWarning));
    for (const warning of host.warnings ?? []) if (!shown.has(warning)) out.push(`  warning: ${one(warning)}`);
    if (host.error) {
      out.push(`  error: ${one(host.error.message)}`);
      if (host.error.hint) out.push(`  hint: ${lines(host.error.hint)}`);
    }
  }
  const names = report.hosts.map((h) => one(h.name));
  const width = Math.max(4, ...names.map((n) => n.length));
  out.push('', `${'HOST'.padEnd(width)}  STATUS        CHANGES  WARNINGS`);
  report.hosts.forEach((host, i) =>
    out.push(
      `${names[i]!.padEnd(width)}  ${label(host.status).padEnd(12)}  ${String(host.changes.length).padEnd(7)}  ${(host.warnings ?? []).length}`,
    ),
  );
  const s = report.summary;
  out.push(
    '',
    `run ${report.run} (${report.command}): ${s.ok} ok, ${s.changed} ${label('changed')}, ${s.failed} failed, ${s.unreachable} unreachable`,
  );
  (options.out ?? process.stdout).write(lines(out.join('\n')) + '\n');
}
