// The migration's dry run for people: each awslogs key of a host with its fate in the CloudWatch agent (kept,
// converted, dropped, seeded, or why the host stops), and the inventory change for the operator to review.
import { stringify } from 'yaml';
import type { KeyFate } from '../core/key-fate.js';
import { terminalText } from './terminal-text.js';

const HEADER = ['SECTION', 'OPTION', 'AWSLOGS', 'FATE', 'CLOUDWATCH AGENT'];
const MAX_CELL = 48;

function cell(text: string): string {
  const t = terminalText(text);
  return t.length > MAX_CELL ? `${t.slice(0, MAX_CELL - 1)}…` : t;
}

/** One line per key, its note indented below it; the stops first. */
export function formatFateTable(host: string, fates: readonly KeyFate[]): string {
  const stops = fates.filter((f) => f.fate === 'stop');
  const out: string[] = [];
  out.push(
    stops.length === 0
      ? `${terminalText(host)}: ${fates.length} awslogs key(s), every one carried over`
      : `${terminalText(host)}: not migrated, ${stops.length} key(s) cannot be carried over:`,
  );
  for (const s of stops) out.push(`  ✖ ${cell(s.section)} ${cell(s.option)}: ${terminalText(s.note)}`);
  const rows = fates.map((f) => [
    cell(f.section),
    cell(f.option),
    f.value === undefined ? '(not set)' : cell(f.value),
    f.fate,
    f.target === undefined ? '-' : cell(f.result === undefined ? f.target : `${f.target} = ${f.result}`),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out.push('', line(HEADER));
  rows.forEach((r, i) => {
    out.push(line(r));
    if (fates[i]!.note) out.push(`    ${terminalText(fates[i]!.note)}`);
  });
  return out.join('\n');
}

/** The host's new variables as YAML under its name, for the operator to review and commit. */
export function formatInventoryChange(
  host: string,
  vars: Record<string, unknown>,
  replaced: readonly string[],
): string {
  const yaml = stringify({ [host]: vars }, { lineWidth: 0 });
  return [
    `# ${terminalText(host)}: the CloudWatch agent's variables (aws_region and aws_endpoint_url stay as they are);`,
    `# ${replaced.join(', ')} stay too, for the way back (the CloudWatch agent ignores them)`,
    terminalText(yaml, { lines: true }).trimEnd(),
  ].join('\n');
}
