// A host's awslogs configuration → the CloudWatch agent's: one collect_list entry per section, the global
// force_flush_interval, the host's new inventory variables, and every awslogs key's fate (kept, converted,
// dropped, seeded, or a stop). The result is checked by this plug-in's own validation, as an operator's
// cloudwatch_agent_logs would be. Pure.
import type { InventoryHost } from '../../../inventory/types.js';
import { FLUSH_INTERVAL } from '../schema.js';
import { validateCloudWatchAgentHosts } from '../validate.js';
import { translateSection } from './section.js';
import type { KeyFate, SectionEntry, TranslateInput, Translation } from './types.js';

/** The awslogs variables a migrated host no longer reads (kept for the way back). */
export const REPLACED_VARS = ['awslogs_logs', 'awslogs_general', 'awslogs_credentials', 'awslogs_templates_dir'];

/** Warnings of the CloudWatch agent plug-in that say what awslogs did too (the fate's note says it). */
const SAME_AS_AWSLOGS = [/^multi_line_start_pattern is unset/, /^file_path is a glob/];

export function translateAwslogs(input: TranslateInput): Translation {
  const results = input.logs.map((log) => translateSection(log, input.names));
  const fates: KeyFate[] = [];
  const sections: SectionEntry[] = [];
  const entries: Record<string, unknown>[] = [];
  const byPath = new Map<string, string>();
  results.forEach((r, index) => {
    const path = r.entry.file_path;
    if (typeof path === 'string') {
      const first = byPath.get(path);
      if (first !== undefined) {
        const row = r.fates.find((f) => f.option === 'file')!;
        row.fate = 'stop';
        row.note = `section ${JSON.stringify(first)} reads the same file: the CloudWatch agent tails a path once and keeps one position for it, so one of the two streams would get nothing`;
      } else byPath.set(path, r.sectionEntry.section);
    }
    entries.push(r.entry);
    sections.push({ ...r.sectionEntry, index });
  });

  // buffer_duration (ms, per section) → force_flush_interval (s, for all files): the least, so that no file waits
  // longer than it did; whole seconds rounded down.
  const leastMs = Math.min(...results.map((r) => r.bufferMs));
  const forceFlushInterval = Math.min(FLUSH_INTERVAL.max, Math.max(FLUSH_INTERVAL.min, Math.floor(leastMs / 1000)));
  for (const r of results) {
    const row = r.fates.find((f) => f.option === 'buffer_duration')!;
    row.result = String(forceFlushInterval);
    // The row's note so far is what awslogs did with the value (an ignored one), if anything.
    row.note +=
      r.bufferMs / 1000 === forceFlushInterval
        ? `every ${forceFlushInterval} s, for every file (the agent has one interval)`
        : `every ${forceFlushInterval} s instead of ${r.bufferMs} ms: the agent has one interval for every file, the least section's (${leastMs} ms${leastMs % 1000 ? ', rounded down' : ''}); more, smaller requests, nothing later than before`;
    fates.push(...r.fates);
  }
  fates.push(...generalFates(input));

  const stops = fates.filter((f) => f.fate === 'stop');
  const translation: Translation = {
    ok: false,
    fates,
    stops,
    entries,
    forceFlushInterval,
    replacedVars: REPLACED_VARS,
    sections,
    warnings: [],
  };
  if (stops.length > 0) return translation;

  const inventoryVars: Record<string, unknown> = {
    log_agent: 'cloudwatch-agent',
    cloudwatch_agent_logs: entries,
    cloudwatch_agent_config: { logs: { force_flush_interval: forceFlushInterval } },
  };
  if (input.credentials) inventoryVars.cloudwatch_agent_credentials = input.credentials;
  const checked = validate(input, inventoryVars);
  if (!checked.spec) {
    for (const p of checked.problems)
      stops.push({
        section: '(translated configuration)',
        option: p.path ?? '',
        fate: 'stop',
        note: `the CloudWatch agent's rules refuse the translation: ${p.rule}`,
      });
    fates.push(...stops.filter((s) => !fates.includes(s)));
    return translation;
  }
  return {
    ...translation,
    ok: true,
    config: checked.spec.config,
    inventoryVars,
    warnings: checked.warnings,
  };
}

function generalFates(input: TranslateInput): KeyFate[] {
  const g = input.general;
  const ignored = (option: string) => input.generalIgnored?.find((i) => i.option === option);
  const gzip = ignored('use_gzip_http_content_encoding');
  const rows: KeyFate[] = [
    {
      section: '[general]',
      option: 'state_file',
      value: g.state_file,
      fate: 'seeded',
      note: "the CloudWatch agent keeps its positions in logs/state/; the cut-over reads awslogs' state to seed them, and keeps the file for the way back",
    },
    {
      section: '[general]',
      option: 'logging_config_file',
      fate: g.logging_config_file === undefined ? 'kept' : 'dropped',
      note:
        g.logging_config_file === undefined
          ? "not set: each agent writes its own log (the CloudWatch agent's: logs/amazon-cloudwatch-agent.log)"
          : 'a Python logging configuration has no equivalent: the CloudWatch agent writes its log to logs/amazon-cloudwatch-agent.log (agent.logfile), at its own level',
    },
    {
      section: '[general]',
      option: 'use_gzip_http_content_encoding',
      fate: 'dropped',
      note:
        (gzip ? `awslogs ignored this value (${gzip.why}) and used true; ` : '') +
        'the CloudWatch agent sends PutLogEvents uncompressed: more bytes on the wire, nothing else changes',
    },
  ];
  if (g.logging_config_file !== undefined) rows[1]!.value = g.logging_config_file;
  const gzipValue =
    gzip?.value ??
    (g.use_gzip_http_content_encoding === undefined ? undefined : String(g.use_gzip_http_content_encoding));
  if (gzipValue !== undefined) rows[2]!.value = gzipValue;
  return rows;
}

/** The new variables as an inventory host would hold them, through the CloudWatch agent plug-in's validation. */
function validate(input: TranslateInput, vars: Record<string, unknown>) {
  const host: InventoryHost = {
    name: 'migrated',
    groups: ['all'],
    vars: {
      ...(input.region !== undefined ? { aws_region: input.region } : {}),
      ...(input.endpointUrl !== undefined ? { aws_endpoint_url: input.endpointUrl } : {}),
      ...vars,
    },
    locate: () => ({ file: '(translated from awslogs)' }),
  };
  const result = validateCloudWatchAgentHosts([host], () => ({ error: 'no file is read' }));
  const spec = result.specs.get('migrated');
  const warnings = result.warnings
    .filter((w) => !SAME_AS_AWSLOGS.some((re) => re.test(w.rule)))
    .map((w) => `${(w.path ?? '').replace(/^hosts\.migrated\./, '')}: ${w.rule}`);
  return { spec, problems: result.problems, warnings };
}
