// The cut-over's second half (one script, under the host lock taken back from the restart discipline's
// watchdog): every seeded path must still be the file it was planned for (its inode); the drain links are made;
// the CloudWatch agent's state folder holds the seeded files and nothing else; awslogs is disabled at boot
// (package, configuration and state kept for the way back). A path that changed since it was read writes nothing
// but awslogs' trimmed state (its last batch not sent twice) and starts awslogs again. Pure text.
import { quote } from '../../../core/shell-quote.js';
import { adoptLines } from '../../awslogs/restart/script.js';
import { writeFileLines } from '../../../operations/remote-script.js';
import { plannedLinkLines } from '../../../operations/planned-link.js';
import type { ServiceControl } from '../../../operations/service.js';
import type { DrainLink, SeededStateFile } from '../from-awslogs/seed-output.js';
import { STATE_DIR } from '../paths.js';

export interface SeedScriptInput {
  awslogs: ServiceControl;
  stateFiles: readonly SeededStateFile[];
  links: readonly DrainLink[];
  /**
   * A path moved: leave awslogs stopped and write nothing (the run reads and plans again), instead of the fallback.
   */
  retryOnMove?: boolean;
  /** awslogs' state as a plain restart would leave it (each arrived batch trimmed), written only when a path moved. */
  fallback?: { path: string; expectedSha256: string; content: Buffer; mode: number; owner: string; group: string };
}

export function seedLines(input: SeedScriptInput): string {
  const fb = input.fallback;
  const fallback = fb
    ? `[ "$(sha ${quote(fb.path)})" = ${quote(fb.expectedSha256)} ] && { ${writeFileLines(fb.path, fb.content, fb.mode, fb.owner, fb.group)}
}`
    : ':';
  if (input.retryOnMove)
    return seedBody(
      input,
      `moved() { fail moved "$1 changed (rotated?) after it was read: nothing was written; read again"; }`,
    );
  return seedBody(
    input,
    `moved() {
  ${fallback}
  bounded ${input.awslogs.start} >/dev/null 2>&1
  fail moved "$1 changed (rotated?) after it was read: nothing was written; awslogs was started again"
}`,
  );
}

function seedBody(input: SeedScriptInput, moved: string): string {
  // The current files are only named in state files (root makes nothing of them): their inode is compared. A
  // rotated file is linked first and the link's own inode compared (operations/planned-link.ts).
  const checks = input.stateFiles.filter((f) => f.linkedFrom === undefined).map((f) => [f.path, f.inode] as const);
  return `${adoptLines()}
${moved}
${checks.map(([p, ino]) => `[ "$(stat -c %i -- ${quote(p)} 2>/dev/null)" = ${ino} ] || moved ${quote(p)}`).join('\n')}
${plannedLinkLines(input.links, (path) => `moved ${quote(path)}`)}
say "done check"
root_dirs ${quote(`${STATE_DIR}/x`)}
mkdir -p ${quote(STATE_DIR)} || fail state "cannot create ${STATE_DIR}"
for f in ${quote(STATE_DIR)}/*; do [ -f "$f" ] && [ ! -L "$f" ] && rm -f -- "$f"; done
${input.stateFiles.map((f) => writeFileLines(f.stateFile, f.content, 0o644, 'root', 'root')).join('\n')}
say "done statefiles"
out=$(bounded ${input.awslogs.disable} 2>&1) || fail "service disable" "$(timed_out $? "$out")"
say "done awslogs disable"
say ok`;
}
