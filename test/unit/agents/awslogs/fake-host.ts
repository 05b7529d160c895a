// A stand-in for the inventory loader's hosts: vars as given, locations from a table of dotted paths.
import type { InventoryHost, SourceLocation } from '../../../../src/inventory/types.js';

export interface FakeHostOptions {
  file?: string;
  /** Dotted path (`awslogs_logs.0.buffer_duration`) → line; the nearest located ancestor wins, as in the loader. */
  lines?: Record<string, number>;
}

export function fakeHost(name: string, vars: Record<string, unknown>, options: FakeHostOptions = {}): InventoryHost {
  const file = options.file ?? '/srv/inventories/prod.yml';
  const lines = options.lines ?? {};
  return {
    name,
    groups: ['all'],
    vars,
    locate(path): SourceLocation {
      for (let n = path.length; n > 0; n--) {
        const line = lines[path.slice(0, n).join('.')];
        if (line !== undefined) return { file, line, column: 3 };
      }
      return { file };
    },
  };
}
