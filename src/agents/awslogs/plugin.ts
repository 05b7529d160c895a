// The awslogs agent as a plug-in (src/core/agent-plugin.ts): its inventory rules, its two files and their
// templates, its package and service, what the probe reads for it, its preflight, doctor and restart discipline.
import type { LogAgentPlugin } from '../../core/agent-plugin.js';
import type { OsFlavour } from '../../core/types.js';
import { validateHosts } from './validate.js';
import type { HostSpec, RenderedFiles } from './spec.js';
import { renderHostFiles, DEFAULT_TEMPLATES_DIR } from './render.js';
import {
  AGENT_CODE_DIRS,
  AGENT_LOG_PATH,
  AWSCLI_CONF_PATH,
  AWSLOGS_CONF_PATH,
  AGENT_READY,
  desiredState,
  PACKAGE_NAME,
  serviceName,
} from './desired.js';
import { fingerprintEnd } from './source-id.js';
import { resolveStreamName } from './stream-names.js';
import { hostChecks, sectionPreflight } from './doctor/preflight.js';
import { classifyAgentLog } from './doctor/agent-log.js';
import { FAULT_NAMES } from './fault-names.js';
import { AWSLOGS_RESTART } from './restart/with-restart.js';
import { carryDrainSections } from './carry-drains.js';
import { hostLocalTime } from '../../doctor/local-time.js';

/** How long the agent buffers a log's lines by default (buffer_duration, ms). */
const DEFAULT_BUFFER_MS = 5000;

/** Python's %f (microseconds) is GNU date's %6N; every other allowed directive means the same to both. */
export function dateFormatOf(datetimeFormat: string): string {
  return datetimeFormat.replace(/%(%|f)/g, (m, d: string) => (d === 'f' ? '%6N' : m));
}

/** The rendered files as the two managed files of the desired state (flavour does not change them). */
function filesOf(spec: HostSpec, rendered: RenderedFiles) {
  return desiredState(spec, rendered, 'amzn2').files;
}

function renderedOf(files: { files: { path: string; content: string }[]; secrets: string[] }): RenderedFiles {
  const text = (path: string) => files.files.find((f) => f.path === path)?.content ?? '';
  return { awslogsConf: text(AWSLOGS_CONF_PATH), awscliConf: text(AWSCLI_CONF_PATH), secrets: files.secrets };
}

export const awslogsPlugin: LogAgentPlugin<HostSpec> = {
  name: 'awslogs',
  credentialsVar: 'awslogs_credentials',
  agentLog: { path: AGENT_LOG_PATH, problems: ' - (ERROR|WARNING) - ' },
  ready: AGENT_READY,
  validate: validateHosts,
  unsupported(flavour: OsFlavour | 'unknown') {
    if (flavour === 'amzn2023')
      return 'Amazon Linux 2023 has no awslogs package: set log_agent: cloudwatch-agent for this host';
    if (flavour === 'unknown') return 'Amazon Linux 1 or 2 expected';
    return undefined;
  },
  render(spec, credentials) {
    const rendered = renderHostFiles(spec, credentials, DEFAULT_TEMPLATES_DIR);
    return { files: filesOf(spec, rendered), secrets: rendered.secrets };
  },
  desiredState: (spec, files, flavour) => desiredState(spec, renderedOf(files), flavour),
  serviceName,
  probe: () => ({
    paths: [AWSLOGS_CONF_PATH, AWSCLI_CONF_PATH],
    packageName: PACKAGE_NAME,
    services: { amzn1: serviceName('amzn1'), amzn2: serviceName('amzn2') },
    agentCodeDirs: AGENT_CODE_DIRS,
  }),
  logs: (spec) =>
    spec.logs.map((l) => ({
      name: l.section,
      file: l.file,
      group: l.log_group_name,
      stream: l.log_stream_name,
      headLines: fingerprintEnd(l.file_fingerprint_lines),
      ...(l.datetime_format
        ? { probeStamp: { dateFormat: dateFormatOf(l.datetime_format), utc: l.time_zone === 'UTC' } }
        : {}),
      flushMs: l.buffer_duration ?? DEFAULT_BUFFER_MS,
    })),
  resolveName: (template, _spec, facts) => resolveStreamName(template, facts),
  preflight: {
    hostChecks,
    logChecks: sectionPreflight,
    timedOut(spec, index, budgetMs) {
      const section = spec.logs[index]!;
      const pattern = section.multi_line_start_pattern;
      const custom = pattern !== undefined && pattern !== '' && pattern !== '{datetime_format}';
      const what = custom
        ? `multi_line_start_pattern ${pattern}`
        : `datetime_format ${section.datetime_format ?? ''}`.trimEnd();
      const rest = spec.logs.slice(index + 1).map((s) => s.section);
      return {
        check: custom ? 'multi_line_start_pattern' : 'datetime_format',
        log: section.section,
        level: 'error',
        message:
          `${what} did not finish within ${Math.round(budgetMs / 1000)} s on the last lines of ${section.file} ` +
          `(a pattern that backtracks on a long line; the agent's Python re would stall on the same line): stopped, not checked` +
          (rest.length ? `; not checked either: ${rest.join(', ')}` : ''),
      };
    },
  },
  doctor: {
    faultNames: FAULT_NAMES,
    classifyLog: (text, truncated, facts) => classifyAgentLog(text, hostLocalTime(facts).local, truncated),
    // Loaded when the doctor runs: an apply never pays for them.
    diagnose: async (ctx) => (await import('./doctor/diagnosis.js')).diagnoseAwslogs(ctx),
    repair: async (ctx, diagnosis, report) => (await import('./doctor/repair.js')).repairHost(ctx, diagnosis, report),
  },
  restart: AWSLOGS_RESTART,
  // The migration's way back may have left drain sections in awslogs.conf: an apply keeps them.
  carryOver: (ctx) => Promise.resolve(carryDrainSections(ctx)),
};
