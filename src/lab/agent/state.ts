// The agent's state file: SQLite, tables `push_state` and `stream_state`, each
// `(k TEXT PRIMARY KEY NOT NULL, v TEXT NOT NULL, ctime DATETIME, mtime DATETIME)`, `v` JSON as Python's
// json.dumps writes it, times UTC `YYYY-MM-DDTHH:MM:SS`.
import Database from 'better-sqlite3';
import type { PushState, StreamState } from '../../agents/awslogs/state-rows.js';

export type { PushState, StreamState };

export type Table = 'push_state' | 'stream_state';

export class StateStore {
  private readonly db: Database.Database;
  private closed = false;

  constructor(readonly path: string) {
    this.db = new Database(path);
    for (const table of ['push_state', 'stream_state'] as const) {
      this.db
        .prepare(
          `CREATE TABLE IF NOT EXISTS ${table} (k TEXT PRIMARY KEY NOT NULL, v TEXT NOT NULL, ctime DATETIME, mtime DATETIME)`,
        )
        .run();
    }
  }

  get<T>(table: Table, key: string): T | undefined {
    const row = this.db.prepare(`SELECT v FROM ${table} WHERE k = ?`).get(key) as { v: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.v) as T;
    } catch {
      return undefined;
    }
  }

  save(table: Table, key: string, value: object): void {
    if (this.closed) return;
    const now = new Date().toISOString().slice(0, 19);
    this.db
      .prepare(
        `INSERT INTO ${table} (k, v, ctime, mtime) VALUES (?, ?, ?, ?) ` +
          `ON CONFLICT(k) DO UPDATE SET v = excluded.v, mtime = excluded.mtime`,
      )
      .run(key, pyJson(value), now, now);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** json.dumps(obj) with Python's default separators (`, ` and `: `). */
export function pyJson(value: object): string {
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v ?? null)}`);
  return `{${parts.join(', ')}}`;
}
