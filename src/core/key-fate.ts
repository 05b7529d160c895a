// A key of one agent's configuration and what becomes of it in another's: what a migration's dry run shows.
/**
 * kept: same meaning, under the CloudWatch agent's key; converted: a different value or key with the same
 * meaning (the note says what differs); dropped: no equivalent, and the note says what that changes; seeded: carried
 * by the cut-over's state seeding, not a key; stop: cannot be carried, so the host is not migrated.
 */
export type FateKind = 'kept' | 'converted' | 'dropped' | 'seeded' | 'stop';

export interface KeyFate {
  /** The section name, or `[general]`. */
  section: string;
  option: string;
  /** As the agent migrated from has it; undefined when not set (its default applies). */
  value?: string;
  fate: FateKind;
  /** Where it lands in the new agent's configuration (`file_path`, `logs.force_flush_interval`). */
  target?: string;
  /** The value written there. */
  result?: string;
  note: string;
}
