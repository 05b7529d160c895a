// The agent's SQLite state file, read on this machine: copied from the host (a script that reads it as root,
// or as the user who controls its path: readStateScript) and opened with SQLite here (./sqlite.ts) —
// read-only for a diagnosis, on a private copy for a repair. Nothing depends on the host having sqlite3 or
// Python's sqlite module.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase } from './sqlite.js';
import type { StateRow, StateRows } from '../doctor/state-view.js';
import { parseStateRead, readStateScript } from '../../../operations/state-read-script.js';
import type { HostSession } from '../../../core/ports.js';

/**
 * The file's bytes, or undefined when it does not exist. Read on the host by readStateScript: never as root
 * through a path another user controls, only a regular file, bounded in size; the reason when it would not.
 */
export async function fetchStateFile(session: HostSession, path: string): Promise<Buffer | undefined> {
  const out = await session.run(readStateScript(path));
  const read = parseStateRead(out.stdout);
  if (!read) throw new Error(`the state read failed (exit ${out.code}): ${out.stderr.trim().slice(-300)}`);
  if ('absent' in read) return undefined;
  if ('refused' in read) throw new Error(read.refused);
  return read.bytes;
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

/** The file with push_state rows' `v` replaced (their mtime kept unless `mtime` is given). */
export function rewritePushRows(bytes: Buffer, rows: ReadonlyMap<string, string>, mtime?: Date): Buffer {
  return withCopy(bytes, (file) => {
    const db = openSqlite(file, { readOnly: false });
    try {
      for (const [key, value] of rows) {
        const changed = mtime
          ? db
              .prepare(`UPDATE push_state SET v = ?, mtime = ? WHERE k = ?`)
              .run(value, mtime.toISOString().slice(0, 19), key)
          : db.prepare(`UPDATE push_state SET v = ? WHERE k = ?`).run(value, key);
        if (Number(changed.changes) !== 1) throw new Error(`push_state has no row ${key}`);
      }
    } finally {
      db.close();
    }
    return readFileSync(file);
  });
}

/** A new state file, as the agent creates one, holding only these stream_state rows (a reset's). */
export function freshState(streamRows: readonly { key: string; value: string }[], now = new Date()): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-state-'));
  try {
    const file = join(dir, 'agent-state');
    const db = openSqlite(file, { readOnly: false, create: true });
    try {
      for (const table of ['push_state', 'stream_state'])
        db.prepare(
          `CREATE TABLE IF NOT EXISTS ${table} (k TEXT PRIMARY KEY NOT NULL, v TEXT NOT NULL, ctime DATETIME, mtime DATETIME)`,
        ).run();
      const at = now.toISOString().slice(0, 19);
      const insert = db.prepare(`INSERT INTO stream_state (k, v, ctime, mtime) VALUES (?, ?, ?, ?)`);
      for (const r of streamRows) insert.run(r.key, r.value, at, at);
    } finally {
      db.close();
    }
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
