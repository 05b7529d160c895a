// The restart discipline's steps (the decisions are ../restart.ts, the shell ./script.ts): run the first half
// on the host (the operation's own steps, then stop the agent and read its state and log ends), read what else
// a decision needs, and ask CloudWatch Logs — with the tool's own credentials, through the runs' reader port —
// whether each stream's last batch arrived. Every restart the tool causes goes through here: apply with a
// changed config, doctor --fix and --reset-state, rollback, key rotation.
import { confSections, type ConfSection } from '../conf-sections.js';
import {
  identify,
  judge,
  pendingReplays,
  searchWindow,
  type Judged,
  type Replay,
  type ReplaySection,
} from '../restart.js';
import type { HostSpec, LogSection } from '../spec.js';
import { fingerprintRange } from '../source-id.js';
import { resolveStreamName } from '../stream-names.js';
import type { HostFacts } from '../../../core/types.js';
import type { LogEventsReaders } from '../../../core/ports.js';
import type { RestartContext } from '../../../core/agent-plugin.js';
import { parseApplyOutput, type ApplyOutcome } from '../../../operations/apply-script.js';
import {
  parseStopped,
  readLogsScript,
  readRangesScript,
  stopAndReadLines,
  type LogToRead,
  type StoppedHost,
} from './script.js';
import { wholeScript } from '../../../operations/remote-script.js';
import type { ServiceControl } from '../../../operations/service.js';
import { readStateRows } from '../state/state-file.js';
import type { StateRows } from '../doctor/state-view.js';

/** How long CloudWatch Logs may take to answer for one host's restart before the answer counts as unknown. */
const ASK_BUDGET_MS = 45_000;

/** The host, its spec and facts, and where CloudWatch Logs is asked (undefined: it cannot be; streams are named). */
export type DisciplineContext = RestartContext<HostSpec>;

export interface FirstHalf {
  /** What the first half's script reported (files written, a failed step). */
  outcome: ApplyOutcome;
  stdout: string;
  stderr: string;
  stopped: StoppedHost;
  rows?: StateRows;
  sections: ReplaySection[];
  judged: Judged[];
  /** Why no decision could be made (every stream may then get its last batch twice). */
  decisionError?: string;
}

/** The sections of the awslogs.conf the restart will use, or of the spec when that file cannot be read. */
export function sectionsOf(conf: string | undefined, spec: readonly LogSection[]): ConfSection[] {
  const parsed = conf === undefined ? undefined : confSections(conf);
  return parsed ?? spec.map((l) => ({ ...l }));
}

export function logsToRead(sections: readonly ConfSection[]): LogToRead[] {
  return sections.map((s) => ({ pattern: s.file, fingerprintEnd: fingerprintRange(s.file_fingerprint_lines).end }));
}

/**
 * Runs the first half (`script`, which ends with stopAndReadLines for `sections`), then decides. Never throws
 * after the agent was handed over: a decision that cannot be made counts as unknown, so that the second half
 * still starts the agent.
 */
export async function firstHalf(
  ctx: DisciplineContext,
  script: string,
  sections: readonly ConfSection[],
): Promise<FirstHalf> {
  const out = await ctx.session.run(script);
  const outcome = parseApplyOutput(out.stdout);
  const stopped = parseStopped(out.stdout, sections.length);
  const half: FirstHalf = { outcome, stdout: out.stdout, stderr: out.stderr, stopped, sections: [], judged: [] };
  if (!stopped.handedOff) return half;
  try {
    half.sections = await sectionsRead(ctx, stopped, sections);
    if (stopped.state.kind !== 'read') return half;
    half.rows = readStateRows(stopped.state.bytes);
    let replays = pendingReplays(half.rows.push, half.sections);
    if (stopped.state.journal)
      replays = replays.map((r) => ({
        ...r,
        unidentified: 'the agent left a journal beside its state file (stopped in the middle of a write)',
      }));
    replays = await readMissingRanges(ctx, replays, half.sections);
    half.judged = await askCloudWatch(ctx.readers, ctx.spec, ctx.hostSkewMs, replays);
  } catch (err) {
    half.decisionError = (err as Error).message;
  }
  return half;
}

/**
 * The sections with what was read of their files. When the first half printed the awslogs.conf the agent
 * will start with (a rollback restores one), its sections count, and logs the first half did not read are
 * read now (one more round trip).
 */
async function sectionsRead(
  ctx: DisciplineContext,
  stopped: StoppedHost,
  guessed: readonly ConfSection[],
): Promise<ReplaySection[]> {
  const actual = stopped.conf !== undefined ? sectionsOf(stopped.conf, ctx.spec.logs) : guessed;
  const readAt = (pattern: string) => guessed.findIndex((g) => g.file === pattern);
  const unread = actual.filter((s) => readAt(s.file) < 0);
  let extra = new Map<string, StoppedHost['logs'][number]>();
  if (unread.length > 0) {
    const out = await ctx.session.run(readLogsScript(ctx.runId, logsToRead(unread)));
    const got = parseStopped(out.stdout, unread.length).logs;
    extra = new Map(unread.map((s, i) => [s.file, got[i]]));
  }
  return actual.map((s) =>
    replaySection(s, readAt(s.file) >= 0 ? stopped.logs[readAt(s.file)] : extra.get(s.file), ctx.facts),
  );
}

function replaySection(s: ConfSection, log: StoppedHost['logs'][number], facts: HostFacts): ReplaySection {
  return {
    section: s.section,
    group: s.log_group_name,
    stream: resolveStreamName(s.log_stream_name, facts),
    ...(s.file_fingerprint_lines ? { fingerprintLines: s.file_fingerprint_lines } : {}),
    ...(s.encoding ? { encoding: s.encoding } : {}),
    ...(log ? { log } : {}),
  };
}

/** One more round trip, only when a last batch lies before the end the first half read. */
async function readMissingRanges(
  ctx: DisciplineContext,
  replays: Replay[],
  sections: ReplaySection[],
): Promise<Replay[]> {
  const wanted = replays.filter((r) => r.read);
  if (wanted.length === 0) return replays;
  const out = await ctx.session.run(
    readRangesScript(
      ctx.runId,
      wanted.map((r) => r.read!),
    ),
  );
  const ranges = parseStopped(out.stdout, 0).ranges;
  return replays.map((r) => {
    const i = wanted.indexOf(r);
    if (i < 0) return r;
    const s = sections.find((x) => x.section === r.section)!;
    const bytes = ranges.get(i);
    return bytes
      ? identify(r, s.log!, s.encoding, { from: r.read!.from, bytes })
      : { ...r, unidentified: 'its bytes could not be read' };
  });
}

/** Each identified batch looked for in its stream; any failure to ask makes that one unknown. */
export async function askCloudWatch(
  readers: LogEventsReaders | undefined,
  spec: HostSpec,
  hostSkewMs: number | undefined,
  replays: Replay[],
): Promise<Judged[]> {
  const logs = readers?.for(spec.region, spec.endpointUrl);
  const deadline = new Promise<'late'>((r) => setTimeout(() => r('late'), ASK_BUDGET_MS).unref());
  return Promise.all(
    replays.map(async (r) => {
      if (!r.lastLine || r.unidentified) return judge(r, undefined, hostSkewMs);
      if (!logs) return judge(r, { error: 'no AWS access for the tool' }, hostSkewMs);
      const { fromMs, toMs } = searchWindow(r.push);
      const asked = logs
        .eventsEndingWith(r.group, r.stream, r.lastLine, fromMs, toMs)
        .catch((err: unknown) => ({ error: (err as Error).message ?? String(err) }));
      const answer = await Promise.race([asked, deadline]);
      return judge(r, answer === 'late' ? { error: `no answer within ${ASK_BUDGET_MS / 1000} s` } : answer, hostSkewMs);
    }),
  );
}

/**
 * For the doctor, without stopping anything: each log's last batch (its bytes from the probe's head and tail of
 * the newest file) looked for in CloudWatch Logs. A batch beyond the tail counts as unknown.
 */
export async function lastBatchesFromFacts(
  readers: LogEventsReaders | undefined,
  spec: HostSpec,
  facts: HostFacts,
  hostSkewMs: number,
  push: StateRows['push'],
): Promise<Judged[]> {
  const sections: ReplaySection[] = spec.logs.map((l, i) => {
    const files = facts.logs?.[i];
    const newest = files?.files.find((f) => f.role === 'match' && !f.compressed && f.kind === 'file' && f.readable);
    const tail = files?.tail;
    const log =
      newest && newest.head !== undefined && tail?.bytes && tail.path === newest.path
        ? {
            path: newest.path,
            size: Math.max(newest.size, tail.bytes.length),
            head: Buffer.from(newest.head, 'utf8'),
            window: { offset: Math.max(0, newest.size - tail.bytes.length), bytes: tail.bytes },
          }
        : undefined;
    return replaySection({ ...l }, log, facts);
  });
  const replays = pendingReplays(push, sections).map((r) =>
    r.read ? { ...r, unidentified: `bytes ${r.read.from}-${r.read.to} lie before the last 64 KiB the probe read` } : r,
  );
  return askCloudWatch(readers, spec, hostSkewMs, replays);
}

/** What the restart did about each stream's last batch, in words: changes (trimmed), notes, and warnings. */
export function replayNotes(
  judged: readonly Judged[],
  decisionError?: string,
): { trimmed: string[]; resent: string[]; mayDuplicate: string[] } {
  const at = (j: Judged) => `${j.section} (${j.group} / ${j.stream})`;
  return {
    trimmed: judged
      .filter((j) => j.verdict === 'arrived')
      .map(
        (j) =>
          `${at(j)}: ${j.reason}; start_position set to end_position ${j.push.end_position}, so the restart sends nothing twice`,
      ),
    resent: judged
      .filter((j) => j.verdict === 'missing')
      .map((j) => `${at(j)}: ${j.reason}; the restart sends it (once)`),
    mayDuplicate: [
      ...judged
        .filter((j) => j.verdict === 'unknown')
        .map(
          (j) =>
            `${at(j)} may get its last batch (bytes ${j.push.start_position}-${j.push.end_position}) twice: ${j.reason}`,
        ),
      ...(decisionError
        ? [`every log may get its last batch twice: the restart discipline could not decide (${decisionError})`]
        : []),
    ],
  };
}

/**
 * The first half of a doctor repair (the agent's own restart, no other change): under the host lock, stop
 * the agent and read what the decision needs, for the sections of `conf` (the host's awslogs.conf). When the
 * first half did not hand over (the stop failed), an agent it stopped is started again.
 */
export async function stopForRepair(
  ctx: DisciplineContext,
  agent: ServiceControl,
  conf: string | undefined,
): Promise<FirstHalf> {
  const sections = sectionsOf(conf, ctx.spec.logs);
  const statePath = ctx.spec.general.state_file;
  const half = await firstHalf(
    ctx,
    wholeScript(ctx.runId, `take_lock\n${stopAndReadLines({ agent, statePath, logs: logsToRead(sections) })}\nsay ok`),
    sections,
  );
  if (!half.stopped.handedOff && half.stopped.stopped)
    await ctx.session.run(`${agent.start} >/dev/null 2>&1 || true\n`).catch(() => undefined);
  return half;
}

/** Why a first half did not hand over, in words. */
export function firstHalfFailure(half: FirstHalf): string {
  return `${half.outcome.failedStep ?? 'stop and read'} failed: ${half.outcome.messages.join(' ') || half.stderr.trim().slice(-300)}`;
}
