// The first round trip of both directions of a migration (the cut-over, the way back): under the host lock,
// stop the agent that runs, read awslogs' state file and each log's files (and what `more` prints), and hand the
// lock and the stopped agent to a watchdog that starts it again should nothing follow. An agent that was stopped
// but not handed over is started again here.
import type { HostSession } from '../../../core/ports.js';
import { parseApplyOutput } from '../../../operations/apply-script.js';
import { wholeScript } from '../../../operations/remote-script.js';
import type { ServiceControl } from '../../../operations/service.js';
import { parseStopped, stopAndReadLines, type StoppedHost } from '../../awslogs/restart/script.js';
import type { ObservedFile } from '../from-awslogs/observed.js';
import { observedUnsettled, OBSERVE_TRIES, observeLines, parseObserved } from './observe-script.js';

export interface StopAndObserveInput {
  session: HostSession;
  runId: string;
  /** The agent stopped (and started again by the watchdog). */
  agent: ServiceControl;
  /** awslogs' state file. */
  statePath: string;
  /** Each log's `file` pattern. */
  patterns: readonly string[];
  /** The lines that take the host lock. */
  lock: string;
  /** Lines run after the stop, before the observation. */
  more?: string;
  stepTimeoutS: number;
}

export type StopAndObserve =
  | {
      kind: 'read';
      /** The script's whole output (for `more`'s records). */
      stdout: string;
      state: Exclude<StoppedHost['state'], { kind: 'unreadable' }>;
      /** Each pattern's files. */
      observed: ObservedFile[][];
    }
  /** Not handed over (the agent, if it was stopped, started again): the step that failed and why. */
  | { kind: 'not stopped'; step?: string; why: string }
  /** Handed over, but awslogs' state cannot be read: nothing to decide on; the watchdog starts the agent again. */
  | { kind: 'unreadable'; why: string }
  /** Handed over, but the logs' files kept being rotated while they were read: the watchdog starts the agent again. */
  | { kind: 'unsettled'; why: string };

export async function stopAndObserve(input: StopAndObserveInput): Promise<StopAndObserve> {
  const { session, agent } = input;
  const first = await session.run(
    wholeScript(
      input.runId,
      `${input.lock}
${stopAndReadLines({ agent, statePath: input.statePath, logs: [] })}
${input.more ?? ''}
${observeLines(input.patterns)}
say ok`,
      input.stepTimeoutS,
    ),
  );
  const stopped = parseStopped(first.stdout, 0);
  if (!stopped.handedOff) {
    const half = parseApplyOutput(first.stdout);
    if (stopped.stopped) await session.run(`${agent.start} >/dev/null 2>&1 || true\n`).catch(() => undefined);
    return {
      kind: 'not stopped',
      ...(half.failedStep !== undefined ? { step: half.failedStep } : {}),
      why: half.messages.join(' ') || first.stderr.trim().slice(-300),
    };
  }
  if (stopped.state.kind === 'unreadable') return { kind: 'unreadable', why: stopped.state.why };
  if (observedUnsettled(first.stdout))
    return {
      kind: 'unsettled',
      why: `the logs' files kept being rotated while they were read (${OBSERVE_TRIES} tries)`,
    };
  return {
    kind: 'read',
    stdout: first.stdout,
    state: stopped.state,
    observed: parseObserved(first.stdout, input.patterns.length),
  };
}
