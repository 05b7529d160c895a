// SQLite for the agent's state file, read on this machine. Node's own `node:sqlite` (Node.js 22.13 and later,
// the lines the tool supports) needs nothing compiled, so the tool installs and runs on any supported Node
// without a native module built for its ABI. Older Node (20, past its end of life) falls back to
// better-sqlite3, an optional dependency (the lab's agent, which runs on the lab hosts with the machine's
// Node, uses it too).
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint };
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** Which implementation opens databases in this process: said in the doctor's JSON report. */
export type SqliteEngine = 'node:sqlite' | 'better-sqlite3';

interface Opener {
  engine: SqliteEngine;
  open(file: string, readOnly: boolean, create: boolean): SqliteDatabase;
}

const require = createRequire(import.meta.url);
let opener: Opener | undefined;

function nodeSqlite(): Opener | undefined {
  // Node 22 prints an ExperimentalWarning when node:sqlite loads; the module works the same, so that one
  // warning is not passed on (every other warning is).
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (/SQLite is an experimental feature/.test(String(warning))) return;
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const { DatabaseSync } = require('node:sqlite') as {
      DatabaseSync: new (file: string, options: { readOnly: boolean }) => SqliteDatabase;
    };
    return {
      engine: 'node:sqlite',
      open: (file, readOnly, create) => {
        // node:sqlite creates a missing file when writing: refuse that unless asked, as better-sqlite3 does.
        if (!create) statSync(file);
        return new DatabaseSync(file, { readOnly });
      },
    };
  } catch {
    return undefined; // Node < 22.13 (or 22.5–22.12 without --experimental-sqlite)
  } finally {
    process.emitWarning = emit;
  }
}

function betterSqlite(): Opener {
  let Database: new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;
  try {
    Database = require('better-sqlite3') as typeof Database;
  } catch (err) {
    throw new Error(
      `reading the agent's state file needs Node.js 22.13 or later (node:sqlite), or better-sqlite3 ` +
        `(${(err as Error).message.split('\n')[0]}); this is Node.js ${process.version}`,
    );
  }
  return {
    engine: 'better-sqlite3',
    open: (file, readonly, create) => new Database(file, { readonly, fileMustExist: !create }),
  };
}

function chosen(): Opener {
  opener ??= nodeSqlite() ?? betterSqlite();
  return opener;
}

/** Opens an existing database file (read-only, or for writing), or creates one (`create`). */
export function openSqlite(file: string, options: { readOnly: boolean; create?: boolean }): SqliteDatabase {
  return chosen().open(file, options.readOnly, options.create === true);
}

export function sqliteEngine(): SqliteEngine {
  return chosen().engine;
}
