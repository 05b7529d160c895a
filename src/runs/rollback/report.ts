// What a rollback tells the operator about one host: every file it put back, with the mode and owner it now
// has; each service step it took and why; a warning for a credentials file it left readable by other users,
// and for a package a rolled-back first install leaves behind.
import type { ApplyOutcome } from '../../operations/apply-script.js';
import { formatMode } from '../../operations/file.js';
import type { FileMeta, RestoredFile } from '../../operations/restore-script.js';
import type { ChangeReport } from '../../ui/report.js';

export interface RollbackContext {
  /** The run rolled back. */
  run: string;
  service: string;
  /** Paths that may hold credentials, each with the group the tool itself lets read it (root: none). */
  credentials: ReadonlyMap<string, string>;
  packageName: string;
  /** The host's package manager (dnf on Amazon Linux 2023, yum before). */
  packageManager?: 'yum' | 'dnf';
  /** Whether the package was installed before that run (undefined: the journal does not say). */
  packageWasInstalled?: boolean;
}

const metaText = (m: FileMeta) => `mode ${formatMode(m.mode)} ${m.owner}:${m.group}`;

const SERVICE_WORDS: Record<string, (service: string, run: string) => string> = {
  restart: (s) => `restart ${s}: it reads the restored files`,
  start: (s, run) => `start ${s}: it ran before run ${run}`,
  stop: (s, run) => `stop ${s}: it was not running before run ${run}`,
  disable: (s, run) => `disable ${s} at boot: it was not enabled before run ${run}`,
};

export function rollbackReport(
  restored: RestoredFile[],
  outcome: ApplyOutcome,
  context: RollbackContext,
): { changes: ChangeReport[]; warnings: string[]; changed: boolean } {
  const changes: ChangeReport[] = [];
  const warnings: string[] = [];
  let changed = false;
  for (const file of restored) {
    // A path the run might have written but never did (a command's staging file): nothing to say.
    if (file.now === 'absent' && file.was === 'absent') continue;
    const sums = outcome.files.find((f) => f.path === file.path);
    const contentChanged = !sums || sums.sha256Before !== sums.sha256After;
    const metaChanged =
      file.now === 'absent' || file.was === 'absent'
        ? file.now !== file.was
        : metaText(file.now) !== metaText(file.was);
    if (contentChanged || metaChanged) changed = true;
    if (file.now === 'absent') {
      changes.push({ kind: 'file', path: file.path, summary: `removed: absent before run ${context.run}` });
      continue;
    }
    const same = !contentChanged && !metaChanged ? ' (already as it was)' : '';
    changes.push({
      kind: 'file',
      path: file.path,
      summary: `restored from run ${context.run}: ${metaText(file.now)}${same}`,
    });
    // A credentials file others can read is what the tool never writes; a rollback puts back what was there,
    // and says so.
    const reader = context.credentials.get(file.path);
    const groupReads = (file.now.mode & 0o040) !== 0 && file.now.group !== reader && file.now.group !== 'root';
    if (reader !== undefined && ((file.now.mode & 0o004) !== 0 || groupReads || file.now.owner !== 'root'))
      warnings.push(
        `${file.path} restored with ${metaText(file.now)}: readable by other users, and it may hold credentials (chmod 600 ${file.path} if it should not be)`,
      );
  }
  for (const done of outcome.done) {
    const action = /^service (\w+)$/.exec(done)?.[1];
    if (!action) continue;
    changed = true;
    const words = SERVICE_WORDS[action];
    changes.push({
      kind: 'service',
      summary: words ? words(context.service, context.run) : `${action} ${context.service}`,
    });
  }
  if (context.packageWasInstalled === false)
    warnings.push(
      `the ${context.packageName} package stays installed: run ${context.run} installed it, and a rollback puts back files and the service, not packages (${context.packageManager ?? 'yum'} remove ${context.packageName} removes it)`,
    );
  return { changes, warnings, changed };
}
