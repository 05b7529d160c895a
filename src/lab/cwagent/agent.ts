// The lab's CloudWatch agent at run time: for each file input, the newest match of its glob (every match with
// publish_multi_logs), compressed files, folders and blacklisted names skipped; a tail per file from its saved
// offset (byte 0 without one); a pusher per log group and stream; positions saved after acceptance.
import { statSync } from 'node:fs';
import path from 'node:path';
import { RE2JS } from 're2js';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { glob } from './glob.js';
import type { AgentLog } from './log.js';
import { Pusher, type Event } from './pusher.js';
import type { FileInput, RuntimeConfig } from './runtime-config.js';
import type { StateFolder } from './state.js';
import { Tailer } from './tailer.js';

const COMPRESSED = /\.(?:gz|zip|bz2|tar|zst|rar)$/i;
const POLL_MS = 250;
const SCAN_MS = 2000;

export class Agent {
  private readonly pushers = new Map<string, Pusher>();
  private readonly tailers = new Map<string, { tailer: Tailer; input: FileInput }>();
  private readonly accepted = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly client: CloudWatchLogsClient,
    private readonly state: StateFolder,
    private readonly log: AgentLog,
  ) {}

  start(): void {
    this.state.sweep();
    for (const input of this.config.logs.files) {
      this.log.info(
        `[logagent] piping log from ${input.log_group_name}/${input.log_stream_name}(${input.file_path}) to cloudwatchlogs with retention ${input.retention_in_days}`,
      );
    }
    this.scan();
    this.pollTimer = setInterval(() => this.poll(), POLL_MS);
    this.scanTimer = setInterval(() => this.scan(), SCAN_MS);
    this.sweepTimer = setInterval(() => this.state.sweep(), 3_600_000);
  }

  /** The files each input reads now; tails start for new ones. */
  private scan(): void {
    for (const input of this.config.logs.files) {
      const blacklist = input.blacklist ? RE2JS.compile(input.blacklist) : undefined;
      const matches = glob(input.file_path)
        .map((p) => ({ p, st: statOrUndefined(p) }))
        .filter(({ p, st }) => st?.isFile() && !COMPRESSED.test(p) && !blacklist?.matcher(path.basename(p)).find());
      matches.sort((a, b) => b.st!.mtimeMs - a.st!.mtimeMs);
      const chosen = input.publish_multi_logs ? matches : matches.slice(0, 1);
      for (const { p, st } of chosen) {
        if (this.tailers.has(p)) continue;
        this.follow(p, input, st!.size);
      }
    }
  }

  private follow(file: string, input: FileInput, size: number): void {
    const saved = this.state.offset(file);
    let from = 0;
    if (saved === undefined)
      this.log.info(`[inputs.logfile] No state file exists for ${file}, reading from the beginning`);
    else if (saved > size)
      this.log.info(
        `[inputs.logfile] Re-opening truncated file ${file}: saved offset ${saved} is past its end, reading from 0`,
      );
    else {
      from = saved;
      this.log.info(`[inputs.logfile] Reading from offset range [0-${saved}] in ${file}`);
    }
    const pusher = this.pusher(input);
    const tailer = new Tailer(file, input, from, (e) => pusher.add(e), this.log);
    this.tailers.set(file, { tailer, input });
  }

  private pusher(input: FileInput): Pusher {
    const key = `${input.log_group_name}\0${input.log_stream_name}`;
    let p = this.pushers.get(key);
    if (!p) {
      p = new Pusher(
        this.client,
        {
          group: input.log_group_name,
          stream: input.log_stream_name,
          retentionInDays: input.retention_in_days,
          groupClass: input.log_group_class,
        },
        this.config.logs.force_flush_interval * 1000,
        this.log,
        (events) => this.onAccepted(events),
      );
      this.pushers.set(key, p);
    }
    return p;
  }

  private onAccepted(events: Event[]): void {
    const ends = new Map<string, number>();
    for (const e of events) ends.set(e.file, Math.max(ends.get(e.file) ?? 0, e.endOffset));
    for (const [file, end] of ends) {
      if (end <= (this.accepted.get(file) ?? 0)) continue;
      this.accepted.set(file, end);
      if (this.tailers.has(file)) this.state.save(file, end);
    }
  }

  private poll(): void {
    for (const [file, { tailer }] of this.tailers) {
      if (!tailer.poll()) {
        this.tailers.delete(file);
        this.accepted.delete(file);
        this.state.remove(file);
      }
    }
  }

  /** SIGTERM: pending events out, a last send, positions saved. */
  async stop(): Promise<void> {
    for (const t of [this.pollTimer, this.scanTimer, this.sweepTimer]) if (t) clearInterval(t);
    for (const { tailer } of this.tailers.values()) {
      tailer.poll();
      tailer.flushPending(true);
    }
    await Promise.all([...this.pushers.values()].map((p) => p.stop()));
  }
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
