// Which group_vars/ and host_vars/ files belong to a group or a host, as Ansible's host_group_vars plugin and
// DataLoader.find_vars_files find them beside the inventory.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { extname, join } from 'node:path';

const EXTENSIONS = ['.yml', '.yaml', '.json'];
/** A folder of vars files may hold folders; past this depth (a link loop, say) nothing more is read. */
const MAX_FOLDER_DEPTH = 16;

/** A group_vars/ or host_vars/ folder beside the inventory, listed once (an inventory may hold 100,000 hosts). */
export class VarsFolder {
  private constructor(
    private readonly dir: string,
    private readonly names: ReadonlySet<string>,
  ) {}

  /** Undefined when there is no such folder. */
  static open(inventoryDir: string, kind: 'group_vars' | 'host_vars'): VarsFolder | undefined {
    try {
      const dir = realpathSync(join(inventoryDir, kind));
      return statSync(dir).isDirectory() ? new VarsFolder(dir, new Set(readdirSync(dir))) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The first of NAME, NAME.yml, NAME.yaml, NAME.json that exists: a file, or a folder whose files are read in
   * sorted order — files with one of those extensions or none, and folders without an extension, recursively;
   * hidden names and backups (`~`) skipped. A name that starts with `/` has none (as in Ansible); a name that
   * would leave the folder (`..`) has none either (Ansible would read outside it).
   */
  filesFor(name: string): string[] {
    if (name.startsWith('/') || name.includes('\0') || name.split('/').some((part) => part === '..')) return [];
    const nested = name.includes('/');
    for (const ext of ['', ...EXTENSIONS]) {
      if (!nested && !this.names.has(name + ext)) continue;
      const path = join(this.dir, name + ext);
      const stats = statOf(path);
      if (!stats) continue;
      return stats.isDirectory() ? filesIn(path, 0) : [path];
    }
    return [];
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function filesIn(dir: string, depth: number): string[] {
  if (depth > MAX_FOLDER_DEPTH) return [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  // Python sorts by code point; JavaScript's default sort by UTF-16 unit, the same outside the astral planes.
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const path = join(dir, name);
    const ext = extname(name);
    const stats = statOf(path);
    if (stats?.isDirectory() && ext === '') files.push(...filesIn(path, depth + 1));
    else if (stats?.isFile() && (ext === '' || EXTENSIONS.includes(ext))) files.push(path);
  }
  return files;
}
