// The apply and dry-run use cases: facts → plan → (dry-run: show | apply: one script per host) → journal.
import { changeReport, plan } from '../../core/plan.js';
import type { HostFacts, OsFlavour } from '../../core/types.js';
import { ChangesPending, RunFailed } from '../../core/errors.js';
import type { LogAgentPlugin, Restarted } from '../../core/agent-plugin.js';
import { applyScript, parseApplyOutput } from '../../operations/apply-script.js';
import { wholeScript } from '../../operations/remote-script.js';
import { serviceControl, serviceNameOn } from '../../operations/service.js';
import { journalDir, newRunId, type JournalHost, journalLine } from '../../journal/journal.js';
import { RunJournal } from '../../journal/write-ahead.js';
import { acquireRunLock } from '../../journal/lock.js';
import { terminalText } from '../../ui/terminal-text.js';
import {
  preflightWarning,
  printHuman,
  printJson,
  summarise,
  type ChangeReport,
  type HostReport,
  type RunReport,
} from '../../ui/report.js';
import { formatProblem } from '../../core/errors.js';
import { maskAll } from '../../core/secrets.js';
import { prepare, type Prepared, type PreparedHost } from '../fleet/prepare.js';
import { askYesNo, canAsk } from '../../ui/confirm.js';
import {
  DEFAULT_SESSION,
  failureOf,
  hostSession,
  hostStepTimeoutS,
  probeHost,
  runScript,
  type SessionOptions,
} from '../fleet/host-session.js';
import { boundedPreflight, PatternWorkers } from '../patterns/pattern-workers.js';
import { interruption } from '../fleet/interruption.js';
import type { Transport } from '../../core/ports.js';
import type { LogsReaders } from '../verify/verify-host.js';
import { FailureBudget } from '../../core/failure-budget.js';
import { onEveryHost, type HostTransports } from '../fleet/transports.js';

export interface ApplyOptions {
  inventory: string;
  limit?: string;
  forks: number;
  dryRun: boolean;
  detailedExitcode: boolean;
  json: boolean;
  /** Check at the end that every host's logs arrive (`--no-verify` turns it off). */
  verify: boolean;
  verifyTimeoutS?: number;
  /** Apply even where preflight found errors (they are still reported). */
  skipPreflight?: boolean;
  /** `--no-preflight`: read no log file and check nothing before the apply (default true). */
  preflight?: boolean;
  /** Apply without showing the plan and asking first (which happens only at a terminal). */
  yes?: boolean;
  /** Wait this long for another run's lock on the same inventory folder before refusing (default 0). */
  waitLockS?: number;
  /** Ansible's --max-fail-percentage: past it, hosts not yet changed are not run (over SSM: MaxErrors). */
  maxFailPercentage?: number;
  session: SessionOptions;
}

/** What every host of one run shares: how hosts are reached, and the failure threshold. */
interface RunContext {
  transports: HostTransports;
  budget: FailureBudget;
  journal: RunJournal | undefined;
  patterns: PatternWorkers | undefined;
  readers: LazyReaders;
}

/** The verify step, loaded only when the run verifies. */
interface Verifier {
  verifyHost: typeof import('../verify/verify-host.js').verifyHost;
  readers: LogsReaders;
}

/** CloudWatch Logs for the restart discipline, loaded only when a host's agent is restarted. */
class LazyReaders {
  private readers: Promise<LogsReaders> | undefined;
  constructor(private readonly shared?: LogsReaders) {}
  get(): Promise<LogsReaders> {
    this.readers ??= this.shared
      ? Promise.resolve(this.shared)
      : import('../verify/verify-host.js').then((m) => new m.LogsReaders());
    return this.readers;
  }
  async destroy(): Promise<void> {
    if (this.readers && !this.shared) (await this.readers).destroy();
  }
}

interface HostOutcome {
  report: HostReport;
  journal: JournalHost;
}

export async function runApply(options: ApplyOptions): Promise<RunReport> {
  const prepared = await prepare(options.inventory, options.limit);
  // Inventory warnings go to stderr always (stdout stays one JSON document) and into the JSON report.
  for (const w of prepared.warnings) process.stderr.write(`warning: ${terminalText(formatProblem(w))}\n`);
  const runId = newRunId();
  // A dry-run changes nothing and takes no lock; an apply holds the inventory's lock until its journal is written.
  const lock = options.dryRun ? undefined : await acquireRunLock(prepared.inventory.file, runId, options.waitLockS);
  try {
    // At a terminal, without --yes, the plan is shown and confirmed before any host is changed.
    const confirmed =
      options.dryRun || options.yes || !canAsk() ? undefined : await confirmPlan(prepared, runId, options);
    return await applyLocked(prepared, runId, options, confirmed);
  } finally {
    await lock?.release();
  }
}

/** Host name → its changes as shown and confirmed (changesKey), for an apply that asked first. */
type ConfirmedPlan = Map<string, string>;

function changesKey(changes: ChangeReport[]): string {
  return JSON.stringify(changes);
}

/**
 * The plan (a dry run) on stderr, then the question. Declined: nothing changed, exit 1. Accepted: the plan of
 * every host that had one, which the apply then holds each host to.
 */
async function confirmPlan(prepared: Prepared, runId: string, options: ApplyOptions): Promise<ConfirmedPlan> {
  const plan = await runHosts(prepared, runId, { ...options, dryRun: true, json: false });
  const report = runReport(prepared, runId, plan, true);
  const confirmed: ConfirmedPlan = new Map(
    plan
      .filter((o) => o.report.status === 'ok' || o.report.status === 'changed')
      .map((o) => [o.report.name, changesKey(o.report.changes)]),
  );
  const pending = report.summary.changed;
  if (pending === 0) return confirmed;
  printHuman(report, { diffs: true, dryRun: true, out: process.stderr });
  const question = `apply these changes on ${pending} host${pending === 1 ? '' : 's'}? [y/N] `;
  if (!(await askYesNo(question))) throw new RunFailed('apply cancelled: nothing was changed');
  return confirmed;
}

async function applyLocked(
  prepared: Prepared,
  runId: string,
  options: ApplyOptions,
  confirmed?: ConfirmedPlan,
): Promise<RunReport> {
  // Write-ahead: the run is in the journal before any host changes (a dry run writes none).
  const journal = options.dryRun
    ? undefined
    : new RunJournal(journalDir(prepared.inventory.file), {
        run: runId,
        command: 'apply',
        inventory: prepared.inventory.file,
        startedAt: new Date().toISOString(),
      });
  await journal?.begin();
  const outcomes = await runHosts(prepared, runId, options, confirmed, journal);
  const report = runReport(prepared, runId, outcomes, options.dryRun);
  await journal?.finish(outcomes.map((o) => o.journal));
  if (options.json) printJson(report);
  else printHuman(report, { diffs: options.dryRun, dryRun: options.dryRun });

  if (report.summary.failed + report.summary.unreachable > 0) {
    throw new RunFailed(`${report.summary.failed} failed, ${report.summary.unreachable} unreachable`);
  }
  if (options.dryRun && options.detailedExitcode && report.summary.changed > 0) throw new ChangesPending();
  return report;
}

async function runHosts(
  prepared: Prepared,
  runId: string,
  options: ApplyOptions,
  confirmed?: ConfirmedPlan,
  journal?: RunJournal,
): Promise<HostOutcome[]> {
  const stop = interruption();
  // The AWS SDK is loaded only by a run that verifies: --no-verify and --dry-run never pay for it.
  const verifier = options.verify && !options.dryRun ? await import('../verify/verify-host.js') : undefined;
  const verify = verifier ? { verifyHost: verifier.verifyHost, readers: new verifier.LogsReaders() } : undefined;
  const patterns =
    options.preflight !== false
      ? new PatternWorkers({
          commandTimeoutMs: (options.session ?? DEFAULT_SESSION).commandTimeoutMs,
          maxWorkers: options.forks,
          agents: [...new Set(prepared.hosts.map((h) => h.agent.name))],
        }).warm()
      : undefined;
  const readers = new LazyReaders(verify?.readers);
  const budget = new FailureBudget(prepared.hosts.length, options.maxFailPercentage);
  // A dry run writes nothing on this machine: a new host key is taken for this run only.
  const session = { ...(options.session ?? DEFAULT_SESSION), recordNewHostKeys: !options.dryRun };
  const command = options.dryRun ? 'dry-run' : 'apply';
  try {
    return await onEveryHost<HostOutcome>(
      prepared.hosts,
      {
        forks: options.forks,
        session,
        budget,
        comment: `awslogs-provision ${command} ${runId}`,
        quiet: options.json,
        interrupted: stop.requested,
        dryRun: options.dryRun,
      },
      {
        run: async (host, transports, report) => {
          const context = { transports, budget, journal, patterns, readers };
          const outcome = await applyHost(host, runId, options, verify, context, report, confirmed);
          // A write that fails here is tried again with the run's end, which reports it.
          await journal?.host(outcome.journal).catch(() => undefined);
          return outcome;
        },
        resultOf: (o) => o.report,
        notRun: failedOutcome,
      },
    );
  } finally {
    stop.release();
    verify?.readers.destroy();
    await patterns?.close();
    await readers.destroy();
  }
}

function runReport(prepared: Prepared, runId: string, outcomes: HostOutcome[], dryRun: boolean): RunReport {
  // A dry run's `changed` host changed nothing: `pending` says so beside the status the contract fixes.
  const hosts = outcomes.map((o) =>
    dryRun && o.report.status === 'changed' ? { ...o.report, pending: true } : o.report,
  );
  const warnings = prepared.warnings.map(formatProblem);
  return {
    run: runId,
    command: dryRun ? 'dry-run' : 'apply',
    ...(dryRun ? { dryRun: true } : {}),
    hosts,
    summary: summarise(hosts),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function failedOutcome(name: string, message: string): HostOutcome {
  return {
    report: { name, status: 'failed', changes: [], error: { message } },
    journal: { name, status: 'failed', changes: [], files: [], error: { message } },
  };
}

/** One host's outcome, with the round trips its connection carried (commands and transfers after the handshake). */
async function applyHost(
  host: PreparedHost,
  runId: string,
  options: ApplyOptions,
  verify: Verifier | undefined,
  context: RunContext,
  progress: (text: string) => void,
  confirmed: ConfirmedPlan | undefined,
): Promise<HostOutcome> {
  let opened: Transport | undefined;
  const outcome = masked(
    await applyOnHost(host, runId, options, verify, context, progress, (t) => (opened = t), confirmed),
    host.files.secrets,
  );
  if (!opened) return outcome;
  const report: HostReport = { ...outcome.report, roundTrips: opened.roundTrips };
  const newKey = (opened as { unrecordedHostKey?: string }).unrecordedHostKey;
  if (newKey) {
    report.warnings = [
      ...(report.warnings ?? []),
      `new host key ${newKey} accepted for this dry run only: known_hosts is not written`,
    ];
  }
  return { ...outcome, report };
}

async function applyOnHost(
  host: PreparedHost,
  runId: string,
  options: ApplyOptions,
  verify: Verifier | undefined,
  context: RunContext,
  progress: (text: string) => void,
  connected: (transport: Transport) => void,
  confirmed: ConfirmedPlan | undefined,
): Promise<HostOutcome> {
  const name = host.host.name;
  const journal: JournalHost = { name, status: 'ok', changes: [], files: [] };
  let transport;
  try {
    progress('connecting');
    transport = await context.transports.open(host);
    connected(transport);
  } catch (err) {
    const failure = failureOf(err);
    return {
      report: { name, status: failure.status, changes: [], error: failure.error },
      journal: { ...journal, ...failure },
    };
  }
  try {
    progress('gathering facts');
    const checking = options.preflight !== false;
    const probed = await probeHost(transport, host, { logs: checking });
    const facts = probed.facts;
    const checks = context.patterns ? await boundedPreflight(context.patterns, host, facts, probed.clock) : [];
    const preflightErrors = checks.filter((c) => c.level === 'error');
    const preflightWarnings = checks.filter((c) => c.level === 'warning');
    const withPreflight = (outcome: HostOutcome): HostOutcome => ({
      ...outcome,
      report: {
        ...outcome.report,
        ...(checking ? { preflight: checks } : {}),
        ...(preflightWarnings.length || (preflightErrors.length && options.skipPreflight)
          ? {
              warnings: [
                ...(outcome.report.warnings ?? []),
                ...[...preflightErrors, ...preflightWarnings].map(preflightWarning),
              ],
            }
          : {}),
      },
    });
    journal.agentWasActive = facts.service.active;
    journal.agentWasEnabled = facts.service.enabled;
    journal.packageInstalled = facts.package.installed;
    const flavour = supportedFlavour(host.agent, facts);
    // What the host must keep that the inventory does not hold (a migration's drain not yet at its end).
    const carried = host.agent.carryOver
      ? await host.agent.carryOver({
          session: hostSession(transport, host),
          spec: host.spec,
          files: host.files,
          facts,
          runId,
        })
      : undefined;
    const desired = host.agent.desiredState(carried?.spec ?? host.spec, carried?.files ?? host.files, flavour);
    const result = plan(desired, facts);
    if (result.refusals.length > 0) throw new Error(result.refusals.join('; '));
    const changes = [...result.changes.map(changeReport), ...(result.changes.length ? (carried?.changes ?? []) : [])];
    const carriedWarnings = carried?.warnings ?? [];
    journal.changes = changes.map(journalLine);
    if (confirmed && confirmed.get(name) !== changesKey(changes)) {
      // What the operator confirmed is what is applied: a host whose plan is not the one shown is left alone.
      const error = {
        message: confirmed.has(name)
          ? 'the plan for this host changed after it was shown and confirmed; nothing was changed here'
          : 'this host had no plan when the plan was shown (it failed or was unreachable); nothing was changed here',
        hint: 'run again to see and confirm its current plan',
      };
      return { report: { name, status: 'failed', changes, error }, journal: { ...journal, status: 'failed', error } };
    }
    const verified = async (outcome: HostOutcome): Promise<HostOutcome> => {
      if (options.dryRun || !options.verify || !verify) return outcome;
      progress('verifying that the logs arrive');
      const checks = await verify.verifyHost(transport, host, facts, verify.readers, {
        runId,
        probe: true,
        ...(options.verifyTimeoutS ? { timeoutS: options.verifyTimeoutS } : {}),
      });
      const missing = checks.filter((c) => c.state !== 'arrived');
      if (missing.length === 0) return { ...outcome, report: { ...outcome.report, checks } };
      const error = {
        message: `verify: ${missing.length} of ${checks.length} log(s) did not arrive: ${missing.map((c) => `${c.log} (${c.state})`).join(', ')}`,
      };
      return {
        report: { ...outcome.report, status: 'failed', checks, error },
        journal: { ...outcome.journal, status: 'failed', error },
      };
    };
    if (preflightErrors.length > 0 && !options.skipPreflight) {
      const error = {
        message: `preflight: ${preflightErrors.length} error(s): ${preflightErrors.map((c) => `${c.log ? `[${c.log}] ` : ''}${c.message}`).join('; ')}`,
        hint: 'nothing was changed on this host; fix the cause, or pass --skip-preflight to apply anyway',
      };
      return withPreflight({
        report: { name, status: 'failed', changes, error },
        journal: { ...journal, status: 'failed', error },
      });
    }
    if (result.changes.length === 0 || options.dryRun) {
      const status = result.changes.length === 0 ? 'ok' : 'changed';
      return withPreflight(
        await verified({
          report: { name, status, changes, ...(carriedWarnings.length ? { warnings: carriedWarnings } : {}) },
          journal: { ...journal, status },
        }),
      );
    }
    if (context.budget.exceeded()) {
      const error = { message: context.budget.reason() };
      return withPreflight({
        report: { name, status: 'failed', changes, error },
        journal: { ...journal, status: 'failed', error },
      });
    }
    progress(`applying ${result.changes.length} change(s)`);
    const scriptInput = {
      runId,
      changes: result.changes,
      agent: serviceControl(flavour, serviceNameOn(desired.service, flavour), host.agent.ready),
      agentWasActive: facts.service.active,
      agentLogPath: host.agent.agentLog.path,
      stepTimeoutS: hostStepTimeoutS((options.session ?? DEFAULT_SESSION).commandTimeoutMs),
    };
    // A running agent restarted for a changed file: under its restart discipline, when it has one (two round trips).
    const discipline = host.agent.restart;
    const restarts =
      discipline !== undefined && result.changes.some((c) => c.kind === 'service' && c.action === 'restart');
    // The script was sent: from here on, no answer means it may have run in part or whole, and may still
    // be running. The journal then says so and names every file it may have changed, for `rollback`.
    const mayChange = result.changes.flatMap((c) =>
      c.kind === 'file'
        ? [{ path: c.path, sha256Before: 'unknown', sha256After: 'unknown' }]
        : c.kind === 'command'
          ? [...c.writes, ...c.writesIn.map((d) => `${d}/*`)].map((path) => ({
              path,
              sha256Before: 'unknown',
              sha256After: 'unknown',
            }))
          : [],
    );
    const unknownError = (message: string) =>
      `${message}; the apply script's outcome on the host is unknown (it may have changed files: see \`provision rollback\`)`;
    const unknown = (cause: { status: 'failed' | 'unreachable'; error: { message: string; hint?: string } }) => {
      journal.outcomeUnknown = true;
      journal.files = mayChange;
      const error = {
        message: unknownError(cause.error.message),
        ...(cause.error.hint ? { hint: cause.error.hint } : {}),
      };
      return {
        report: { name, status: cause.status, changes, error },
        journal: { ...journal, status: cause.status, error },
      };
    };
    // Written ahead: should this run be killed from here on, its journal says the script may have run.
    await context.journal?.host({
      ...journal,
      status: 'failed',
      files: mayChange,
      outcomeUnknown: true,
      error: { message: unknownError('the run ended before this host answered (killed?)') },
    });
    let out;
    let restarted: Restarted | undefined;
    try {
      if (restarts) {
        progress('restarting the agent (nothing sent twice)');
        restarted = await discipline.apply(
          {
            session: hostSession(transport, host),
            spec: host.spec,
            facts,
            hostSkewMs: facts.clockMs - probed.clock.midpointMs,
            readers: await context.readers.get(),
            runId,
          },
          scriptInput,
          desired,
        );
        out = { stdout: '', stderr: restarted.stderr, code: restarted.outcome.ok ? 0 : 1 };
      } else out = await runScript(transport, host, applyScript(scriptInput));
    } catch (err) {
      return unknown(failureOf(err));
    }
    const outcome = restarted?.outcome ?? parseApplyOutput(out.stdout);
    const restartChanges = restarted?.changes ?? [];
    const restartWarnings = restarted?.warnings ?? [];
    if (!outcome.ok && outcome.failedStep === undefined) {
      // The script ended without saying how it went: the session was cut (sshd killed, exit status lost:
      // 255) or the shell itself died.
      const why = out.stderr.trim().slice(-300);
      const cut = out.code === 255;
      return unknown({
        status: cut ? 'unreachable' : 'failed',
        error: {
          message: `${cut ? 'the session ended' : `the shell exited ${out.code}`} before the apply script finished${why ? `: ${why}` : ''}`,
        },
      });
    }
    journal.files = outcome.undone ? [] : outcome.files;
    if (!outcome.ok) {
      const message =
        `${outcome.failedStep ?? 'apply'} failed${outcome.undone ? '; the host was rolled back to its previous files' : ''}` +
        (outcome.messages.length
          ? `: ${outcome.messages.join(' ')}`
          : out.stderr
            ? `: ${out.stderr.trim().slice(-500)}`
            : '');
      const error = {
        message,
        hint: outcome.agentLog.length ? `agent log:\n${outcome.agentLog.join('\n')}` : undefined,
      };
      return withPreflight({
        report: { name, status: 'failed', changes, error },
        journal: { ...journal, status: 'failed', error },
      });
    }
    const done = [...changes, ...restartChanges];
    journal.changes = done.map(journalLine);
    // What the script did is known: in the journal before verify, which may take minutes.
    const applied: JournalHost = { ...journal, status: 'changed' };
    await context.journal?.host(applied);
    // The applied files no longer need what the carry-over ended (a drained link): removed now, or said why not.
    const afterWarnings = [...carriedWarnings];
    if (carried?.afterApply) {
      const after = await runScript(transport, host, wholeScript(runId, carried.afterApply)).catch((err: unknown) => ({
        stdout: '',
        stderr: (err as Error).message,
        code: 1,
      }));
      const ended = parseApplyOutput(after.stdout);
      if (!ended.ok)
        afterWarnings.push(
          `what the applied files no longer need stays (${ended.failedStep ?? 'its removal'}: ${ended.messages.join(' ') || after.stderr.trim().slice(-300)})`,
        );
    }
    const warnings = [...restartWarnings, ...afterWarnings];
    return withPreflight(
      await verified({
        report: {
          name,
          status: 'changed',
          changes: done,
          ...(warnings.length ? { warnings } : {}),
        },
        journal: applied,
      }),
    );
  } catch (err) {
    const failure = failureOf(err);
    return {
      report: { name, status: failure.status, changes: [], error: failure.error },
      journal: { ...journal, ...failure },
    };
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/**
 * What a host said (its errors, the agent's log lines in a hint) with the host's secrets masked, and any
 * secret-looking `key = value` in it: the report and the journal show the same, secret-free text.
 */
function masked(outcome: HostOutcome, secrets: readonly string[]): HostOutcome {
  const mask = <T extends { message: string; hint?: string } | undefined>(error: T): T =>
    error && {
      ...error,
      message: maskAll(error.message, secrets),
      ...(error.hint !== undefined ? { hint: maskAll(error.hint, secrets) } : {}),
    };
  const report = { ...outcome.report, error: mask(outcome.report.error) };
  if (!report.error) delete report.error;
  if (report.warnings) report.warnings = report.warnings.map((w) => maskAll(w, secrets));
  const journal = { ...outcome.journal, error: mask(outcome.journal.error) };
  if (!journal.error) delete journal.error;
  return { report, journal };
}

/** The host's flavour, when its agent can be provisioned there; else the agent's reason. */
export function supportedFlavour(agent: LogAgentPlugin, facts: HostFacts): OsFlavour {
  const flavour = facts.os.flavour;
  const refused = agent.unsupported(flavour);
  if (flavour === 'unknown') throw new Error(`unsupported OS ${facts.os.id} ${facts.os.version}: ${refused ?? ''}`);
  if (refused !== undefined) throw new Error(refused);
  return flavour;
}
