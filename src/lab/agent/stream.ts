// One configured log stream (a config section): finds its source file (the newest match of `file`,
// archives ignored), identifies it by source id = md5(section name + fingerprint lines), and keeps one
// reader on it. When the newest file's source id changes (rotation), the old reader is told to finish
// the old file; the next refresh after it is done starts a reader on the new file. stream_state is saved
// the first time the stream sees a file: its source id and where reading starts (0, or the file's end
// for `initial_position = end_of_file`).
// A publisher and its readers form a group: when the publisher dies, it sets the group's stop flag (after
// its wait, agent.ts), the readers leave, and the next refresh removes both, clears the flag, takes a fresh
// queue and starts a new publisher and reader, which replays from push_state. A refresh that throws is not
// tried again before `restartAt` (the watcher's 60 s).
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { StreamConfig } from './config.js';
import { glob } from './glob.js';
import { pyDict, type Logger } from './log.js';
import { PythonError } from '../../agents/awslogs/byte-pattern.js';
import { BatchQueue, FileReader, type ReaderLoggers } from './reader.js';
import type { PushState, StateStore, StreamState } from './state.js';
import type { Publisher } from './publisher.js';

const ARCHIVES = new Set(['.tar', '.gz', '.zip', '.bz2', '.rar']);

export interface StreamLoggers {
  stream: Logger;
}

export class Stream {
  queue = new BatchQueue();
  readonly readers = new Map<string, FileReader>();
  sourceId: string | undefined;
  publisher: Publisher | undefined;
  /** The group's stop flag: set by a publisher that died; its readers leave; cleared by a refresh. */
  groupStop = false;
  /** After a failed refresh: epoch ms before which the stream is not refreshed again. */
  restartAt: number | undefined;
  private streamState: StreamState | undefined;

  constructor(
    readonly config: StreamConfig,
    private readonly state: StateStore,
    private readonly log: StreamLoggers,
    /** Makes the stream's publisher, and the reader loggers of a new reader (their thread name). */
    private readonly make: { publisher: (queue: BatchQueue) => Publisher; readerLoggers: () => ReaderLoggers },
    private readonly now: () => number = Date.now,
  ) {
    this.streamState = state.get<StreamState>('stream_state', config.key);
  }

  refresh(): void {
    if (!this.config.logGroupName)
      throw new PythonError('ValueError', "ValueError('The log_group_name can not be blank')", '');
    if (!this.config.logStreamName)
      throw new PythonError('ValueError', "ValueError('The log_stream_name can not be blank')", '');
    if (this.restartAt !== undefined) {
      if (this.restartAt > this.now()) return;
      this.restartAt = undefined;
    }
    this.cleanUp();
    const found = this.sourceFile();
    if (!found) return;
    const [sourceId, file] = found;
    if (this.sourceId === sourceId) return;
    // No new reader or publisher while the group's stop flag is set: the clean-up clears it once both are gone.
    if (this.groupStop) return;
    if (this.publisher === undefined) {
      this.log.stream.info(`Starting publisher for [${sourceId}, ${file}]`);
      this.publisher = this.make.publisher(this.queue);
    }
    if (this.readers.size > 0 && this.sourceId !== undefined) {
      this.log.stream.info('Detected file rotation, notifying reader');
      const reader = this.readers.get(this.sourceId);
      if (reader) {
        reader.exiting = true;
        if (reader.alive) {
          this.log.stream.info('Reader is still alive.');
          return;
        }
      }
    }
    if (this.streamState === undefined) {
      const initial = this.config.initialPosition === 'end_of_file' ? statSync(file).size : 0;
      this.state.save('stream_state', this.config.key, { source_id: sourceId, initial_position: initial });
      this.streamState = this.state.get<StreamState>('stream_state', this.config.key);
    }
    const pushState = this.state.get<PushState>('push_state', sourceId);
    this.log.stream.info(`Starting reader for [${sourceId}, ${file}]`);
    const reader = new FileReader(
      sourceId,
      file,
      this.config,
      pushState,
      this.streamState,
      this.queue,
      this.make.readerLoggers(),
      this.now,
    );
    reader.open();
    this.readers.set(sourceId, reader);
    this.sourceId = sourceId;
  }

  private cleanUp(): void {
    for (const [id, reader] of this.readers) {
      if (!reader.alive) {
        this.log.stream.info(`Removing dead reader [${id}, ${reader.file}]`);
        this.readers.delete(id);
      }
    }
    if (this.readers.size > 1) this.log.stream.warning(`Found ${this.readers.size} readers running`);
    // A dead publisher's thread has ended once it set the group's stop flag.
    if (this.publisher?.died && this.groupStop) {
      this.log.stream.info(`Removing dead publisher [${this.sourceId}, ${this.config.file}]`);
      this.publisher = undefined;
    }
    if (this.publisher === undefined && this.readers.size === 0 && this.groupStop) {
      this.sourceId = undefined;
      this.groupStop = false;
      this.queue = new BatchQueue();
    }
  }

  /** The agent's Stream.debug_fields(), in its order, as `Failed to refresh stream` prints it. */
  debugFields(): string {
    const c = this.config;
    return pyDict({
      file: c.file,
      source_id: this.sourceId ?? null,
      log_group_name: c.logGroupName,
      log_stream_name: c.logStreamName,
      datetime_format: c.dateTimeParser?.format ?? null,
      time_zone: c.timeZone,
      buffer_duration: c.bufferDuration,
      init_pos: c.initialPosition,
      encoding: c.encoding,
      queue: this.queue.items.length,
    });
  }

  /** [source id, path] of the newest non-archive match, or undefined (logged) when there is none yet. */
  private sourceFile(): [string, string] | undefined {
    const files = glob(this.config.file)
      .flatMap((f) => {
        try {
          const st = statSync(f);
          return st.isFile() ? [{ f, mtime: st.mtimeMs }] : [];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.mtime - a.mtime)
      .map((x) => x.f);
    if (files.length === 0) {
      this.log.stream.warning(`No file is found with given path '${this.config.file}'.`);
      return undefined;
    }
    for (const f of files) {
      if (ARCHIVES.has(extname(f))) {
        this.log.stream.info(`Ignoring archived/compressed file '${f}'.`);
        continue;
      }
      const id = fingerprint(this.config.key, f, this.config.fingerprintLines);
      return id === undefined ? undefined : [id, f];
    }
    return undefined;
  }
}

/** md5(section name + lines start..end of the file, with their line ends); undefined if too short. */
export function fingerprint(key: string, file: string, lines: { start: number; end: number }): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const want: Buffer[] = [];
    let lineNo = 1;
    let pos = 0;
    let pending = Buffer.alloc(0);
    const buf = Buffer.alloc(64 * 1024);
    while (lineNo <= lines.end) {
      const nl = pending.indexOf(0x0a);
      if (nl >= 0) {
        if (lineNo >= lines.start) want.push(pending.subarray(0, nl + 1));
        pending = pending.subarray(nl + 1);
        lineNo++;
        continue;
      }
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) {
        // Python's readline returns the partial last line; an empty read means no such line.
        if (pending.length === 0) return undefined;
        if (lineNo >= lines.start) want.push(pending);
        pending = Buffer.alloc(0);
        lineNo++;
        continue;
      }
      pos += n;
      pending = Buffer.concat([pending, buf.subarray(0, n)]);
    }
    if (want.length === 0) return undefined;
    return createHash('md5')
      .update(Buffer.concat([Buffer.from(key, 'utf8'), ...want]))
      .digest('hex');
  } finally {
    closeSync(fd);
  }
}
