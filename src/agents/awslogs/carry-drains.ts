// `provision apply` on a host the migration's way back left with drain sections in awslogs.conf (each reads a
// file rotated while neither agent ran, through a hard link under the drain folder): the inventory never holds
// them, so a plain apply would write awslogs.conf without them and the rest of that file would never be sent.
// They are kept, written as the way back wrote them after the inventory's sections (so an apply that changes
// nothing else finds nothing to change), with a warning: their removal once drained is not built (it needs
// awslogs' push_state judged against CloudWatch Logs, as a restart does). The restart discipline reads the
// sections of the awslogs.conf it applies, so a restart sends nothing of a drain twice. Pure, no host read.
import type { CarryContext, Carried } from '../../core/agent-plugin.js';
import { isDrainLink } from '../cloudwatch-agent/from-awslogs/drain-end.js';
import { DRAIN_DIR } from '../cloudwatch-agent/from-awslogs/observed.js';
import { AWSLOGS_CONF_PATH } from './desired.js';
import { IniError, parseIni } from './ini.js';
import { LOG_OPTIONS, type HostSpec } from './spec.js';

export function carryDrainSections(ctx: Omit<CarryContext<HostSpec>, 'session' | 'runId'>): Carried<HostSpec> {
  const none = { spec: ctx.spec, files: ctx.files, changes: [], warnings: [] };
  const fact = ctx.facts.files[AWSLOGS_CONF_PATH];
  const conf = ctx.files.files.find((f) => f.path === AWSLOGS_CONF_PATH);
  if (!fact?.exists || fact.truncated || !conf || !fact.content.includes(DRAIN_DIR)) return none;
  let host;
  let wanted;
  try {
    host = parseIni(fact.content, AWSLOGS_CONF_PATH);
    wanted = parseIni(conf.content, AWSLOGS_CONF_PATH);
  } catch (err) {
    if (err instanceof IniError) return none;
    throw err;
  }
  const kept: string[] = [];
  const warnings: string[] = [];
  for (const [name, options] of host.sections) {
    const file = options.get('file');
    if (file === undefined || !isDrainLink(file) || wanted.sections.has(name)) continue;
    const lines = LOG_OPTIONS.flatMap((o) => {
      const v = options.get(o);
      return v === undefined ? [] : [`${o} = ${v}`];
    });
    // As the way back writes them: one line each. A name or value on several lines is not the tool's.
    if (/[\r\n\]]/.test(name) || lines.some((l) => /[\r\n]/.test(l))) {
      warnings.push(`awslogs.conf's section [${name}] reads ${file} but is not as the way back writes it: not kept`);
      continue;
    }
    kept.push(`\n[${name}]\n${lines.join('\n')}\n`);
    warnings.push(
      `kept awslogs' drain section [${name}] (reading ${file}), which the inventory does not hold: the rest of a file rotated during the way back; its removal once drained is not built: remove it by hand once awslogs sent it all`,
    );
  }
  if (kept.length === 0) return { ...none, warnings };
  const content = conf.content.replace(/\n*$/, '\n') + kept.join('');
  return {
    spec: ctx.spec,
    files: { ...ctx.files, files: ctx.files.files.map((f) => (f === conf ? { ...f, content } : f)) },
    changes: [],
    warnings,
  };
}
