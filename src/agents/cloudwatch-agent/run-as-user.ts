// `agent.run_as_user`: the agent drops to that user before it opens any log, so a file (or a folder above it)
// that user may not read is never sent: "Failed to tail file … permission denied". The host-side facts come
// from preflight's probe; this is the rule over them. Pure.

export interface UserIdentity {
  name: string;
  uid: number;
  /** The user's primary and supplementary groups. */
  gids: readonly number[];
}

export interface PathFact {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  kind: 'file' | 'directory';
}

/** Whether `who` has `want` (4 read, 1 search) on a path with this mode and owner; root has both. */
function allowed(who: UserIdentity, fact: PathFact, want: 4 | 1): boolean {
  if (who.uid === 0) return true;
  if (fact.uid === who.uid) return ((fact.mode >> 6) & want) !== 0;
  if (who.gids.includes(fact.gid)) return ((fact.mode >> 3) & want) !== 0;
  return (fact.mode & want) !== 0;
}

export interface Unreadable {
  path: string;
  /** The path that refuses: the file, or a folder above it the user cannot search. */
  blockedBy: string;
  reason: string;
}

/**
 * The file `file` as `who` reaches it: every folder in `folders` (those above it) must be searchable and the file
 * readable. Returns why not, or undefined when the user can read it.
 */
export function unreadableAs(who: UserIdentity, file: PathFact, folders: readonly PathFact[]): Unreadable | undefined {
  for (const dir of folders) {
    if (!allowed(who, dir, 1)) {
      return {
        path: file.path,
        blockedBy: dir.path,
        reason: `${who.name} cannot enter ${dir.path} (${describe(dir)})`,
      };
    }
  }
  if (!allowed(who, file, 4)) {
    return {
      path: file.path,
      blockedBy: file.path,
      reason: `${who.name} cannot read ${file.path} (${describe(file)})`,
    };
  }
  return undefined;
}

function describe(f: PathFact): string {
  return `mode ${(f.mode & 0o7777).toString(8).padStart(4, '0')}, uid ${f.uid}, gid ${f.gid}`;
}

/** The preflight message for one unreadable file. */
export function unreadableMessage(u: Unreadable): string {
  return `agent.run_as_user: ${u.reason}: the agent logs "Failed to tail file ${u.path} … permission denied" and sends nothing from it (run as root, or grant the user read access)`;
}
