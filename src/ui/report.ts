// The result of a run, as the CLI contract shapes it: one JSON document with --json, else a readable
// summary on stdout.
import type { HostStatus } from '../core/types.js';

export interface ChangeReport {
  kind: string;
  path?: string;
  summary: string;
  diff?: string;
  command?: string;
}

/** One log section's verification: did the probe arrive in the expected group and stream. */
export interface CheckReport {
  log: string;
  group: string;
  stream: string;
  state: string;
  agentError?: string;
  lastEvents?: string[];
}

/** One preflight check of a host (see src/doctor/preflight.ts). */
export interface PreflightReport {
  check: string;
  log?: string;
  level: 'ok' | 'warning' | 'error';
  message: string;
  sample?: string;
}

export interface HostReport {
  name: string;
  status: HostStatus;
  changes: ChangeReport[];
  checks?: CheckReport[];
  /** Preflight checks, every level; errors block the apply on the host unless --skip-preflight. */
  preflight?: PreflightReport[];
  warnings?: string[];
  error?: { message: string; hint?: string };
  /** A dry run's host with changes pending (its status says `changed`; nothing was changed). */
  pending?: boolean;
  /** SSH round trips on this host's connection after the handshake: commands and transfers (a benchmark reads it). */
  roundTrips?: number;
}

/** How a preflight finding reads in a host's `warnings`. */
export function preflightWarning(p: PreflightReport): string {
  return `preflight: ${p.log ? `[${p.log}] ` : ''}${p.message}`;
}

export interface RunReport {
  run: string;
  command: string;
  hosts: HostReport[];
  summary: Record<HostStatus, number>;
  [extra: string]: unknown;
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
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

export function printHuman(
  report: RunReport,
  options: { diffs: boolean; dryRun?: boolean; out?: NodeJS.WritableStream },
): void {
  const out: string[] = [];
  const label = (status: HostStatus) => statusLabel(status, options.dryRun);
  for (const host of report.hosts) {
    out.push(`${host.name}: ${label(host.status)}`);
    for (const change of host.changes) {
      out.push(`  ${change.kind}${change.path ? ` ${change.path}` : ''}: ${change.summary}`);
      if (options.diffs && change.diff) out.push(change.diff.replace(/\n$/, '').replace(/^/gm, '    '));
      if (options.diffs && change.command) out.push(`    $ ${change.command}`);
    }
    for (const check of host.checks ?? []) {
      out.push(`  log ${check.log} → ${check.group} / ${check.stream}: ${check.state}`);
      if (check.agentError) out.push(`    agent: ${check.agentError}`);
      for (const event of check.lastEvents ?? []) out.push(`    | ${event}`);
    }
    for (const p of host.preflight ?? []) {
      if (p.level === 'ok') continue;
      out.push(`  preflight ${p.level}: ${p.log ? `[${p.log}] ` : ''}${p.message}`);
      if (p.sample) out.push(`    sample: ${p.sample}`);
    }
    // Preflight findings are listed above with their sample; `warnings` repeats them for --json readers.
    const shown = new Set((host.preflight ?? []).map(preflightWarning));
    for (const warning of host.warnings ?? []) if (!shown.has(warning)) out.push(`  warning: ${warning}`);
    if (host.error) {
      out.push(`  error: ${host.error.message}`);
      if (host.error.hint) out.push(`  hint: ${host.error.hint}`);
    }
  }
  const width = Math.max(4, ...report.hosts.map((h) => h.name.length));
  out.push('', `${'HOST'.padEnd(width)}  STATUS        CHANGES  WARNINGS`);
  for (const host of report.hosts)
    out.push(
      `${host.name.padEnd(width)}  ${label(host.status).padEnd(12)}  ${String(host.changes.length).padEnd(7)}  ${(host.warnings ?? []).length}`,
    );
  const s = report.summary;
  out.push(
    '',
    `run ${report.run} (${report.command}): ${s.ok} ok, ${s.changed} ${label('changed')}, ${s.failed} failed, ${s.unreachable} unreachable`,
  );
  (options.out ?? process.stdout).write(out.join('\n') + '\n');
}
