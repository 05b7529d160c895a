// The cut-over on one host, exactly once (README, "Migrating to the CloudWatch agent"): under the host lock, stop
// awslogs and read its state and each log's files (a watchdog starts awslogs again should nothing follow); ask
// CloudWatch Logs whether each file's last batch arrived; one script checks that every path is still the file
// read, makes the drain links, writes the CloudWatch agent's state files and disables awslogs; the apply script
// installs, configures (fetch-config: the agent's own validation first) and starts the CloudWatch agent; a fresh
// line in each log must arrive. Any failure after awslogs stopped runs the way back on the spot.
import type { Transport } from '../../core/ports.js';
import type { ChangeReport } from '../../core/report.js';
import type { HostFacts, OsFlavour } from '../../core/types.js';
import { changeReport, plan } from '../../core/plan.js';
import type { PreparedHost } from '../fleet/prepare.js';
import { probeHost, runScript } from '../fleet/host-session.js';
import { applyScript, parseApplyOutput, type ApplyOutcome } from '../../operations/apply-script.js';
import { wholeScript } from '../../operations/remote-script.js';
import { parseStopped, stopAndReadLines } from '../../agents/awslogs/restart/script.js';
import { askCloudWatch } from '../../agents/awslogs/restart/discipline.js';
import { trimmedRow, type Judged } from '../../agents/awslogs/restart.js';
import { readStateRows, rewritePushRows } from '../../agents/awslogs/state/state-file.js';
import { pyJson } from '../../agents/awslogs/doctor/state-view.js';
import type { HostSpec } from '../../agents/awslogs/spec.js';
import {
  batchesToAsk,
  cloudwatchStateFiles,
  drainEntries,
  drainLinks,
  planForward,
  planRisks,
  type DrainLink,
  type Translation,
} from '../../agents/cloudwatch-agent/from-awslogs/index.js';
import { observeLines, parseObserved } from '../../agents/cloudwatch-agent/migrate/observe-script.js';
import { seedLines } from '../../agents/cloudwatch-agent/migrate/seed-script.js';
import { AGENT_LOG_PATH as CLOUDWATCH_LOG } from '../../agents/cloudwatch-agent/paths.js';
import type { LogsReaders } from '../verify/verify-host.js';
import { cloudwatchHost, seedLogs } from './host-source.js';
import { awslogsControl, cloudwatchControl, wayBack, type WayBack } from './way-back.js';

export interface CutOverInput {
  transport: Transport;
  awslogsHost: PreparedHost;
  facts: HostFacts;
  hostSkewMs: number;
  flavour: OsFlavour;
  translation: Translation;
  /** For the way back: awslogs' sections and configuration text. */
  sections: Parameters<typeof wayBack>[0]['sections'];
  confText?: string;
  runId: string;
  readers: LogsReaders;
  verify: boolean;
  verifyTimeoutS?: number;
  stepTimeoutS: number;
  progress(text: string): void;
  /** Called once the apply script's outcome is known (the journal holds its files before verify). */
  applied(outcome: ApplyOutcome): Promise<void>;
}

export interface CutOver {
  ok: boolean;
  changes: ChangeReport[];
  warnings: string[];
  /** The CloudWatch agent's files the apply script wrote (before-images kept under the run). */
  files: ApplyOutcome['files'];
  checks?: Awaited<ReturnType<typeof import('../verify/verify-host.js').verifyHost>>;
  error?: string;
  /** The way back ran (the host is on awslogs again, or says why not). */
  back?: WayBack;
}

export async function cutOver(input: CutOverInput): Promise<CutOver> {
  const { transport, awslogsHost, translation } = input;
  const spec = awslogsHost.spec as HostSpec;
  const statePath = spec.general.state_file;
  const back = async (why: string, sofar: Partial<CutOver> = {}): Promise<CutOver> => {
    input.progress('putting awslogs back');
    const result = await wayBack({
      transport,
      host: awslogsHost,
      facts: input.facts,
      flavour: input.flavour,
      translation,
      sections: input.sections,
      statePath,
      ...(input.confText !== undefined ? { confText: input.confText } : {}),
      runId: input.runId,
      fromRunId: input.runId,
      stepTimeoutS: input.stepTimeoutS,
    }).catch((err: unknown) => ({ ok: false, changes: [], warnings: [], error: (err as Error).message }) as WayBack);
    return {
      ok: false,
      changes: sofar.changes ?? [],
      warnings: [...(sofar.warnings ?? []), ...result.warnings],
      files: sofar.files ?? [],
      ...(sofar.checks ? { checks: sofar.checks } : {}),
      error: `${why}; ${result.ok ? 'the host was put back on awslogs (its positions carried back)' : `putting it back failed too: ${result.error ?? ''}`}`,
      back: result,
    };
  };

  // 1-3, again (at most MOVE_RETRIES times) when a path changed between the read and the seeding (a rotation).
  let seeded: Seeded | CutOver | 'moved' = 'moved';
  for (let attempt = 1; seeded === 'moved'; attempt++) seeded = await readAndSeed(input, attempt < MOVE_RETRIES);
  if (!('links' in seeded)) {
    if (seeded.back === undefined && seeded.error?.startsWith('seeding failed') && seeded.changes.length > 0)
      return back(seeded.error, { changes: seeded.changes, warnings: seeded.warnings });
    return seeded;
  }
  const { links, changes, warnings } = seeded;

  // 4. Install, configure and start the CloudWatch agent (its JSON with any drain entries).
  const entryOf = (section: string) =>
    translation.entries[translation.sections.findIndex((s) => s.section === section)];
  let target: PreparedHost;
  let outcome: ApplyOutcome;
  let applyChanges: ChangeReport[];
  let cwFacts: HostFacts;
  try {
    target = await cloudwatchHost(awslogsHost, translation, drainEntries(links, entryOf));
    cwFacts = (await probeHost(transport, target)).facts;
    const desired = target.agent.desiredState(target.spec, target.files, input.flavour);
    const result = plan(desired, cwFacts);
    if (result.refusals.length > 0) throw new Error(result.refusals.join('; '));
    applyChanges = result.changes.map(changeReport);
    input.progress('installing and starting the CloudWatch agent');
    const out = await runScript(
      transport,
      target,
      applyScript({
        runId: input.runId,
        changes: result.changes,
        agent: cloudwatchControl(input.flavour),
        agentWasActive: false,
        agentLogPath: CLOUDWATCH_LOG,
        stepTimeoutS: input.stepTimeoutS,
      }),
    );
    outcome = parseApplyOutput(out.stdout);
    if (!outcome.ok && outcome.failedStep === undefined)
      outcome.messages.push(out.stderr.trim().slice(-300) || `the apply script exited ${out.code}`);
  } catch (err) {
    return back(`installing the CloudWatch agent failed: ${(err as Error).message}`, { changes, warnings });
  }
  await input.applied(outcome);
  const done = [...changes, ...applyChanges];
  if (!outcome.ok)
    return back(
      `the CloudWatch agent's ${outcome.failedStep ?? 'apply'} failed: ${outcome.messages.join(' ')}${outcome.agentLog.length ? `\nagent log:\n${outcome.agentLog.join('\n')}` : ''}`,
      { changes: done, warnings, files: outcome.files },
    );

  // 5. A fresh line in each log arrives, once.
  if (!input.verify) return { ok: true, changes: done, warnings, files: outcome.files };
  input.progress('verifying that a fresh line arrives');
  const { verifyHost } = await import('../verify/verify-host.js');
  const checks = await verifyHost(transport, target, cwFacts, input.readers, {
    runId: input.runId,
    probe: true,
    ...(input.verifyTimeoutS ? { timeoutS: input.verifyTimeoutS } : {}),
  });
  const missing = checks.filter((c) => c.state !== 'arrived');
  if (missing.length > 0)
    return back(
      `verify: ${missing.length} of ${checks.length} log(s) did not arrive through the CloudWatch agent: ${missing.map((c) => `${c.log} (${c.state})`).join(', ')}`,
      { changes: done, warnings, files: outcome.files, checks },
    );
  return { ok: true, changes: done, warnings, files: outcome.files, checks };
}

/** How often the cut-over reads and plans again when a path moved before the seeding. */
const MOVE_RETRIES = 3;

interface Seeded {
  links: DrainLink[];
  changes: ChangeReport[];
  warnings: string[];
}

/**
 * Steps 1-3: stop awslogs and read what the seeding needs (a watchdog starts awslogs again should nothing follow),
 * ask CloudWatch Logs how far each file arrived, seed. 'moved': a path changed before the seeding, nothing was
 * written (awslogs stays stopped): read again.
 */
async function readAndSeed(input: CutOverInput, retryOnMove: boolean): Promise<Seeded | CutOver | 'moved'> {
  const { transport, awslogsHost, translation } = input;
  const spec = awslogsHost.spec as HostSpec;
  const statePath = spec.general.state_file;
  const awslogs = awslogsControl(input.flavour);
  const patterns = translation.sections.map((s) => s.file);
  // 1. Stop awslogs and read what the seeding needs (the watchdog starts awslogs again should nothing follow).
  input.progress('stopping awslogs and reading how far each file arrived');
  const first = await runScript(
    transport,
    awslogsHost,
    wholeScript(
      input.runId,
      `take_lock
${stopAndReadLines({ agent: awslogs, statePath, logs: [] })}
${observeLines(patterns)}
say ok`,
      input.stepTimeoutS,
    ),
  );
  const stopped = parseStopped(first.stdout, 0);
  if (!stopped.handedOff) {
    const half = parseApplyOutput(first.stdout);
    if (stopped.stopped)
      await runScript(transport, awslogsHost, `${awslogs.start} >/dev/null 2>&1 || true\n`).catch(() => undefined);
    return {
      ok: false,
      changes: [],
      warnings: [],
      files: [],
      error: `stopping awslogs failed (${half.failedStep ?? 'stop and read'}: ${half.messages.join(' ') || first.stderr.trim().slice(-300)}); awslogs runs as before`,
    };
  }
  if (stopped.state.kind === 'unreadable')
    return {
      ok: false,
      changes: [],
      warnings: [],
      files: [],
      error: `awslogs' state file cannot be read (${stopped.state.why}): nothing was written; the watchdog starts awslogs again within 3 minutes`,
    };
  const bytes = stopped.state.kind === 'read' ? stopped.state.bytes : undefined;
  const rows = bytes ? readStateRows(bytes) : { push: [], stream: [] };
  const logs = seedLogs(translation, input.facts, parseObserved(first.stdout, patterns.length));

  // 2. How far each file arrived: each last batch looked for in CloudWatch Logs.
  input.progress('asking CloudWatch Logs which batches arrived');
  const replays = batchesToAsk(rows, logs).map((b) =>
    b.replay.read ? { ...b.replay, unidentified: 'its last line lies before the bytes read of the file' } : b.replay,
  );
  const judged: Judged[] = await askCloudWatch(input.readers, spec, input.hostSkewMs, replays);
  const plans = planForward(rows, logs, judged);
  const links = drainLinks(plans, input.runId);
  const stateFiles = cloudwatchStateFiles(plans, links);
  const risks = planRisks(plans);
  const warnings = [
    ...plans.flatMap((p) => p.notes),
    ...risks.mayDuplicate.map((r) => `${r.path} bytes ${r.from}-${r.to} may arrive twice: ${r.reason}`),
    ...risks.lost.map((r) => `${r.path} bytes ${r.from}-${r.to} lost: ${r.reason}`),
  ];
  const changes: ChangeReport[] = [
    ...plans.flatMap((p) =>
      p.current
        ? [
            {
              kind: 'seed',
              path: p.current.path,
              summary: `the CloudWatch agent starts at byte ${p.current.offset}: ${p.current.why}`,
            },
          ]
        : [],
    ),
    ...links.map((l) => ({
      kind: 'drain',
      path: l.path,
      summary: `rotated while neither agent ran: drained from byte ${l.offset} through ${l.link}`,
    })),
  ];
  const trims = new Map(
    judged.filter((j) => j.verdict === 'arrived').map((j) => [j.sourceId, pyJson(trimmedRow(j.push))]),
  );
  const fallback =
    stopped.state.kind === 'read' && trims.size > 0
      ? {
          path: statePath,
          expectedSha256: stopped.state.sha256,
          content: rewritePushRows(stopped.state.bytes, trims),
          mode: stopped.state.mode,
          owner: stopped.state.owner,
          group: stopped.state.group,
        }
      : undefined;

  // 3. Seed the state folder (every path still the file read), make the drain links, disable awslogs.
  input.progress('seeding the CloudWatch agent’s read positions');
  const seeded = await runScript(
    transport,
    awslogsHost,
    wholeScript(
      input.runId,
      seedLines({ awslogs, stateFiles, links, ...(fallback ? { fallback } : {}) }),
      input.stepTimeoutS,
    ),
  );
  const seedOutcome = parseApplyOutput(seeded.stdout);
  if (!seedOutcome.ok) {
    const why = `seeding failed at ${seedOutcome.failedStep ?? 'its script'}: ${seedOutcome.messages.join(' ') || seeded.stderr.trim().slice(-300)}`;
    // Before the state files were written nothing changed but awslogs' stop, which the script undid.
    if (seedOutcome.failedStep === 'moved' && retryOnMove) return 'moved';
    if (!seedOutcome.done.includes('statefiles')) return { ok: false, changes: [], warnings, files: [], error: why };
    // The state files may be written: the way back (by the caller) carries them into awslogs' state.
    return { ok: false, changes, warnings, files: [], error: why };
  }
  return { links, changes, warnings };
}
