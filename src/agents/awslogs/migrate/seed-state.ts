// The way back's rows written into awslogs' SQLite state file, on a private copy on this machine (as every
// state repair is: state-file.ts): push_state and stream_state rows inserted or replaced, every other row as it
// was; a host without a state file gets one as the agent creates it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../state/sqlite.js';

export interface SeedRows {
  push: readonly { k: string; v: string }[];
  stream: readonly { k: string; v: string }[];
}

export function seededState(bytes: Buffer | undefined, rows: SeedRows, now = new Date()): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-state-'));
  try {
    const file = join(dir, 'agent-state');
    if (bytes && bytes.length > 0) writeFileSync(file, bytes, { mode: 0o600 });
    const db = openSqlite(file, { readOnly: false, create: true });
    try {
      const at = now.toISOString().slice(0, 19);
      for (const [table, list] of [
        ['push_state', rows.push],
        ['stream_state', rows.stream],
      ] as const) {
        db.prepare(
          `CREATE TABLE IF NOT EXISTS ${table} (k TEXT PRIMARY KEY NOT NULL, v TEXT NOT NULL, ctime DATETIME, mtime DATETIME)`,
        ).run();
        const upsert = db.prepare(
          `INSERT INTO ${table} (k, v, ctime, mtime) VALUES (?, ?, ?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v, mtime = excluded.mtime`,
        );
        for (const r of list) upsert.run(r.k, r.v, at, at);
      }
    } finally {
      db.close();
    }
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
