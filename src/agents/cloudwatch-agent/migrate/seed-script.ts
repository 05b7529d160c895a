// The cut-over's second half (one script, under the host lock taken back from the restart discipline's
// watchdog): every seeded path must still be the file it was planned for (its inode); the drain links are made;
// the CloudWatch agent's state folder holds the seeded files and nothing else; awslogs is disabled at boot
// (package, configuration and state kept for the way back). A path that changed since it was read writes nothing
// but awslogs' trimmed state (its last batch not sent twice) and starts awslogs again. Seeded, the script hands the
// host lock to a watchdog until the apply script takes it back (takeBackFromSeeding): should the tool die in
// between, the watchdog puts awslogs back as it was (its trimmed state, enabled, started), removes what the
// seeding wrote and says so in the host's log. Pure text.
import { quote } from '../../../core/shell-quote.js';
import { adoptLines, handOffLines, HANDOFF_SECONDS, MARK_DIR, type TakeBack } from '../../awslogs/restart/script.js';
import { assertRunId, BACKUP_ROOT, writeFileLines } from '../../../operations/remote-script.js';
import { plannedLinkLines } from '../../../operations/planned-link.js';
import type { ServiceControl } from '../../../operations/service.js';
import type { DrainLink, SeededStateFile } from '../from-awslogs/seed-output.js';
import { STATE_DIR } from '../paths.js';

/** Where a cut-over's watchdog says what it did (the last 100 lines kept), besides syslog. */
export const WATCHDOG_LOG = `${MARK_DIR}/watchdog.log`;

export interface SeedScriptInput {
  runId: string;
  awslogs: ServiceControl;
  /** awslogs' enable at boot (the watchdog's put-back). */
  awslogsEnable: string;
  stateFiles: readonly SeededStateFile[];
  links: readonly DrainLink[];
  /**
   * A path moved: leave awslogs stopped and write nothing (the run reads and plans again), instead of the fallback.
   */
  retryOnMove?: boolean;
  /** awslogs' state as a plain restart would leave it (each arrived batch trimmed), written only when a path moved. */
  fallback?: { path: string; expectedSha256: string; content: Buffer; mode: number; owner: string; group: string };
  /** Seconds the watchdog waits for the apply script before it puts awslogs back (default HANDOFF_SECONDS). */
  handOffSeconds?: number;
}

/** The seeding's hand-off mark (`cutover-RUN`), apart from the restart discipline's first half's. */
const SEEDED: TakeBack = {
  mark: 'cutover',
  step: 'watchdog',
  late: "the cut-over's watchdog had already put awslogs back (the apply came too late): nothing was written",
};

/** Where the seeding keeps awslogs' trimmed state for the watchdog (the run's backup folder, root's alone). */
const stagedState = (runId: string) => `${BACKUP_ROOT}/${runId}/awslogs-state.trimmed`;

/** The apply script's first lines in a cut-over: the host lock back from the seeding's watchdog. */
export function takeBackFromSeeding(runId: string): string {
  assertRunId(runId);
  return `${adoptLines(SEEDED)}
rm -f -- ${quote(stagedState(runId))}`;
}

/**
 * The way back's lock in a cut-over that failed after the seeding: taken back from the seeding's watchdog while
 * it waits, else taken as any run takes it. Fails step `watchdog` when the watchdog already put awslogs back.
 */
export function wayBackLock(runId: string, fromRunId: string): string {
  assertRunId(fromRunId);
  // `provision rollback` of a migration (another run) whose cut-over's watchdog fired sees its mark too.
  return `[ -e ${quote(`${MARK_DIR}/${SEEDED.mark}-${fromRunId}.fired`)} ] && fail ${SEEDED.step} ${quote(SEEDED.late.replace(' (the apply came too late)', ''))}
M=${MARK_DIR}/${SEEDED.mark}-"$RUN"
if [ -e "$M" ]; then
${takeBackFromSeeding(runId)}
else
take_lock
fi`;
}

export function seedLines(input: SeedScriptInput): string {
  const fb = input.fallback;
  const fallback = fb
    ? `[ "$(sha ${quote(fb.path)})" = ${quote(fb.expectedSha256)} ] && { ${writeFileLines(fb.path, fb.content, fb.mode, fb.owner, fb.group)}
}`
    : ':';
  // Any failure before the state files are written puts awslogs back (its trimmed state, started): the first
  // watchdog is gone once the lock is taken back. After them, the cut-over's way back carries the positions.
  const putBack = `HELD=0; PUT=0
put_back() {
  PUT=1
  ${fallback}
  bounded ${input.awslogs.start} >/dev/null 2>&1
}
fail() { step=$1; shift; say "fail $step"; printf '%s\\n' "$*" | tail -n 20 | sed 's/^/@@msg /'; if [ $HELD = 1 ] && [ $PUT = 0 ]; then put_back; say "msg awslogs was started again"; fi; exit 1; }`;
  if (input.retryOnMove)
    return seedBody(
      input,
      `${putBack}
moved() { PUT=1; fail moved "$1 changed (rotated?) after it was read: nothing was written; read again"; }`,
    );
  return seedBody(
    input,
    `${putBack}
moved() {
  put_back
  fail moved "$1 changed (rotated?) after it was read: nothing was written; awslogs was started again"
}`,
  );
}

function seedBody(input: SeedScriptInput, moved: string): string {
  // The current files are only named in state files (root makes nothing of them): their inode is compared. A
  // rotated file is linked first and the link's own inode compared (operations/planned-link.ts).
  const checks = input.stateFiles.filter((f) => f.linkedFrom === undefined).map((f) => [f.path, f.inode] as const);
  return `${moved}
${adoptLines()}
HELD=1
${checks.map(([p, ino]) => `[ "$(stat -c %i -- ${quote(p)} 2>/dev/null)" = ${ino} ] || moved ${quote(p)}`).join('\n')}
${plannedLinkLines(input.links, (path) => `moved ${quote(path)}`)}
say "done check"
root_dirs ${quote(`${STATE_DIR}/x`)}
mkdir -p ${quote(STATE_DIR)} || fail state "cannot create ${STATE_DIR}"
for f in ${quote(STATE_DIR)}/*; do [ -f "$f" ] && [ ! -L "$f" ] && rm -f -- "$f"; done
${input.stateFiles.map((f) => writeFileLines(f.stateFile, f.content, 0o644, 'root', 'root')).join('\n')}
say "done statefiles"
HELD=0
out=$(bounded ${input.awslogs.disable} 2>&1) || fail "service disable" "$(timed_out $? "$out")"
say "done awslogs disable"
${handOff(input)}
say ok`;
}

/** The watchdog that puts awslogs back should the apply script not take the lock back in time. */
function handOff(input: SeedScriptInput): string {
  const fb = input.fallback;
  const staged = quote(stagedState(input.runId));
  const secs = input.handOffSeconds ?? HANDOFF_SECONDS;
  const stage = fb
    ? `ensure_backup_dir
${writeFileLines(stagedState(input.runId), fb.content, fb.mode, fb.owner, fb.group)}`
    : '';
  // awslogs' state has not moved since it stopped: with its arrived batches trimmed, it resumes exactly there.
  const put = fb ? quote(`${fb.path}.awslogs-provision-back`) : '';
  const putBack = [
    ...(fb
      ? [
          `if [ -f ${staged} ]; then if [ "$(sha256sum < ${quote(fb.path)} 2>/dev/null | cut -c1-64)" = ${quote(fb.expectedSha256)} ]; then cp -p -- ${staged} ${put} && mv -f -- ${put} ${quote(fb.path)}; fi; rm -f -- ${staged}; fi`,
        ]
      : []),
    `rm -f -- ${[...input.stateFiles.map((f) => f.stateFile), ...input.links.map((l) => l.link)].map(quote).join(' ')}`,
    `${input.awslogsEnable} >/dev/null 2>&1`,
    `${input.awslogs.reset} >/dev/null 2>&1`,
    `${input.awslogs.start} >/dev/null 2>&1`,
    `msg="run $RUN: the cut-over's apply did not take the host back within ${secs} s (the tool died?): awslogs put back (enabled, started where it stopped), the CloudWatch agent's seeded state removed"`,
    `logger -t awslogs-provision "$msg" 2>/dev/null`,
    `F=${quote(WATCHDOG_LOG)}; { tail -n 99 "$F" 2>/dev/null; printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$msg"; } > "$F.new" && mv -f "$F.new" "$F"`,
  ].join('\n');
  return `${stage}
${handOffLines({ mark: SEEDED.mark, seconds: secs, putBack, keepFiredMark: true })}`;
}
