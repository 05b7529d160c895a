// `provision doctor` for people: one table of the agent's health per host, then each host's faults with
// their evidence and remedy, its state file's streams, and (with --fix) the diffs of the repair.
import { statusLabel, type RunReport } from './report.js';
import { terminalText } from './terminal-text.js';

/** A value from a host or an inventory, escaped and kept on its line (see terminal-text.ts). */
const one = (text: string) => terminalText(text);

interface Agent {
  installed: boolean;
  version?: string;
  service: string;
  active: boolean;
  enabled: boolean;
}
interface Stream {
  log: string;
  file?: string;
  /** Where the agent resumes, in the agent's words; `saved` when it has a position saved for it. */
  position?: string;
  saved?: boolean;
  stale: boolean;
  notes: string[];
}
interface Fault {
  fault: string;
  severity: string;
  log?: string;
  evidence: string[];
  remedy: string;
  repair?: string;
  repaired?: boolean;
}
interface Host {
  name: string;
  status: string;
  agent?: Agent;
  faults?: Fault[];
  state?: { path: string; present: boolean; streams: Stream[]; error?: string };
  preflight?: { check: string; log?: string; level: string; message: string; sample?: string }[];
  changes: { kind: string; path?: string; summary: string; diff?: string; command?: string }[];
  checks?: { log: string; group: string; stream: string; state: string }[];
  warnings?: string[];
  error?: { message: string; hint?: string };
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
}

export function printDoctor(report: RunReport, options: { diffs: boolean }): void {
  const hosts = report.hosts as unknown as Host[];
  const dryRun = report.dryRun === true;
  const out: string[] = [];
  const table = hosts.map((h) => [
    one(h.name),
    h.agent ? (h.agent.installed ? one(h.agent.version ?? 'installed') : 'not installed') : '-',
    h.agent
      ? `${h.agent.service} ${h.agent.active ? 'active' : 'inactive'}, ${h.agent.enabled ? 'enabled' : 'disabled'}`
      : '-',
    h.state
      ? h.state.present
        ? `${h.state.streams.filter((s) => s.saved).length} stream(s), ${h.state.streams.filter((s) => s.stale).length} stale`
        : 'absent'
      : '-',
    h.faults
      ? h.faults.map((f) => f.fault).join(', ') || 'none'
      : h.preflight
        ? `${h.preflight.filter((p) => p.level !== 'ok').length} preflight finding(s)`
        : '-',
    statusLabel(h.status, dryRun),
  ]);
  const head = ['HOST', 'AGENT', 'SERVICE', 'STATE', 'FAULTS', 'STATUS'];
  const widths = head.map((t, i) => Math.max(t.length, ...table.map((r) => r[i]!.length)));
  out.push(row(head, widths), ...table.map((r) => row(r, widths)), '');
  for (const h of hosts) {
    out.push(`${one(h.name)}: ${statusLabel(h.status, dryRun)}`);
    for (const f of h.faults ?? []) {
      out.push(
        `  ${f.severity} ${f.fault}${f.log ? ` [${f.log}]` : ''}${f.repaired ? ' (repaired by this run)' : f.repair ? ` (repairable: ${f.repair === 'apply' ? 'provision apply' : 'doctor --fix'})` : ''}`,
      );
      for (const e of f.evidence) out.push(`    ${one(e)}`);
      out.push(`    remedy: ${one(f.remedy)}`);
    }
    // With a diagnosis, every preflight finding is one of the faults above.
    for (const p of h.faults ? [] : (h.preflight ?? [])) {
      out.push(`  preflight ${p.level}: ${p.log ? `[${one(p.log)}] ` : ''}${one(p.message)}`);
      if (p.sample) out.push(`    sample: ${one(p.sample)}`);
    }
    if (h.state) {
      out.push(
        `  state ${h.state.path}: ${h.state.present ? 'present' : 'absent'}${h.state.error ? ` (${h.state.error})` : ''}`,
      );
      for (const s of h.state.streams) {
        out.push(`    ${one(s.log)}: ${one(s.position ?? '')}${s.stale ? '  STALE' : ''}`);
        for (const n of s.notes) out.push(`      ${one(n)}`);
      }
    }
    for (const c of h.changes) {
      out.push(`  ${c.kind}${c.path ? ` ${c.path}` : ''}: ${c.summary}`);
      if (options.diffs && c.diff) out.push(c.diff.replace(/\n$/, '').replace(/^/gm, '    '));
      if (options.diffs && c.command) out.push(`    $ ${c.command}`);
    }
    for (const c of h.checks ?? []) out.push(`  verify ${c.log} → ${c.group} / ${c.stream}: ${c.state}`);
    for (const w of h.warnings ?? []) out.push(`  warning: ${one(w)}`);
    if (h.error) {
      out.push(`  error: ${one(h.error.message)}`);
      if (h.error.hint) out.push(`  hint: ${h.error.hint}`);
    }
  }
  const s = report.summary;
  // How state files are read (report.stateRead) is for --json readers and README, not every run's output.
  out.push(
    '',
    `run ${report.run} (${report.command}${dryRun ? ', dry run' : ''}): ${s.ok} ok, ${s.changed} ${statusLabel('changed', dryRun)}, ${s.failed} failed, ${s.unreachable} unreachable`,
  );
  // Everything else (diffs, hints) spans lines: escaped as a whole, line feeds kept.
  process.stdout.write(terminalText(out.join('\n'), { lines: true }) + '\n');
}
