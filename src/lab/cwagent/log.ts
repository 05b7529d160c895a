// The agent's own log, in its format: `2026-11-25T10:00:00Z I! [logagent] …` (E! errors, W! warnings, D! debug).
import { appendFileSync } from 'node:fs';

export type Level = 'E' | 'W' | 'I' | 'D';

export class AgentLog {
  /** `file` undefined: stdout (agent.logfile ""). */
  constructor(private readonly file: string | undefined) {}

  write(level: Level, message: string): void {
    const line = `${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')} ${level}! ${message}\n`;
    if (this.file === undefined) process.stdout.write(line);
    else {
      try {
        appendFileSync(this.file, line);
      } catch {
        process.stderr.write(line);
      }
    }
  }

  error(m: string): void {
    this.write('E', m);
  }
  warn(m: string): void {
    this.write('W', m);
  }
  info(m: string): void {
    this.write('I', m);
  }
}

/** A time as Go's %v prints it: `2026-11-25 10:00:00.123 +0000 UTC`. */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)} +0000 UTC`;
}
