// The way back from the CloudWatch agent to awslogs, on one host: `provision rollback` of a migration, and what a
// cut-over that failed after it stopped awslogs runs on the spot. Two round trips: stop the CloudWatch agent and
// read its state folder (each position with the inode its path has now), awslogs' state file and each log's
// files (the host lock taken back from the cut-over's watchdog when it holds it); then, decided here, one script writes awslogs' rows (start = end = the agent's position: nothing
// replayed), the drains of files rotated since, puts back the migration's before-images, removes the agent's
// configuration and state, disables it, and enables and starts awslogs.
import type { HostSession } from '../../../core/ports.js';
import { quote } from '../../../core/shell-quote.js';
import type { ChangeReport } from '../../../core/report.js';
import type { HostFacts, OsFlavour } from '../../../core/types.js';
import { serviceControl, SERVICE_COMMANDS } from '../../../operations/service.js';
import { parseApplyOutput } from '../../../operations/apply-script.js';
import { wholeScript } from '../../../operations/remote-script.js';
import { backLines } from '../../awslogs/migrate/back-script.js';
import { seededState } from '../../awslogs/migrate/seed-state.js';
import { AGENT_LOG_PATH as AWSLOGS_LOG, AGENT_READY, serviceName } from '../../awslogs/desired.js';
import { LOG_OPTIONS, type LogSection } from '../../awslogs/spec.js';
import {
  awslogsSeed,
  drainLinks,
  planBack,
  planRisks,
  type AgentPosition,
  type Translation,
} from '../from-awslogs/index.js';
import { parseStateFolder, stateFolderLines } from './observe-script.js';
import { stopAndObserve } from './stop-and-observe.js';
import { parseStateFile } from '../state-folder.js';
import { installedConfigPath } from '../state-folder.js';
import { MANAGED_JSON_PATH, SERVICE_NAME, STATE_DIR, TOML_PATH, YAML_PATH } from '../paths.js';
import { seedLogs } from './host-translation.js';
import { wayBackLock } from './seed-script.js';

export interface WayBackInput {
  /** Runs a script on the host as root. */
  session: HostSession;
  facts: HostFacts;
  flavour: OsFlavour;
  translation: Translation;
  /** awslogs' sections as its configuration holds them (drain sections copy them). */
  sections: readonly LogSection[];
  statePath: string;
  /** awslogs.conf as it is (drain sections are appended to it), when the host has one. */
  confText?: string;
  runId: string;
  /** The migration run whose before-images are put back. */
  fromRunId: string;
  stepTimeoutS: number;
}

export interface WayBack {
  ok: boolean;
  changes: ChangeReport[];
  warnings: string[];
  error?: string;
}

export function awslogsControl(flavour: OsFlavour) {
  return serviceControl(flavour, serviceName(flavour), AGENT_READY);
}

/** awslogs' enable at boot. */
export function awslogsEnable(flavour: OsFlavour): string {
  return SERVICE_COMMANDS[flavour].enable(serviceName(flavour));
}

export function cloudwatchControl(flavour: OsFlavour) {
  return serviceControl(flavour, SERVICE_NAME);
}

/** The CloudWatch agent's control for the way back: stopping an agent that is not running (or not installed) is done. */
function stoppableCloudwatch(flavour: OsFlavour) {
  const control = cloudwatchControl(flavour);
  return { ...control, stop: `sh -c ${quote(`${control.status} || exit 0; ${control.stop}`)}` };
}

export async function wayBack(input: WayBackInput): Promise<WayBack> {
  const { session, translation } = input;
  const awslogs = awslogsControl(input.flavour);
  const cloudwatch = stoppableCloudwatch(input.flavour);
  const patterns = translation.sections.map((s) => s.file);
  const stopped = await stopAndObserve({
    session,
    runId: input.runId,
    agent: cloudwatch,
    statePath: input.statePath,
    patterns,
    lock: wayBackLock(input.runId, input.fromRunId),
    more: stateFolderLines(STATE_DIR),
    stepTimeoutS: input.stepTimeoutS,
  });
  // The cut-over's watchdog came first: awslogs runs as it did before the cut-over, nothing to carry back.
  if (stopped.kind === 'not stopped' && stopped.step === 'watchdog')
    return { ok: true, changes: [], warnings: [stopped.why] };
  if (stopped.kind === 'not stopped')
    return {
      ok: false,
      changes: [],
      warnings: [],
      error: `stopping the CloudWatch agent failed: ${stopped.step ?? ''} ${stopped.why}`,
    };
  if (stopped.kind === 'unreadable' || stopped.kind === 'unsettled')
    return {
      ok: false,
      changes: [],
      warnings: [],
      error: `${stopped.kind === 'unreadable' ? `awslogs' state file cannot be read (${stopped.why})` : stopped.why}: nothing was written; the CloudWatch agent is started again by the watchdog within 3 minutes`,
    };
  const positions: AgentPosition[] = parseStateFolder(stopped.stdout).flatMap((s) => {
    try {
      const r = parseStateFile(s.content);
      return [{ path: r.path, offset: r.offset, ...(s.inode !== undefined ? { inode: s.inode } : {}) }];
    } catch {
      return [];
    }
  });
  const logs = seedLogs(translation, input.facts, stopped.observed);
  const plans = planBack(positions, logs);
  const links = drainLinks(plans, input.runId);
  const seed = awslogsSeed(plans, logs, links, (name) => input.sections.find((s) => s.section === name), Date.now());
  const state = stopped.state.kind === 'read' ? stopped.state : undefined;
  const content = seededState(state?.bytes, seed);
  const conf =
    seed.drainSections.length > 0 && input.confText !== undefined
      ? input.confText.replace(/\n*$/, '\n') +
        seed.drainSections
          .map(
            (s) =>
              `\n[${s.section}]\n${LOG_OPTIONS.flatMap((o) => (s[o] === undefined ? [] : [`${o} = ${s[o]}`])).join('\n')}\n`,
          )
          .join('')
      : undefined;
  const second = await session.run(
    wholeScript(
      input.runId,
      backLines({
        fromRunId: input.fromRunId,
        awslogs,
        awslogsEnable: awslogsEnable(input.flavour),
        agentLogPath: AWSLOGS_LOG,
        cloudwatch,
        state: {
          path: input.statePath,
          expectedSha256: state?.sha256 ?? 'absent',
          content,
          mode: state?.mode ?? 0o644,
          owner: state?.owner ?? 'root',
          group: state?.group ?? 'root',
        },
        links,
        ...(conf !== undefined ? { conf } : {}),
        remove: [installedConfigPath(MANAGED_JSON_PATH), TOML_PATH, YAML_PATH],
        stateDir: STATE_DIR,
      }),
      input.stepTimeoutS,
    ),
  );
  const outcome = parseApplyOutput(second.stdout);
  const risks = planRisks(plans);
  const warnings = [
    ...plans.flatMap((p) => p.notes),
    ...seed.unseeded.map((u) => `${u.path}: ${u.reason}`),
    ...risks.lost.map((r) => `${r.path} bytes ${r.from}-${r.to} lost: ${r.reason}`),
  ];
  const changes: ChangeReport[] = [
    ...plans.flatMap((p) =>
      p.current
        ? [
            {
              kind: 'seed',
              path: p.current.path,
              summary: `awslogs resumes at byte ${p.current.offset}: ${p.current.why}`,
            },
          ]
        : [],
    ),
    ...links.map((l) => ({
      kind: 'drain',
      path: l.path,
      summary: `awslogs drains it from byte ${l.offset} through ${l.link}`,
    })),
  ];
  if (!outcome.ok)
    return {
      ok: false,
      changes,
      warnings,
      error: `the way back failed at ${outcome.failedStep ?? 'its script'}: ${outcome.messages.join(' ') || second.stderr.trim().slice(-300)}${outcome.agentLog.length ? `\nagent log:\n${outcome.agentLog.join('\n')}` : ''}`,
    };
  return { ok: true, changes, warnings };
}
