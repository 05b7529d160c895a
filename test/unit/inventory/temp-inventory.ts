// Writes an inventory and its vars files into a fresh temporary folder, for tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/inventory/', import.meta.url));

/** `files` maps a relative path to its text; returns the absolute path of `inventory.yml` in that folder. */
export function writeInventory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-test-'));
  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return join(dir, 'inventory.yml');
}
