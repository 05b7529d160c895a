// The agent's read positions in logs/state/: one file per tailed path, `<offset>\n<path>\n0-<offset>`, 0644,
// written only for bytes CloudWatch Logs accepted; swept when their file is gone.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escapePath, parseStateFile, serializeStateFile } from '../../agents/cloudwatch-agent/state-folder.js';

export class StateFolder {
  constructor(private readonly dir: string) {}

  private file(logPath: string): string {
    return path.join(this.dir, escapePath(logPath));
  }

  /** The saved offset of `logPath`, when its state file names that path. */
  offset(logPath: string): number | undefined {
    try {
      const r = parseStateFile(readFileSync(this.file(logPath), 'utf8'));
      return r.path === logPath ? r.offset : undefined;
    } catch {
      return undefined;
    }
  }

  save(logPath: string, offset: number): void {
    const target = this.file(logPath);
    const tmp = `${target}.tmp`;
    writeFileSync(tmp, serializeStateFile({ offset, path: logPath, ranges: [{ from: 0, to: offset }] }), {
      mode: 0o644,
    });
    renameSync(tmp, target);
  }

  remove(logPath: string): void {
    rmSync(this.file(logPath), { force: true });
  }

  /** The hourly sweep: state of paths that no longer exist goes. */
  sweep(): void {
    for (const name of existsSync(this.dir) ? readdirSync(this.dir) : []) {
      try {
        const r = parseStateFile(readFileSync(path.join(this.dir, name), 'utf8'));
        if (!existsSync(r.path)) rmSync(path.join(this.dir, name), { force: true });
      } catch {
        // not a state file: left alone
      }
    }
  }
}
