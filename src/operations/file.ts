// A managed file: desired content, mode and owner against what the host has now.

import { createHash } from 'node:crypto';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { maskAll, maskSecretFileLines } from '../core/secrets.js';
import type { Change, DesiredFile, FileFact, HostFacts, StepOutcome } from '../core/types.js';

type FileChange = Extract<Change, { kind: 'file' }>;

/** `0o600` → `0600`. Only the permission bits count; a file-type bit from stat is ignored. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** The first 12 hex digits of the content's sha256: enough to tell versions apart in a message. */
export function shortSha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex').slice(0, 12);
}

/**
 * A unified diff (git-style `a/` and `b/` labels, `/dev/null` for an absent file) with secrets masked: the
 * desired file's known secrets everywhere, and the value of any secret-looking INI key on either side, so an
 * old key on the host that the tool does not know is masked too; for a file that holds secrets, every line
 * that could be one (comments, continuation lines, other keys: see maskSecretFileLines). The diff is computed
 * on the real text and masked afterwards, so a changed secret still shows as a changed line (`-… = ********`,
 * `+… = ********`).
 */
export function fileDiff(
  path: string,
  before: string | undefined,
  after: string,
  secrets: readonly string[],
  holdsSecrets = false,
): string {
  const patch = createTwoFilesPatch(
    before === undefined ? '/dev/null' : `a${path}`,
    `b${path}`,
    before ?? '',
    after,
    undefined,
    undefined,
    // Three lines of context, as diff -u and git (jsdiff's default is four).
    { context: 3, headerOptions: FILE_HEADERS_ONLY },
  );
  const masked = maskAll(patch, secrets);
  return holdsSecrets ? maskSecretFileLines(masked, { diff: true }) : masked;
}

function countLines(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ') || line.startsWith('--- ')) continue;
    if (line.startsWith('+')) added += 1;
    else if (line.startsWith('-')) removed += 1;
  }
  return { added, removed };
}

function change(
  desired: DesiredFile,
  action: FileChange['action'],
  summary: string,
  diff: string,
  fact: FileFact,
): FileChange {
  // A restart is due only when the content the agent reads changes, not its mode or owner.
  const contentChanged = action === 'create' || action === 'update';
  const expected = fact.exists ? fact.sha256 : 'absent';
  return {
    kind: 'file',
    action,
    path: desired.path,
    summary,
    diff,
    desired,
    notifies: desired.notifies && contentChanged,
    ...(expected ? { expectedSha256: expected } : {}),
  };
}

/**
 * One managed file → at most one change: create (absent), update (content differs; the summary also names a
 * mode or owner difference), mode (only the mode differs, or mode and owner), owner (only owner/group differ).
 * The change carries the whole desired file: apply sets content, mode and owner from it whatever the action.
 * A symlink at the path, or a path the probe did not report, is refused rather than guessed at.
 */
export function fileOperation(desired: DesiredFile, facts: HostFacts): StepOutcome {
  const path = desired.path;
  const fact: FileFact | undefined = facts.files[path];
  if (fact === undefined)
    return { changes: [], refusals: [`${path}: no facts gathered for this managed path: refused`] };
  if (!fact.exists) {
    const diff = fileDiff(path, undefined, desired.content, desired.secrets, desired.holdsSecrets);
    const lines = countLines(diff).added;
    return {
      changes: [
        change(
          desired,
          'create',
          `create ${path} (${lines} line${lines === 1 ? '' : 's'}, mode ${formatMode(desired.mode)}, ${desired.owner}:${desired.group})`,
          diff,
          fact,
        ),
      ],
    };
  }
  if (fact.isSymlink) return { changes: [], refusals: [`${path}: managed path is a symlink: refused`] };
  if (fact.controlledBy)
    return {
      changes: [],
      refusals: [`${path}: ${fact.controlledBy}: refused (the tool does not write where another user can)`],
    };
  if (fact.kind) return { changes: [], refusals: [`${path}: managed path is a ${fact.kind}, not a file: refused`] };

  const modeDiffers = (fact.mode & 0o7777) !== (desired.mode & 0o7777);
  const ownerDiffers = fact.owner !== desired.owner || fact.group !== desired.group;
  const contentDiffers = fact.content !== desired.content;
  const meta: string[] = [];
  if (modeDiffers) meta.push(`mode ${formatMode(fact.mode)} → ${formatMode(desired.mode)}`);
  if (ownerDiffers) meta.push(`owner ${fact.owner}:${fact.group} → ${desired.owner}:${desired.group}`);

  if (contentDiffers) {
    const diff = fileDiff(path, fact.content, desired.content, desired.secrets, desired.holdsSecrets);
    const { added, removed } = countLines(diff);
    const what = [`content +${added} -${removed} lines`, ...meta].join(', ');
    return { changes: [change(desired, 'update', `update ${path}: ${what}`, diff, fact)] };
  }
  if (modeDiffers) return { changes: [change(desired, 'mode', `${path}: ${meta.join(', ')}`, '', fact)] };
  if (ownerDiffers) return { changes: [change(desired, 'owner', `${path}: ${meta.join(', ')}`, '', fact)] };
  return {
    changes: [],
    noop: `${path} already as desired (sha256 ${shortSha256(fact.content)}, mode ${formatMode(fact.mode)}, ${fact.owner}:${fact.group})`,
  };
}
