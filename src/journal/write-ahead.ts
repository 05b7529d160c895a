// A run's journal, written ahead: the run is in it before the first host changes, and each host's entry is
// written again as soon as it is known (before its script is sent: "outcome unknown" with the files it may
// change; after it: what it did), so a run killed at any point leaves a journal true to what may have happened
// on every host, which `rollback` then picks and restores. Each write replaces the whole file atomically;
// writes that come while one is on its way are made together in the next.
import { writeRun, type JournalHost, type JournalRun } from './journal.js';

export class RunJournal {
  private readonly hosts = new Map<string, JournalHost>();
  private version = 0;
  private written = 0;
  private flushing: Promise<void> | undefined;
  private finishedAt: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly run: Omit<JournalRun, 'hosts' | 'finishedAt'>,
  ) {}

  /** The run, with no host yet: in the journal before anything changes. */
  begin(): Promise<void> {
    return this.flush(++this.version);
  }

  /** One host's entry, new or replacing the last; resolves once a write holding it is on disk. */
  host(entry: JournalHost): Promise<void> {
    this.hosts.set(entry.name, entry);
    return this.flush(++this.version);
  }

  /** Every host's final entry, in this order, and the run's end. */
  finish(hosts: JournalHost[]): Promise<void> {
    this.hosts.clear();
    for (const h of hosts) this.hosts.set(h.name, h);
    this.finishedAt = new Date().toISOString();
    return this.flush(++this.version);
  }

  private snapshot(): JournalRun {
    return {
      ...this.run,
      ...(this.finishedAt ? { finishedAt: this.finishedAt } : {}),
      hosts: [...this.hosts.values()],
    };
  }

  private async flush(version: number): Promise<void> {
    while (this.written < version) {
      this.flushing ??= this.writeNow().finally(() => (this.flushing = undefined));
      await this.flushing;
    }
  }

  private async writeNow(): Promise<void> {
    const version = this.version;
    await writeRun(this.dir, this.snapshot());
    this.written = version;
  }
}
