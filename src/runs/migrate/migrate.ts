// `provision migrate`: every host from awslogs to the CloudWatch agent. The dry run reads each host (facts, its
// awslogs.conf and drop-ins), shows the CloudWatch agent's files as diffs and every awslogs key's fate, stops the
// hosts whose configuration cannot be carried, and can write the inventory change. The run cuts each host over
// exactly once (./cutover.ts), journaled as a run of its own (command `migrate`), which `provision rollback` takes
// back (./rollback.ts).
import { plan, changeReport } from '../../core/plan.js';
import { RunFailed } from '../../core/errors.js';
import { formatProblem } from '../../core/errors.js';
import type { Transport } from '../../core/ports.js';
import { maskAll } from '../../core/secrets.js';
import { FailureBudget } from '../../core/failure-budget.js';
import { journalDir, journalLine, newRunId, type JournalHost } from '../../journal/journal.js';
import { RunJournal } from '../../journal/write-ahead.js';
import { acquireRunLock } from '../../journal/lock.js';
import { replaceFile } from '../../local-files/replace.js';
import { terminalText } from '../../ui/terminal-text.js';
import { formatFateTable, formatInventoryChange } from '../../ui/migration-table.js';
import {
  preflightWarning,
  printHuman,
  printJson,
  summarise,
  type HostReport,
  type RunReport,
} from '../../ui/report.js';
import { boundedPreflight, PatternWorkers } from '../patterns/pattern-workers.js';
import type { KeyFate } from '../../core/key-fate.js';
import { prepare, type PreparedHost } from '../fleet/prepare.js';
import {
  DEFAULT_SESSION,
  failureOf,
  hostSession,
  hostStepTimeoutS,
  probeHost,
  runScript,
  type SessionOptions,
} from '../fleet/host-session.js';
import { interruption } from '../fleet/interruption.js';
import { onEveryHost, type HostTransports } from '../fleet/transports.js';
import { supportedFlavour } from '../apply/apply.js';
import { LogsReaders } from '../verify/verify-host.js';
import { loadMigration } from '../../agents/catalog.js';
import { applyScript, parseApplyOutput } from '../../operations/apply-script.js';
import { serviceControl } from '../../operations/service.js';
import type { HostFacts } from '../../core/types.js';
import { asAwslogsHost, cloudwatchHost, readHostConf, type HostConf } from './host-source.js';
import { ssmReadRefusal } from './ssm-room.js';

export interface MigrateOptions {
  inventory: string;
  limit?: string;
  forks: number;
  dryRun: boolean;
  json: boolean;
  /** Write every migratable host's new variables here (YAML), for the operator to review and commit. */
  writeInventory?: string;
  verify: boolean;
  verifyTimeoutS?: number;
  /** Cut over even where the CloudWatch agent's preflight finds errors (they are still reported). */
  skipPreflight?: boolean;
  waitLockS?: number;
  maxFailPercentage?: number;
  session: SessionOptions;
}

interface HostOutcome {
  report: HostReport;
  journal: JournalHost;
  fates?: KeyFate[];
  inventoryVars?: Record<string, unknown>;
  replacedVars?: string[];
}

export async function runMigrate(options: MigrateOptions): Promise<RunReport> {
  const prepared = await prepare(options.inventory, options.limit, { render: false });
  for (const w of prepared.warnings) process.stderr.write(`warning: ${terminalText(formatProblem(w))}\n`);
  const runId = newRunId();
  const lock = options.dryRun ? undefined : await acquireRunLock(prepared.inventory.file, runId, options.waitLockS);
  const journal = options.dryRun
    ? undefined
    : new RunJournal(journalDir(prepared.inventory.file), {
        run: runId,
        command: 'migrate',
        inventory: prepared.inventory.file,
        startedAt: new Date().toISOString(),
      });
  const readers = new LogsReaders();
  const patterns = new PatternWorkers({
    commandTimeoutMs: (options.session ?? DEFAULT_SESSION).commandTimeoutMs,
    maxWorkers: options.forks,
    agents: ['cloudwatch-agent'],
  }).warm();
  const stop = interruption();
  try {
    await journal?.begin();
    const budget = new FailureBudget(prepared.hosts.length, options.maxFailPercentage);
    const session = { ...(options.session ?? DEFAULT_SESSION), recordNewHostKeys: !options.dryRun };
    const outcomes = await onEveryHost<HostOutcome>(
      prepared.hosts,
      {
        forks: options.forks,
        session,
        budget,
        comment: `awslogs-provision migrate ${runId}`,
        quiet: options.json,
        interrupted: stop.requested,
        dryRun: options.dryRun,
      },
      {
        run: async (host, transports, progress) => {
          const outcome = await migrateHost(
            host,
            transports,
            runId,
            options,
            readers,
            patterns,
            journal,
            budget,
            progress,
          );
          await journal?.host(outcome.journal).catch(() => undefined);
          return outcome;
        },
        resultOf: (o) => o.report,
        notRun: (name, message) => ({
          report: { name, status: 'failed', changes: [], error: { message } },
          journal: { name, status: 'failed', changes: [], files: [], error: { message } },
        }),
      },
    );
    await journal?.finish(outcomes.map((o) => o.journal));
    const hosts = outcomes.map((o) =>
      options.dryRun && o.report.status === 'changed' ? { ...o.report, pending: true } : o.report,
    );
    const report: RunReport = {
      run: runId,
      command: options.dryRun ? 'migrate --dry-run' : 'migrate',
      ...(options.dryRun ? { dryRun: true } : {}),
      hosts,
      summary: summarise(hosts),
      migration: Object.fromEntries(
        outcomes.map((o) => [o.report.name, { fates: o.fates ?? [], inventoryVars: o.inventoryVars ?? null }]),
      ),
    };
    if (options.writeInventory) await writeInventoryChange(options.writeInventory, outcomes);
    if (options.json) printJson(report);
    else {
      const tables = outcomes.filter((o) => o.fates && o.fates.length > 0);
      if (tables.length > 0)
        process.stdout.write(`${tables.map((o) => formatFateTable(o.report.name, o.fates!)).join('\n\n')}\n\n`);
      printHuman(report, { diffs: options.dryRun, dryRun: options.dryRun });
    }
    if (report.summary.failed + report.summary.unreachable > 0)
      throw new RunFailed(`${report.summary.failed} failed, ${report.summary.unreachable} unreachable`);
    return report;
  } finally {
    stop.release();
    readers.destroy();
    await patterns.close();
    await lock?.release();
  }
}

async function writeInventoryChange(file: string, outcomes: HostOutcome[]): Promise<void> {
  const parts = outcomes.flatMap((o) =>
    o.inventoryVars ? [formatInventoryChange(o.report.name, o.inventoryVars, o.replacedVars ?? [])] : [],
  );
  await replaceFile(file, `${parts.join('\n\n')}\n`, { mode: 0o644 });
}

async function migrateHost(
  prepared: PreparedHost,
  transports: HostTransports,
  runId: string,
  options: MigrateOptions,
  readers: LogsReaders,
  patterns: PatternWorkers,
  journal: RunJournal | undefined,
  budget: FailureBudget,
  progress: (text: string) => void,
): Promise<HostOutcome> {
  const name = prepared.host.name;
  const entry: JournalHost = { name, status: 'ok', changes: [], files: [] };
  const failed = (message: string, extra: Partial<HostOutcome> = {}, status: 'failed' | 'unreachable' = 'failed') => ({
    ...extra,
    report: {
      name,
      status,
      changes: extra.report?.changes ?? [],
      error: { message },
      ...(extra.report?.warnings ? { warnings: extra.report.warnings } : {}),
    },
    journal: { ...entry, ...extra.journal, status, error: { message } },
  });
  let transport: Transport;
  try {
    progress('connecting');
    transport = await transports.open(prepared);
  } catch (err) {
    const f = failureOf(err);
    return failed(f.error.message, {}, f.status);
  }
  let secrets: string[] = [];
  /** Set once the cut-over began: a host that then fails without an answer may be on either agent. */
  let underWay: Pick<JournalHost, 'agentWasActive' | 'agentWasEnabled'> | undefined;
  try {
    const host = await asAwslogsHost(prepared);
    const migration = await loadMigration();
    progress('gathering facts');
    const probed = await probeHost(transport, host);
    const facts = probed.facts;
    const cwAgent = (await import('../../agents/catalog.js')).AGENTS['cloudwatch-agent'];
    const flavour = supportedFlavour(await cwAgent.load(), facts);
    progress("reading awslogs' configuration");
    const conf: HostConf = await readHostConf(migration, transport, host, runId);
    const translation = migration.translateHost(host.spec, conf, facts);
    const fates = translation.fates;
    if (!translation.ok)
      return failed(
        `not migrated: ${translation.stops.length} awslogs key(s) cannot be carried over: ${translation.stops.map((s) => `${s.section} ${s.option}: ${s.note}`).join('; ')}`,
        { fates },
      );
    const carried = { fates, inventoryVars: translation.inventoryVars!, replacedVars: translation.replacedVars };
    const target = await cloudwatchHost(migration, host, translation);
    secrets = target.files.secrets;
    const cw = await probeHost(transport, target, { logs: true });
    if (!facts.service.active && cw.facts.service.active && cw.facts.package.installed)
      return {
        ...carried,
        report: {
          name,
          status: 'ok',
          changes: [],
          warnings: ['already on the CloudWatch agent (awslogs stopped): nothing done'],
        },
        journal: entry,
      };
    // The CloudWatch agent's preflight, before awslogs is touched: a host that cannot take it keeps awslogs. Its
    // first-start warning does not hold here (the cut-over seeds every position).
    const checks = (await boundedPreflight(patterns, target, cw.facts, cw.clock)).filter(
      (c) => c.check !== 'first_start',
    );
    const preflightErrors = checks.filter((c) => c.level === 'error');
    if (preflightErrors.length > 0 && !options.skipPreflight)
      return failed(
        `preflight (the CloudWatch agent): ${preflightErrors.length} error(s): ${preflightErrors.map((c) => `${c.log ? `[${c.log}] ` : ''}${c.message}`).join('; ')}; nothing was changed on this host (--skip-preflight cuts over anyway)`,
        carried,
      );
    const preflightNotes = checks.filter((c) => c.level === 'error' || c.level === 'warning').map(preflightWarning);
    const desired = target.agent.desiredState(target.spec, target.files, flavour);
    const result = plan(desired, cw.facts);
    if (result.refusals.length > 0) throw new Error(result.refusals.join('; '));
    const changes = [
      {
        kind: 'service',
        summary: 'awslogs stopped and disabled (package, configuration and state kept for the way back)',
      },
      { kind: 'seed', summary: "the CloudWatch agent's read positions seeded from awslogs' state and CloudWatch Logs" },
      ...result.changes.map(changeReport),
    ];
    if (options.dryRun)
      return mask(
        {
          ...carried,
          report: { name, status: 'changed', changes, warnings: [...translation.warnings, ...preflightNotes] },
          journal: entry,
        },
        secrets,
      );
    if (budget.exceeded()) return failed(budget.reason(), carried);
    const sections = migration.sectionsOf(host.spec, conf);
    const refused = await ssmReadRefusal(migration, transport, host, runId, {
      patterns: translation.sections.map((s) => s.file),
      statePath: migration.awslogsSpec(host.spec).general.state_file,
      wayBack: false,
    });
    if (refused) return mask(failed(`not migrated: ${refused}`, carried), secrets);

    const stepTimeoutS = hostStepTimeoutS((options.session ?? DEFAULT_SESSION).commandTimeoutMs);
    // Written ahead: killed from here on, the journal says the host may be on either agent.
    await journal?.host({
      ...entry,
      status: 'failed',
      outcomeUnknown: true,
      agentWasActive: facts.service.active,
      agentWasEnabled: facts.service.enabled,
      error: { message: 'the run ended before this host answered (killed?): awslogs or the CloudWatch agent may run' },
    });
    underWay = { agentWasActive: facts.service.active, agentWasEnabled: facts.service.enabled };
    const done = await migration.cutOver({
      session: hostSession(transport, host),
      spec: host.spec,
      facts,
      hostSkewMs: facts.clockMs - probed.clock.midpointMs,
      flavour,
      translation,
      sections,
      ...(conf.main ? { confText: conf.main.text } : {}),
      runId,
      readers,
      // A re-apply that ends drains keeps its before-images under a run id of its own: the way back puts back the
      // migration's.
      install: (drains, takeLock, again) =>
        install(
          migration,
          transport,
          host,
          translation,
          drains,
          flavour,
          again ? newRunId() : runId,
          stepTimeoutS,
          takeLock,
        ),
      verify: async () => {
        if (!options.verify) return undefined;
        const { verifyHost } = await import('../verify/verify-host.js');
        return verifyHost(transport, target, facts, readers, {
          runId,
          probe: true,
          ...(options.verifyTimeoutS ? { timeoutS: options.verifyTimeoutS } : {}),
        });
      },
      stepTimeoutS,
      progress,
      applied: async (outcome) => {
        await journal
          ?.host({ ...entry, status: 'changed', files: outcome.files, agentWasActive: true, agentWasEnabled: true })
          .catch(() => undefined);
      },
    });
    const report: HostReport = {
      name,
      status: done.ok ? 'changed' : 'failed',
      changes: done.back ? [...done.changes, ...done.back.changes] : done.changes,
      ...(done.checks ? { checks: done.checks } : {}),
      ...(done.warnings.length + preflightNotes.length ? { warnings: [...preflightNotes, ...done.warnings] } : {}),
      ...(done.error ? { error: { message: done.error } } : {}),
      roundTrips: transport.roundTrips,
    };
    return mask(
      {
        ...carried,
        report,
        journal: {
          ...entry,
          status: report.status,
          changes: report.changes.map(journalLine),
          // A host put back has nothing for `rollback` to undo; one that failed to go back keeps its files.
          files: done.back?.ok ? [] : done.files,
          agentWasActive: facts.service.active,
          agentWasEnabled: facts.service.enabled,
          ...(done.error ? { error: { message: done.error } } : {}),
        },
      },
      secrets,
    );
  } catch (err) {
    const f = failureOf(err);
    // A script of the cut-over without an answer (SSM's execution timeout, output that cannot come back, a lost
    // connection): the journal keeps the outcome unknown, so that `rollback` takes the way back.
    const unknown = underWay ? { journal: { ...entry, ...underWay, outcomeUnknown: true } } : {};
    const message = underWay
      ? `${f.error.message}; the cut-over was under way, its outcome is unknown: awslogs (started again by the cut-over's watchdog within 3 minutes if the seeding had not begun) or the CloudWatch agent may run; once the host lock is free, \`provision rollback --run ${runId}\` takes the way back`
      : f.error.message;
    return mask(failed(message, unknown, f.status), secrets);
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** Step 5 of the cut-over: the CloudWatch agent provisioned as `provision apply` does, drain entries included. */
async function install(
  migration: Awaited<ReturnType<typeof loadMigration>>,
  transport: Transport,
  host: PreparedHost,
  translation: Parameters<typeof cloudwatchHost>[2],
  drains: Record<string, unknown>[],
  flavour: ReturnType<typeof supportedFlavour>,
  runId: string,
  stepTimeoutS: number,
  takeLock: string,
) {
  const target = await cloudwatchHost(migration, host, translation, drains);
  const facts: HostFacts = (await probeHost(transport, target)).facts;
  const desired = target.agent.desiredState(target.spec, target.files, flavour);
  const result = plan(desired, facts);
  if (result.refusals.length > 0) throw new Error(result.refusals.join('; '));
  const out = await runScript(
    transport,
    target,
    applyScript({
      runId,
      changes: result.changes,
      agent: serviceControl(flavour, target.agent.serviceName(flavour), target.agent.ready),
      // Before the cut-over's own apply the CloudWatch agent does not run; before the one that ends drains it does.
      agentWasActive: facts.service.active,
      agentLogPath: target.agent.agentLog.path,
      stepTimeoutS,
      takeLock,
    }),
  );
  const outcome = parseApplyOutput(out.stdout);
  if (!outcome.ok && outcome.failedStep === undefined)
    outcome.messages.push(out.stderr.trim().slice(-300) || `the apply script exited ${out.code}`);
  return { outcome, changes: result.changes.map(changeReport) };
}

function mask(outcome: HostOutcome, secrets: readonly string[]): HostOutcome {
  if (secrets.length === 0) return outcome;
  const m = (s: string) => maskAll(s, secrets);
  const report = { ...outcome.report };
  if (report.error) report.error = { ...report.error, message: m(report.error.message) };
  if (report.warnings) report.warnings = report.warnings.map(m);
  const journal = { ...outcome.journal };
  if (journal.error) journal.error = { ...journal.error, message: m(journal.error.message) };
  return { ...outcome, report, journal };
}
