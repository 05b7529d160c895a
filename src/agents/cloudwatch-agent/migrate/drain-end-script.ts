// The host's side of a drain's end: read each drain link (never followed: `stat` without -L) and the CloudWatch
// agent's state file for it (bounded, a regular file only), and, once the agent no longer reads a drained link,
// remove it and its run's folder when empty, under the host lock, checking first that every folder above is
// root's (the drain folder is root's, 0700). Pure text and parsing.
import { quote } from '../../../core/shell-quote.js';
import { drainFolderOf, type DrainObservation } from '../from-awslogs/drain-end.js';
import { stateFilePath } from '../state-folder.js';

const STATE_BYTES = 4096;

/** Read-only lines (no lock): `@@dlink I KIND SIZE` and `@@dstate I BASE64` for each link. */
export function drainReadLines(links: readonly string[]): string {
  return links
    .map((link, i) => {
      const l = quote(link);
      const s = quote(stateFilePath(link));
      return `if [ -L ${l} ]; then echo "@@dlink ${i} other -"
elif [ -f ${l} ]; then echo "@@dlink ${i} file $(stat -c %s -- ${l})"
elif [ -e ${l} ]; then echo "@@dlink ${i} other -"
else echo "@@dlink ${i} absent -"; fi
if [ -f ${s} ] && [ ! -L ${s} ]; then echo "@@dstate ${i} $(head -c ${STATE_BYTES} -- ${s} | base64 -w0)"; fi`;
    })
    .join('\n');
}

export function parseDrainRead(stdout: string, links: readonly string[]): DrainObservation[] {
  const out: DrainObservation[] = links.map((link) => ({ link, kind: 'absent' }));
  const seen = new Set<number>();
  for (const line of stdout.split('\n')) {
    const m = /^@@(dlink|dstate) (\d+) (\S+)(?: (\S+))?$/.exec(line);
    if (!m) continue;
    const o = out[Number(m[2])];
    if (!o) continue;
    if (m[1] === 'dstate') {
      o.state = Buffer.from(m[3]!, 'base64').toString('utf8');
      continue;
    }
    seen.add(Number(m[2]));
    const size = Number(m[4]);
    if (m[3] === 'file' && Number.isSafeInteger(size)) {
      o.kind = 'file';
      o.size = size;
    } else o.kind = m[3] === 'absent' ? 'absent' : 'other';
  }
  // A link the script said nothing of (cut short): not known to be gone.
  return out.map((o, i) => (seen.has(i) ? o : { link: o.link, kind: 'other' }));
}

/**
 * Under the host lock: each link removed (a regular file, not a symbolic link: `rm` unlinks the name, never what
 * it points to), then each run's folder when empty. `@@done drains` at the end.
 */
export function drainRemoveLines(links: readonly string[]): string {
  const folders = [...new Set(links.map(drainFolderOf))];
  return `take_lock
${links.map((l) => `root_dirs ${quote(l)}\nif [ -f ${quote(l)} ] && [ ! -L ${quote(l)} ]; then rm -f -- ${quote(l)} || fail drain ${quote(`cannot remove ${l}`)}; fi`).join('\n')}
${folders.map((d) => `rmdir -- ${quote(d)} 2>/dev/null || :`).join('\n')}
say "done drains"
say ok`;
}
