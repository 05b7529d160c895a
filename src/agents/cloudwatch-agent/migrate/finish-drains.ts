// Step 6 of the cut-over (README, "The cut-over, per host"): once the CloudWatch agent runs and a fresh line
// arrived, wait (bounded) until each drain's position reaches its link's size; then the managed JSON without the
// drained entries is applied as `provision apply` applies it (fetch-config, before-images under a run of its own,
// so the migration's own before-images stay those the way back puts back), and the drained links are removed. A
// drain not done in time stays, named in a warning: `provision apply` ends it later (carry-drains.ts).
import type { HostSession } from '../../../core/ports.js';
import type { ChangeReport } from '../../../core/report.js';
import { parseApplyOutput, type ApplyOutcome } from '../../../operations/apply-script.js';
import { wholeScript } from '../../../operations/remote-script.js';
import { judgeDrain, type DrainVerdict } from '../from-awslogs/drain-end.js';
import type { DrainLink } from '../from-awslogs/seed-output.js';
import { drainReadLines, drainRemoveLines, parseDrainRead } from './drain-end-script.js';

export interface FinishDrainsInput {
  session: HostSession;
  runId: string;
  links: readonly DrainLink[];
  /** The drain entry of a link (as the cut-over installed it). */
  entryOf(link: DrainLink): Record<string, unknown> | undefined;
  /** The CloudWatch agent provisioned with these drain entries only (its before-images under a run of its own). */
  install(drainEntries: Record<string, unknown>[]): Promise<{ outcome: ApplyOutcome; changes: ChangeReport[] }>;
  /** How long to wait for the drains, and between two reads. */
  waitMs: number;
  pollMs: number;
  stepTimeoutS: number;
  progress(text: string): void;
  sleep?(ms: number): Promise<void>;
}

export interface FinishedDrains {
  changes: ChangeReport[];
  warnings: string[];
}

export async function finishDrains(input: FinishDrainsInput): Promise<FinishedDrains> {
  if (input.links.length === 0) return { changes: [], warnings: [] };
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const paths = input.links.map((l) => l.link);
  input.progress(`waiting for ${paths.length} drain(s) to reach their end`);
  const deadline = Date.now() + input.waitMs;
  let verdicts: DrainVerdict[] = [];
  for (;;) {
    // A read that fails (the connection dropped) counts as not done: the drains stay, nothing is lost.
    const read = await input.session
      .run(wholeScript(input.runId, `${drainReadLines(paths)}\nsay ok`))
      .catch(() => ({ stdout: '' }));
    verdicts = read.stdout.includes('@@ok') ? parseDrainRead(read.stdout, paths).map(judgeDrain) : [];
    if (verdicts.length > 0 && verdicts.every((v) => v.done)) break;
    if (Date.now() + input.pollMs > deadline) break;
    await sleep(input.pollMs);
  }
  const doneLinks = new Set(verdicts.filter((v) => v.done).map((v) => v.link));
  const pending = input.links.filter((l) => !doneLinks.has(l.link));
  const warnings = pending.map((l) => {
    const v = verdicts.find((x) => x.link === l.link);
    return `the drain of ${l.path} (${l.link}) did not reach its end within ${Math.round(input.waitMs / 1000)} s (${v?.why ?? 'its position could not be read'}): it stays configured; \`provision apply\` of this host removes it once drained`;
  });
  // In the journal too (it keeps changes, not warnings): the host holds a drain still.
  const stay = (links: readonly DrainLink[], why: string) =>
    links.map((l) => ({ kind: 'drain', path: l.path, summary: `drain stays configured (${l.link}): ${why}` }));
  const staying = stay(pending, `not at its end within ${Math.round(input.waitMs / 1000)} s`);
  if (doneLinks.size === 0) return { changes: staying, warnings };

  const ended = input.links.filter((l) => doneLinks.has(l.link));
  input.progress('removing the drained entries');
  const keep = pending.flatMap((l) => {
    const e = input.entryOf(l);
    return e ? [e] : [];
  });
  let outcome: ApplyOutcome;
  try {
    ({ outcome } = await input.install(keep));
  } catch (err) {
    return {
      changes: [...staying, ...stay(ended, 'its re-apply failed')],
      warnings: [...warnings, keptAll(`its re-apply failed: ${(err as Error).message}`)],
    };
  }
  if (!outcome.ok)
    return {
      changes: [...staying, ...stay(ended, 'its re-apply failed')],
      warnings: [
        ...warnings,
        keptAll(`the CloudWatch agent's ${outcome.failedStep ?? 'apply'} failed: ${outcome.messages.join(' ')}`),
      ],
    };
  // The agent no longer reads them (fetch-config restarted it without their entries): the links may go.
  const removable = verdicts.filter((v) => v.done && v.remove).map((v) => v.link);
  const removed = removable.length
    ? parseApplyOutput(
        (
          await input.session
            .run(wholeScript(input.runId, drainRemoveLines(removable), input.stepTimeoutS))
            .catch((err: unknown) => ({ stdout: `@@fail connection\n@@msg ${(err as Error).message}\n` }))
        ).stdout,
      )
    : undefined;
  if (removed && !removed.ok)
    warnings.push(
      `the drained links stay (${removed.failedStep ?? 'their removal'}: ${removed.messages.join(' ')}): the CloudWatch agent no longer reads them`,
    );
  const changes = ended.map((l) => ({
    kind: 'drain',
    path: l.path,
    summary: `drain ended (${verdicts.find((v) => v.link === l.link)?.why ?? 'done'}): its entry removed${removed?.ok && removable.includes(l.link) ? `, and ${l.link}` : ''}`,
  }));
  return { changes: [...changes, ...staying], warnings };
}

function keptAll(why: string): string {
  return `the drained entries stay configured (${why}); \`provision apply\` of this host removes them`;
}
