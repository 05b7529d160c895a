// Loads the table-driven JSON cases of test/cases/doctor/<kind>/ (read from the source tree: tsc does not
// copy JSON to dist/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test');
    dir = up;
  }
  return dir;
}

export function loadCases<T>(kind: string): [string, T][] {
  const dir = join(repoRoot(), 'test', 'cases', 'doctor', kind);
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => [n.slice(0, -5), JSON.parse(readFileSync(join(dir, n), 'utf8')) as T]);
}
