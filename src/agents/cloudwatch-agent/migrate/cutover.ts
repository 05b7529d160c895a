// The cut-over on one host, exactly once (README, "Migrating to the CloudWatch agent"): under the host lock, stop
// awslogs and read its state and each log's files (a watchdog starts awslogs again should nothing follow); ask
// CloudWatch Logs whether each file's last batch arrived; one script checks that every path is still the file
// read, makes the drain links, writes the CloudWatch agent's state files and disables awslogs; the apply script
// installs, configures (fetch-config: the agent's own validation first) and starts the CloudWatch agent; a fresh
// line in each log must arrive. Any failure after awslogs stopped runs the way back on the spot.
import type { HostSession, LogEventsReaders } from '../../../core/ports.js';
import type { AgentSpec } from '../../../core/agent-plugin.js';
import type { ChangeReport, CheckReport } from '../../../core/report.js';
import type { HostFacts, OsFlavour } from '../../../core/types.js';
import { parseApplyOutput, type ApplyOutcome } from '../../../operations/apply-script.js';
import { wholeScript } from '../../../operations/remote-script.js';
import { askCloudWatch } from '../../awslogs/restart/discipline.js';
import { trimmedRow, type Judged } from '../../awslogs/restart.js';
import { readStateRows, rewritePushRows } from '../../awslogs/state/state-file.js';
import { pyJson } from '../../awslogs/doctor/state-view.js';
import type { HostSpec } from '../../awslogs/spec.js';
import {
  batchesToAsk,
  cloudwatchStateFiles,
  drainEntries,
  drainLinks,
  planForward,
  planRisks,
  type DrainLink,
  type Translation,
} from '../from-awslogs/index.js';
import { stopAndObserve } from './stop-and-observe.js';
import { seedLines, takeBackFromSeeding } from './seed-script.js';
import { seedLogs } from './host-translation.js';
import { awslogsControl, awslogsEnable, wayBack, type WayBack } from './way-back.js';
import { finishDrains } from './finish-drains.js';

export interface CutOverInput {
  /** Runs a script on the host as root. */
  session: HostSession;
  /** awslogs' spec of the host. */
  spec: AgentSpec;
  facts: HostFacts;
  hostSkewMs: number;
  flavour: OsFlavour;
  translation: Translation;
  /** For the way back: awslogs' sections and configuration text. */
  sections: Parameters<typeof wayBack>[0]['sections'];
  confText?: string;
  runId: string;
  readers: LogEventsReaders;
  /**
   * Step 5: the CloudWatch agent provisioned as `provision apply` does (the translated entries and these drain
   * entries; package, files, fetch-config, service): the apply script's outcome and its changes. Its script takes
   * the host lock with `takeLock` (back from the seeding's watchdog), not as a run of its own. `again`: the
   * re-apply that ends drains (its before-images under a run id of its own, the migration's kept for the way back).
   */
  install(
    drainEntries: Record<string, unknown>[],
    takeLock: string,
    again?: boolean,
  ): Promise<{ outcome: ApplyOutcome; changes: ChangeReport[] }>;
  /** Step 6: a probe line per log through the CloudWatch agent; undefined when the run does not verify. */
  verify(): Promise<CheckReport[] | undefined>;
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
  checks?: CheckReport[];
  error?: string;
  /** The way back ran (the host is on awslogs again, or says why not). */
  back?: WayBack;
}

export async function cutOver(input: CutOverInput): Promise<CutOver> {
  const { session, translation } = input;
  const spec = input.spec as HostSpec;
  const statePath = spec.general.state_file;
  const back = async (why: string, sofar: Partial<CutOver> = {}): Promise<CutOver> => {
    input.progress('putting awslogs back');
    const result = await wayBack({
      session,
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
  let outcome: ApplyOutcome;
  let applyChanges: ChangeReport[];
  try {
    input.progress('installing and starting the CloudWatch agent');
    ({ outcome, changes: applyChanges } = await input.install(
      drainEntries(links, entryOf),
      takeBackFromSeeding(input.runId),
    ));
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
  input.progress('verifying that a fresh line arrives');
  const checks = await input.verify();
  const missing = checks?.filter((c) => c.state !== 'arrived') ?? [];
  if (checks && missing.length > 0)
    return back(
      `verify: ${missing.length} of ${checks.length} log(s) did not arrive through the CloudWatch agent: ${missing.map((c) => `${c.log} (${c.state})`).join(', ')}`,
      { changes: done, warnings, files: outcome.files, checks },
    );

  // 6. Each drain removed once its position reached its link's end (a drain not done in time stays, said so).
  const drains = await finishDrains({
    session,
    runId: input.runId,
    links,
    entryOf: (l) => drainEntries([l], entryOf)[0],
    install: (entries) => input.install(entries, 'take_lock', true),
    waitMs: DRAIN_WAIT_MS,
    pollMs: 1000,
    stepTimeoutS: input.stepTimeoutS,
    progress: input.progress,
  });
  return {
    ok: true,
    changes: [...done, ...drains.changes],
    warnings: [...warnings, ...drains.warnings],
    files: outcome.files,
    ...(checks ? { checks } : {}),
  };
}

/** How long the cut-over waits for its drains to reach their end (a rotated file is read in seconds). */
const DRAIN_WAIT_MS = 60_000;

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
  const { session, translation } = input;
  const spec = input.spec as HostSpec;
  const statePath = spec.general.state_file;
  const awslogs = awslogsControl(input.flavour);
  const patterns = translation.sections.map((s) => s.file);
  // 1. Stop awslogs and read what the seeding needs (the watchdog starts awslogs again should nothing follow).
  input.progress('stopping awslogs and reading how far each file arrived');
  const stopped = await stopAndObserve({
    session,
    runId: input.runId,
    agent: awslogs,
    statePath,
    patterns,
    lock: 'take_lock',
    stepTimeoutS: input.stepTimeoutS,
  });
  if (stopped.kind === 'not stopped')
    return {
      ok: false,
      changes: [],
      warnings: [],
      files: [],
      error: `stopping awslogs failed (${stopped.step ?? 'stop and read'}: ${stopped.why}); awslogs runs as before`,
    };
  if (stopped.kind === 'unreadable' || stopped.kind === 'unsettled')
    return {
      ok: false,
      changes: [],
      warnings: [],
      files: [],
      error: `${stopped.kind === 'unreadable' ? `awslogs' state file cannot be read (${stopped.why})` : stopped.why}: nothing was written; the watchdog starts awslogs again within 3 minutes`,
    };
  const bytes = stopped.state.kind === 'read' ? stopped.state.bytes : undefined;
  const rows = bytes ? readStateRows(bytes) : { push: [], stream: [] };
  const logs = seedLogs(translation, input.facts, stopped.observed);

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
  const seeded = await session.run(
    wholeScript(
      input.runId,
      seedLines({
        runId: input.runId,
        awslogs,
        awslogsEnable: awslogsEnable(input.flavour),
        stateFiles,
        links,
        ...(fallback ? { fallback } : {}),
      }),
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
