// The part of better-sqlite3's API the lab agent uses (the package ships no types, and @types is not a
// dependency of this project).
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
    }
    interface Database {
      prepare(sql: string): Statement;
      exec(sql: string): this;
      close(): this;
    }
  }
  interface DatabaseConstructor {
    new (
      filename: string,
      options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
    ): Database.Database;
  }
  const Database: DatabaseConstructor;
  export default Database;
}
