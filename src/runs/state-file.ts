// The agent's SQLite state file, read on this machine: copied from the host (transport get, as root where
// the inventory says become) and opened with SQLite here (runs/sqlite.ts) — read-only for a diagnosis, on a
// private copy for a repair. Nothing depends on the host having sqlite3 or Python's sqlite module.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase } from './sqlite.js';
import type { StateRow, StateRows } from '../doctor/state-view.js';
import { RemoteCommandFailed } from '../transports/errors.js';
import type { SshTransport } from '../transports/ssh.js';
import type { PreparedHost } from './prepare.js';

/** The file's bytes, or undefined when it does not exist. */
export async function fetchStateFile(
  transport: SshTransport,
  host: PreparedHost,
  path: string,
): Promise<Buffer | undefined> {
  try {
    return await transport.get(path, { become: host.connection.become });
  } catch (err) {
    if (err instanceof RemoteCommandFailed && /No such file/i.test(err.message)) return undefined;
    throw err;
  }
}

function withCopy<T>(bytes: Buffer, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-state-'));
  try {
    const file = join(dir, 'agent-state');
    writeFileSync(file, bytes, { mode: 0o600 });
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tables(db: SqliteDatabase): Set<string> {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** The two tables' rows; a file that is no SQLite database throws. */
export function readStateRows(bytes: Buffer): StateRows {
  if (bytes.length === 0) return { push: [], stream: [] };
  return withCopy(bytes, (file) => {
    const db = openSqlite(file, { readOnly: true });
    try {
      const have = tables(db);
      const all = (table: string): StateRow[] =>
        have.has(table) ? (db.prepare(`SELECT k, v, ctime, mtime FROM ${table} ORDER BY k`).all() as StateRow[]) : [];
      return { push: all('push_state'), stream: all('stream_state') };
    } finally {
      db.close();
    }
  });
}

/** The file with one push_state row's `v` (and mtime) replaced; every other row and table as it was. */
export function rewritePushRow(bytes: Buffer, key: string, value: string, now = new Date()): Buffer {
  return withCopy(bytes, (file) => {
    const db = openSqlite(file, { readOnly: false });
    try {
      const changed = db
        .prepare(`UPDATE push_state SET v = ?, mtime = ? WHERE k = ?`)
        .run(value, now.toISOString().slice(0, 19), key).changes;
      if (Number(changed) !== 1) throw new Error(`push_state has no row ${key}`);
    } finally {
      db.close();
    }
    return readFileSync(file);
  });
}
