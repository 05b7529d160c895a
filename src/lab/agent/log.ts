// The agent's own log, in Python logging's format:
// `%(asctime)s - %(name)s - %(levelname)s - %(process)d - %(threadName)s - %(message)s`.
import { appendFileSync } from 'node:fs';

export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export class AgentLog {
  private readonly secrets: string[] = [];

  /** `path` undefined: write to stderr. */
  constructor(private readonly path?: string) {}

  /** Values never written as such (secret keys, session tokens): replaced by `********`. */
  addSecret(value: string | undefined): void {
    if (value) this.secrets.push(value);
  }

  logger(name: string, threadName = 'MainThread'): Logger {
    return new Logger(this, name, threadName);
  }

  write(name: string, level: Level, threadName: string, message: string): void {
    this.append(`${asctime(new Date())} - ${name} - ${level} - ${process.pid} - ${threadName} - ${message}\n`);
  }

  /** Lines without the record prefix, as Python's logging prints a traceback (exc_info) after its record. */
  raw(lines: readonly string[]): void {
    if (lines.length > 0) this.append(lines.join('\n') + '\n');
  }

  private append(text: string): void {
    let line = text;
    for (const s of this.secrets) line = line.split(s).join('********');
    if (this.path === undefined) {
      process.stderr.write(line);
      return;
    }
    try {
      appendFileSync(this.path, line);
    } catch {
      process.stderr.write(line);
    }
  }
}

export class Logger {
  constructor(
    private readonly log: AgentLog,
    readonly name: string,
    readonly threadName: string,
  ) {}

  withThread(threadName: string): Logger {
    return new Logger(this.log, this.name, threadName);
  }

  debug(message: string): void {
    this.log.write(this.name, 'DEBUG', this.threadName, message);
  }
  info(message: string): void {
    this.log.write(this.name, 'INFO', this.threadName, message);
  }
  warning(message: string): void {
    this.log.write(this.name, 'WARNING', this.threadName, message);
  }
  error(message: string): void {
    this.log.write(this.name, 'ERROR', this.threadName, message);
  }
}

/** `2020-11-05 10:00:00,123` in local time, as logging's default asctime. */
export function asctime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`
  );
}

/** Python's repr() of a flat dict of ints/strings/None, in insertion order (debug_fields in messages). */
export function pyDict(fields: Record<string, string | number | null | undefined>): string {
  const parts = Object.entries(fields).map(([k, v]) => `'${k}': ${pyValue(v)}`);
  return `{${parts.join(', ')}}`;
}

function pyValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return String(v);
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Thread names as Python gives them: Thread-1, Thread-2, … in creation order. */
let threadCounter = 0;
export function nextThreadName(): string {
  threadCounter += 1;
  return `Thread-${threadCounter}`;
}
