// `provision apply` on a host a migration left with drain entries in its managed JSON (a cut-over whose drain did
// not reach its end in time, or whose removal failed): the inventory never holds them, so a plain apply would
// write the JSON without them and the rest of a rotated file would never be sent. A drain not yet at its end is
// kept (appended to the inventory's entries, a warning says so); one at its end is dropped and its link removed
// once the apply succeeded, so the next apply finds nothing to change. One read of the host, only when its JSON
// holds a drain entry.
import type { CarryContext, Carried } from '../../core/agent-plugin.js';
import { wholeScript } from '../../operations/remote-script.js';
import { desiredJson } from './desired.js';
import {
  drainEntriesIn,
  judgeDrain,
  withEntries,
  type DrainEntry,
  type DrainVerdict,
} from './from-awslogs/drain-end.js';
import { drainReadLines, drainRemoveLines, parseDrainRead } from './migrate/drain-end-script.js';
import { MANAGED_JSON_PATH } from './paths.js';
import type { CloudWatchAgentSpec } from './spec.js';

export async function carryDrains(ctx: CarryContext<CloudWatchAgentSpec>): Promise<Carried<CloudWatchAgentSpec>> {
  const fact = ctx.facts.files[MANAGED_JSON_PATH];
  const wanted = new Set(ctx.spec.entries.map((e) => e.filePath));
  // A drain the inventory itself holds is the inventory's: applied as it says.
  const drains = drainEntriesIn(fact?.exists && !fact.truncated ? fact.content : undefined).filter(
    (d) => !wanted.has(d.link),
  );
  if (drains.length === 0) return { spec: ctx.spec, files: ctx.files, changes: [], warnings: [] };
  const links = drains.map((d) => d.link);
  const read = await ctx.session.run(wholeScript(ctx.runId, `${drainReadLines(links)}\nsay ok`));
  const verdicts = read.stdout.includes('@@ok')
    ? parseDrainRead(read.stdout, links).map(judgeDrain)
    : links.map((link) => ({ link, done: false, remove: false, why: 'its position could not be read' }));
  return carried(ctx.spec, ctx.files, drains, verdicts);
}

/** The spec and files with each drain not at its end kept, and what ends the others. Pure. */
export function carried(
  spec: CloudWatchAgentSpec,
  files: CarryContext<CloudWatchAgentSpec>['files'],
  drains: readonly DrainEntry[],
  verdicts: readonly DrainVerdict[],
): Carried<CloudWatchAgentSpec> {
  const verdictOf = (d: DrainEntry) =>
    verdicts.find((v) => v.link === d.link) ?? { link: d.link, done: false, remove: false, why: 'not read' };
  const kept = drains.filter((d) => !verdictOf(d).done);
  const ended = drains.filter((d) => verdictOf(d).done);
  const config = withEntries(
    spec.config,
    kept.map((d) => d.entry),
  );
  const next: CloudWatchAgentSpec = { ...spec, config };
  const json = desiredJson(next);
  const removable = ended.filter((d) => verdictOf(d).remove).map((d) => d.link);
  return {
    spec: next,
    files: {
      ...files,
      files: files.files.map((f) => (f.path === MANAGED_JSON_PATH ? { ...f, content: json } : f)),
    },
    changes: ended.map((d) => ({
      kind: 'drain',
      path: d.link,
      summary: `drain ended (${verdictOf(d).why}): its entry removed${removable.includes(d.link) ? ', and its link once applied' : ''}`,
    })),
    warnings: kept.map(
      (d) =>
        `kept the migration's drain entry for ${d.link}, which the inventory does not hold: not at its end yet (${verdictOf(d).why}); a later apply removes it once drained`,
    ),
    ...(removable.length > 0 ? { afterApply: drainRemoveLines(removable) } : {}),
  };
}
