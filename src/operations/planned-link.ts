// Hard links, made as root, to files someone else may control (a rotated log in a folder its owner writes): the
// migration's drains read a rotated file through such a link. A check of the file's inode before `ln` leaves a
// window in which its owner can swap the path (for a symlink to a root-only file, or a file of their own) and root
// would link whatever is there then. So the link is made first — `ln -P` links a symlink itself, never what it
// points to — in a folder root alone controls, and then the link's own inode is compared with the one planned:
// nobody else can change what the link names. Not the file planned: the link is removed. Pure text.
import { quote } from '../core/shell-quote.js';

export interface PlannedLink {
  /** The file as it was read (a rotated log). */
  path: string;
  /** The inode it had then: the link must name this file. */
  inode: number;
  /** Where the link goes, in a folder of the tool's own. */
  link: string;
}

/**
 * `link_planned SOURCE LINK INODE`: 0 when LINK is a hard link to the regular file INODE; 1 when SOURCE is gone or
 * is not that file (the link removed); 2 when `ln` failed otherwise (another file system, a full disk).
 */
const LINK_PLANNED = `link_planned() {
  { [ -e "$1" ] || [ -L "$1" ]; } || return 1
  ln -P -f -- "$1" "$2" 2>/dev/null || return 2
  if [ -L "$2" ] || [ ! -f "$2" ] || [ "$(stat -c %i -- "$2")" != "$3" ]; then rm -f -- "$2"; return 1; fi
}`;

/**
 * Lines that make every link (their folders created 0700 under root_dirs' check). A source that is not the file
 * planned removes every link made so far and runs `moved(path)`, which must end the script; another failure
 * fails step `drain`.
 */
export function plannedLinkLines(links: readonly PlannedLink[], moved: (path: string) => string): string {
  if (links.length === 0) return '';
  const dirs = [...new Set(links.map((l) => l.link.slice(0, l.link.lastIndexOf('/'))))];
  const undo = `rm -f -- ${links.map((l) => quote(l.link)).join(' ')}`;
  return [
    LINK_PLANNED,
    ...dirs.map(
      (d) =>
        `root_dirs ${quote(`${d}/x`)}; mkdir -p ${quote(d)} && chmod 700 ${quote(d)} || fail drain ${quote(`cannot create ${d}`)}`,
    ),
    ...links.map(
      (l) =>
        `link_planned ${quote(l.path)} ${quote(l.link)} ${Math.floor(l.inode)}; case $? in 0) ;; 1) ${undo}; ${moved(l.path)} ;; *) ${undo}; fail drain ${quote(`cannot link ${l.path}`)} ;; esac`,
    ),
  ].join('\n');
}
