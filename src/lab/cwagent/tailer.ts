// One tailed file (inputs.logfile): read from its saved offset (from byte 0 without one), line by line; a line
// that matches multi_line_start_pattern (default ^[\S]: not starting with whitespace) starts an event, the others
// continue it; each event's time is its timestamp_format match, else the file's last valid timestamp, else now;
// filters in order; truncation starts over at 0; a deleted file ends the tail and its state.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { RE2JS } from 're2js';
import { TimestampParser } from '../../agents/cloudwatch-agent/timestamp.js';
import { checkEncoding } from '../../agents/cloudwatch-agent/encodings.js';
import type { FileInput } from './runtime-config.js';
import type { Event } from './pusher.js';
import type { AgentLog } from './log.js';

const MAX_EVENT_BYTES = 256 * 1024;
const TRUNCATED = '[Truncated...]';
const CHUNK = 1024 * 1024;
/** A pending multi-line event is sent when no line continued it for this long. */
const MULTILINE_WAIT_MS = 1000;

interface Pending {
  lines: string[];
  endOffset: number;
  since: number;
}

export class Tailer {
  private offset: number;
  private partial = Buffer.alloc(0);
  private pending: Pending | undefined;
  private lastValid: number | undefined;
  /** When an open of the file last failed: the agent tries again, and logs it, once a second (its scan). */
  private failedAtMs = 0;
  private readonly parser: TimestampParser | undefined;
  private readonly start: ((line: string) => boolean) | undefined;
  private readonly filters: { include: boolean; re: RE2JS }[];
  private readonly decoder: TextDecoder;
  stopped = false;

  constructor(
    readonly path: string,
    private readonly input: FileInput,
    startOffset: number,
    private readonly emit: (e: Event) => void,
    private readonly log: AgentLog,
  ) {
    this.offset = startOffset;
    this.parser = input.timestamp_format ? new TimestampParser(input.timestamp_format, { lenient: true }) : undefined;
    const pattern = input.multi_line_start_pattern || '^[\\S]';
    // {timestamp_regex} without a timestamp format: no line ever starts an event (the agent's own trap).
    if (pattern !== '{timestamp_regex}') {
      const re = RE2JS.compile(pattern);
      this.start = (line) => re.matcher(line).find();
    } else if (this.parser) {
      const parser = this.parser;
      this.start = (line) => parser.matches(line);
    }
    this.filters = input.filters.map((f) => ({ include: f.type === 'include', re: RE2JS.compile(f.expression) }));
    const enc = input.encoding ? checkEncoding(input.encoding) : undefined;
    this.decoder = new TextDecoder(
      enc?.ok && enc.canonical !== 'replacement' && !/^(ibm|cp|ebcdic|\d)/.test(enc.canonical)
        ? enc.canonical
        : 'utf-8',
    );
  }

  get position(): number {
    return this.offset;
  }

  /** Reads what was appended since the last poll; false once the file is gone. */
  poll(): boolean {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      this.flushPending(true);
      this.log.info(`[inputs.logfile] Stopping tail as file no longer exists: ${this.path}`);
      return false;
    }
    if (size < this.offset) {
      this.log.info(`[inputs.logfile] Re-opening truncated file ${this.path} at offset 0 (was ${this.offset})`);
      this.offset = 0;
      this.partial = Buffer.alloc(0);
    }
    if (size > this.offset + this.partial.length) this.read(size);
    this.flushPending(false);
    return true;
  }

  private read(size: number): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (Date.now() - this.failedAtMs < 1000) return;
      this.failedAtMs = Date.now();
      this.log.error(
        `[inputs.logfile] Failed to tail file ${this.path} with error: open ${this.path}: ${code === 'EACCES' ? 'permission denied' : code}`,
      );
      return;
    }
    try {
      let pos = this.offset + this.partial.length;
      const end = Math.min(size, fstatSync(fd).size);
      while (pos < end) {
        const buf = Buffer.alloc(Math.min(CHUNK, end - pos));
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        this.partial = Buffer.concat([this.partial, buf.subarray(0, n)]);
        this.takeLines();
      }
    } finally {
      closeSync(fd);
    }
  }

  private takeLines(): void {
    for (;;) {
      const nl = this.partial.indexOf(0x0a);
      if (nl < 0) return;
      const raw = this.partial.subarray(0, nl);
      this.partial = this.partial.subarray(nl + 1);
      this.offset += nl + 1;
      const line = this.decoder.decode(raw).replace(/\r$/, '');
      this.line(line);
    }
  }

  private line(line: string): void {
    const starts = this.start !== undefined && this.start(line);
    if (!starts && this.pending) {
      this.pending.lines.push(line);
      this.pending.endOffset = this.offset;
      this.pending.since = Date.now();
      return;
    }
    this.flushPending(true);
    this.pending = { lines: [line], endOffset: this.offset, since: Date.now() };
  }

  /** Sends the pending event when it is complete: `force`, or no continuation for MULTILINE_WAIT_MS. */
  flushPending(force: boolean): void {
    const p = this.pending;
    if (!p || (!force && Date.now() - p.since < MULTILINE_WAIT_MS)) return;
    this.pending = undefined;
    let message = p.lines.join('\n');
    const timestamp = this.timestamp(message);
    if (!this.passes(message)) return;
    if (Buffer.byteLength(message) > MAX_EVENT_BYTES) {
      message =
        Buffer.from(message)
          .subarray(0, MAX_EVENT_BYTES - TRUNCATED.length)
          .toString() + TRUNCATED;
    }
    this.emit({ timestamp, message, file: this.path, endOffset: p.endOffset });
  }

  private timestamp(message: string): number {
    const now = Date.now();
    if (!this.parser) return now;
    const r = this.parser.parse(message, { nowMs: now, timezone: this.input.timezone === 'UTC' ? 'UTC' : 'Local' });
    if (r.kind === 'ok') {
      this.lastValid = r.ms;
      return r.ms;
    }
    if (r.kind === 'invalid')
      this.log.error(
        `[inputs.logfile] Error parsing timestampFromLogLine: parsing time ${JSON.stringify(r.text)}: ${r.reason}`,
      );
    this.log.warn(
      `[inputs.logfile] Unable to parse timestamp, using last valid timestamp found in the logs ${this.lastValid !== undefined ? new Date(this.lastValid).toISOString() : '(none: the current time)'}: ${this.path}`,
    );
    return this.lastValid ?? now;
  }

  private passes(message: string): boolean {
    for (const f of this.filters) {
      if (f.re.matcher(message).find() !== f.include) return false;
    }
    return true;
  }
}
