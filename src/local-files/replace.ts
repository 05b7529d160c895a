// The one way the tool replaces a file of its own on this machine (known_hosts, the AWS shared credentials
// file, notes beside it): atomically (a temporary file beside the real one, synced, then renamed over it),
// through a symbolic link (the link stays, its target gets the new content), and never over anything that is
// not a regular file (/dev/null, a FIFO, a directory): that is refused with the reason, and left as it was.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chown, lstat, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A local file the tool will not replace: what it is, and why. */
export class LocalFileRefused extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file} ${reason}: not replaced`);
    this.name = 'LocalFileRefused';
  }
}

/** What a path is, in words, for an error. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The file the content must go to: `file` itself, or where its link points; undefined when it does not exist. */
async function realTarget(file: string): Promise<{ path: string; mode: number; uid: number; gid: number } | undefined> {
  let link;
  try {
    link = await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let path = file;
  if (link.isSymbolicLink()) {
    try {
      path = await realpath(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new LocalFileRefused(file, 'is a symbolic link to nothing (its target does not exist)');
      throw err;
    }
  }
  const s = link.isSymbolicLink() ? await stat(path) : link;
  if (!s.isFile())
    throw new LocalFileRefused(file, `is not a regular file (${kindOf(s)}${path !== file ? `, at ${path}` : ''})`);
  return { path, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
}

/**
 * Replaces `file` with `text`. It gets `mode` when given; otherwise an existing file keeps its mode, and a
 * new one is 0600. An existing file keeps its owner. A missing folder is made 0700.
 */
export async function replaceFile(file: string, text: string, options: { mode?: number } = {}): Promise<void> {
  const existing = await realTarget(file);
  const target = existing?.path ?? file;
  if (!existing) await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const mode = options.mode ?? existing?.mode ?? 0o600;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', mode);
  try {
    await fh.writeFile(text);
    await fh.chmod(mode);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(temp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    // Written by root for its owner (sudo): the file stays theirs.
    if (existing && process.getuid?.() === 0) await chown(temp, existing.uid, existing.gid);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * A file's text, or undefined when it does not exist or is not a regular file (/dev/null, a FIFO, a
 * directory: reading one could block, never end, or fail). Follows a link, as replaceFile writes through it.
 * Opened without blocking and checked on the open file, so nothing swapped in between is read.
 */
export async function readRegularFile(file: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if (!(await fh.stat()).isFile()) return undefined;
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
