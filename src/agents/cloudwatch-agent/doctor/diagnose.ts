// The CloudWatch agent's diagnosis of one host, after the runs' probe and preflight: what its control script says
// of it (`amazon-cloudwatch-agent-ctl -a status`), whether the config it reads is the tool's, its read positions
// (the state folder) against the files' sizes, and its log's faults, as named faults with evidence and remedies.
import type { AgentDiagnosis, DiagnoseContext } from '../../../core/agent-plugin.js';
import type { Fault, StateReport, StreamReport } from '../../../core/report.js';
import type { HostFacts } from '../../../core/types.js';
import { formatBytes } from '../first-start.js';
import { tailedFiles, type ProbedFile } from '../first-start.js';
import { desiredJson } from '../desired.js';
import { CONFIG_DIR, CTL_PATH, MANAGED_JSON_PATH, STATE_DIR } from '../paths.js';
import { entryName } from '../preflight.js';
import type { CloudWatchAgentSpec } from '../spec.js';
import { fetchConfigName, installedConfigPath } from '../state-folder.js';
import type { CloudWatchAgentLogFault } from './agent-log.js';
import { parseStates, readStatesScript, type StateRead } from './state-script.js';

/** Seconds the control script may take to say how the agent is. */
const STATUS_TIMEOUT_S = 20;

/** How the state folder was read: said in the --json report. */
export const STATE_READ =
  'each state file read on the host (as root, or as the user who controls the folder), bounded to 64 KiB';

export async function diagnoseCloudWatchAgent(ctx: DiagnoseContext<CloudWatchAgentSpec>): Promise<AgentDiagnosis> {
  const { spec, facts } = ctx;
  const faults: Fault[] = [];
  const warnings: string[] = [];
  if (!facts.package.installed) {
    faults.push({
      fault: 'not-installed',
      severity: 'error',
      evidence: ['the amazon-cloudwatch-agent package is not installed'],
      remedy: 'provision apply installs, configures and starts it',
      repair: 'apply',
    });
    return { faults, warnings };
  }
  if (!facts.service.active)
    faults.push({
      fault: 'agent-stopped',
      severity: 'error',
      evidence: ['the amazon-cloudwatch-agent service is not running'],
      remedy: 'provision apply starts it (and shows why it does not stay up)',
      repair: 'apply',
    });
  if (!facts.service.enabled)
    faults.push({
      fault: 'agent-disabled',
      severity: 'warning',
      evidence: ['the amazon-cloudwatch-agent service does not start at boot'],
      remedy: 'provision apply enables it',
      repair: 'apply',
    });
  const status = await controlStatus(ctx);
  if (status && status.configstatus !== undefined && status.configstatus !== 'configured')
    faults.push({
      fault: 'not-configured',
      severity: 'error',
      evidence: [`amazon-cloudwatch-agent-ctl -a status: configstatus ${JSON.stringify(status.configstatus)}`],
      remedy: 'provision apply installs the config (fetch-config) and starts the agent',
      repair: 'apply',
    });
  if (!status) warnings.push('amazon-cloudwatch-agent-ctl -a status said nothing the doctor could read');
  faults.push(...configDrift(spec, facts));

  const state = await stateView(ctx);
  faults.push(...stateFaults(state, facts));
  faults.push(...preflightFaults(ctx));
  faults.push(...logFaults((ctx.logFaults ?? []) as CloudWatchAgentLogFault[], faults));
  return { faults, state, ...(status ? { status } : {}), warnings };
}

async function controlStatus(ctx: DiagnoseContext<CloudWatchAgentSpec>): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await ctx.session.run(
      `if command -v timeout >/dev/null 2>&1; then timeout ${STATUS_TIMEOUT_S} ${CTL_PATH} -a status; else ${CTL_PATH} -a status; fi 2>&1 | head -c 4096\n`,
    );
    const json = /\{[\s\S]*\}/.exec(out.stdout)?.[0];
    const parsed = json ? (JSON.parse(json) as unknown) : undefined;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The config the agent reads is not what the tool would install: a hand edit, another tool, or a lost copy. */
function configDrift(spec: CloudWatchAgentSpec, facts: HostFacts): Fault[] {
  const copy = installedConfigPath(MANAGED_JSON_PATH);
  const fact = facts.files[copy];
  const evidence: string[] = [];
  if (!fact?.exists) evidence.push(`${copy} (the agent's copy of the tool's config) is absent`);
  else if (fact.content !== desiredJson(spec)) evidence.push(`${copy} is not the config the inventory gives`);
  const others = (facts.dirs?.[CONFIG_DIR] ?? [])
    .map((e) => e.name)
    .filter((n) => n !== fetchConfigName(MANAGED_JSON_PATH));
  if (others.length)
    evidence.push(`${CONFIG_DIR} also holds ${others.join(', ')} (the agent merges every config there)`);
  if (evidence.length === 0) return [];
  return [
    {
      fault: 'config-drift',
      severity: 'warning',
      evidence,
      remedy:
        'provision apply installs the inventory’s config again (fetch-config replaces the folder’s configs); its dry run shows the diff',
      repair: 'apply',
    },
  ];
}

/** The state folder as the doctor reads it: each tailed file with its offset. */
type StateFolderView = Omit<StateReport, 'streams'> & { streams: TailedStream[] };

interface TailedStream extends StreamReport {
  /** Bytes written to the file that the agent has not sent (its saved offset against the size). */
  unsentBytes?: number;
  /** The file's mtime, epoch ms. */
  mtimeMs?: number;
}

async function stateView(ctx: DiagnoseContext<CloudWatchAgentSpec>): Promise<StateFolderView> {
  const { spec, facts } = ctx;
  const tailed = spec.entries.map((entry, i) => {
    const files: ProbedFile[] = (facts.logs?.[i]?.files ?? [])
      .filter((f) => f.role === 'match')
      .map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, kind: f.kind }));
    return { entry, files: tailedFiles(entry, files) };
  });
  const paths = [...new Set(tailed.flatMap((t) => t.files.map((f) => f.path)))];
  const report: StateFolderView = {
    path: STATE_DIR,
    present: facts.dirs?.[STATE_DIR] !== undefined,
    read: STATE_READ,
    streams: [],
  };
  let states: StateRead[] | undefined = [];
  if (paths.length > 0) {
    try {
      states = parseStates((await ctx.session.run(readStatesScript(paths))).stdout, paths.length);
    } catch (err) {
      report.error = `cannot read ${STATE_DIR}: ${(err as Error).message}`;
    }
    if (states === undefined) report.error ??= `the read of ${STATE_DIR} did not finish`;
  }
  for (const { entry, files } of tailed) {
    const log = entryName(spec, entry);
    if (files.length === 0) {
      report.streams.push({ log, stale: false, notes: ['no file to tail yet'] });
      continue;
    }
    for (const file of files) {
      const read = states?.[paths.indexOf(file.path)];
      const view: TailedStream = {
        log,
        file: file.path,
        fileSize: file.size,
        mtimeMs: file.mtimeMs,
        stale: false,
        notes: [],
      };
      if (!read || read.state === 'absent') {
        view.position = 'no state file: the agent reads it from byte 0 at its next start';
        view.saved = false;
      } else if (read.state !== 'ok') {
        view.position = `state file unreadable: ${read.why}`;
      } else {
        const offset = read.record.offset;
        view.saved = true;
        view.position = `offset ${offset} of ${file.size}`;
        if (offset > file.size) {
          view.notes.push(
            `the file (${file.size} bytes) is shorter than the saved offset ${offset}: truncated or replaced; the agent reads it again from byte 0`,
          );
        } else {
          view.unsentBytes = file.size - offset;
          if (view.unsentBytes > 0)
            view.notes.push(`${formatBytes(view.unsentBytes)} after the saved offset not yet sent`);
        }
      }
      report.streams.push(view);
    }
  }
  return report;
}

/** Bytes still unsent long after they were written (more than two flushes and a minute): the agent is stuck on them. */
function stateFaults(state: StateFolderView, facts: HostFacts): Fault[] {
  if (!facts.service.active) return [];
  const stuck = state.streams.filter(
    (s) => (s.unsentBytes ?? 0) > 0 && s.mtimeMs !== undefined && facts.clockMs - s.mtimeMs > 5 * 60_000,
  );
  return stuck.map((s) => ({
    fault: 'unsent-bytes',
    severity: 'warning',
    log: s.log,
    evidence: [
      `${s.file}: ${formatBytes(s.unsentBytes!)} after the saved offset, and the file has not changed for ${Math.round((facts.clockMs - s.mtimeMs!) / 60_000)} min: the agent is not sending it`,
    ],
    remedy:
      'see the agent log’s faults below (credentials, permissions, dropped retries); the offset moves only once CloudWatch Logs accepted a batch',
  }));
}

const PREFLIGHT_FAULT: Record<string, string> = {
  clock: 'clock-skew',
  run_as_user: 'unreadable-as-user',
  file: 'file-not-found',
  timestamp_format: 'timestamp-format',
  future: 'out-of-time-range',
  past: 'out-of-time-range',
  first_start: 'first-start-resend',
};

const PREFLIGHT_REMEDY: Record<string, string> = {
  'clock-skew': "fix the host's clock (chronyd or ntpd); the tool never sets a host's clock",
  'unreadable-as-user':
    'run the agent as root (leave out agent.run_as_user), or grant that user read access to the file and its folders (a group, an ACL), then provision apply',
  'file-not-found': 'point file_path at the log the application writes (in the inventory), then provision apply',
  'timestamp-format': 'change timestamp_format in the inventory to match the lines, then provision apply',
  'out-of-time-range':
    "the agent drops events more than 14 days old or 2 hours ahead of the host's clock: fix timezone (or the clock of the host or the application); old lines are history",
  'first-start-resend':
    'the agent has no setting to start at the end of a file: seed its state file (provision migrate) or accept the resend',
};

function preflightFaults(ctx: DiagnoseContext<CloudWatchAgentSpec>): Fault[] {
  return ctx.checks.flatMap((check) => {
    if (check.level === 'ok') return [];
    const fault = PREFLIGHT_FAULT[check.check];
    if (!fault) return [];
    return [
      {
        fault,
        severity: check.level,
        ...(check.log ? { log: check.log } : {}),
        evidence: [check.message, ...(check.sample ? [`sample: ${check.sample}`] : [])],
        remedy: PREFLIGHT_REMEDY[fault]!,
      },
    ];
  });
}

const LOG_REMEDY: Record<string, string> = {
  'credentials-denied':
    'the identity is refused: give it the CloudWatch agent’s rights (provision iam setup), or new keys, then provision apply',
  'credentials-missing':
    'attach an instance profile with CloudWatchAgentServerPolicy (provision iam setup --mode role), or set cloudwatch_agent_credentials to keys or env and run provision apply',
  'unreadable-as-user': PREFLIGHT_REMEDY['unreadable-as-user']!,
  'file-not-found': 'the agent waits for the file: check file_path in the inventory, or that the application writes it',
  'out-of-time-range': PREFLIGHT_REMEDY['out-of-time-range']!,
  'retries-dropped':
    'fix what refused the sends (the faults above: credentials, endpoint); the dropped events are lost',
  'timestamp-fallback': PREFLIGHT_REMEDY['timestamp-format']!,
  'file-truncated':
    'truncate logs by rotation (copytruncate loses or repeats lines around it): rename and reopen instead',
};

const LOG_SEVERITY: Record<string, 'error' | 'warning'> = {
  'credentials-denied': 'error',
  'credentials-missing': 'error',
  'unreadable-as-user': 'error',
  'out-of-time-range': 'error',
  'retries-dropped': 'error',
};

/** The log's findings as faults: current ones at their severity, history as warnings; merged with preflight's. */
function logFaults(found: CloudWatchAgentLogFault[], already: Fault[]): Fault[] {
  const out: Fault[] = [];
  for (const f of found) {
    const evidence = [
      `${f.count} line(s) in the agent log: ${f.what}${f.lastMs !== undefined ? ` (last ${new Date(f.lastMs).toISOString().replace(/\.\d+Z$/, 'Z')})` : ''}${f.current ? '' : ', before the agent last started'}`,
      ...(f.about.length ? [`about: ${f.about.join(', ')}`] : []),
      f.sample,
    ];
    const same = already.find((a) => a.fault === f.fault);
    if (same) {
      same.evidence.push(...evidence);
      continue;
    }
    out.push({
      fault: f.fault,
      severity: f.current ? (LOG_SEVERITY[f.fault] ?? 'warning') : 'warning',
      evidence,
      remedy: LOG_REMEDY[f.fault] ?? 'see the evidence',
    });
  }
  return out;
}
