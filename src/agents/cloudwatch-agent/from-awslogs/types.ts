// The translation's input (an awslogs configuration: the inventory's spec, or a host's own files as the agent
// reads them) and its output (the CloudWatch agent's configuration and inventory variables, and each awslogs
// key's fate). Types only.
import type { IgnoredValue } from '../../awslogs/conf-files.js';
import type { CredentialsSpec, GeneralSpec, InitialPosition, LogSection } from '../../awslogs/spec.js';
import type { HostIdentity } from '../../awslogs/stream-names.js';
import type { PlaceholderValues } from '../names.js';

/** One awslogs log section with the values the agent really uses. */
export interface SourceLog {
  spec: LogSection;
  /** Values the agent refused and replaced by its default (a host's own file). */
  ignored?: IgnoredValue[];
  /** Options the agent does not know (a host's own file). */
  unknown?: string[];
}

export interface TranslateInput {
  /** Where the awslogs configuration was read: the inventory's variables, or the host's own files. */
  origin: { kind: 'inventory' } | { kind: 'host'; files: string[] };
  general: GeneralSpec;
  generalIgnored?: IgnoredValue[];
  logs: SourceLog[];
  region?: string;
  endpointUrl?: string;
  credentials?: CredentialsSpec;
  /** Each agent's placeholder values on the host (from its facts): whether a stream keeps its name is then known. */
  names?: { awslogs: HostIdentity; cloudwatch: PlaceholderValues };
}

export type { FateKind, KeyFate } from '../../../core/key-fate.js';
import type { KeyFate } from '../../../core/key-fate.js';

/** An awslogs section and the collect_list entry that replaces it: what the state seeding needs. */
export interface SectionEntry {
  section: string;
  index: number;
  /** awslogs' `file` and the entry's `file_path` (the same files, a converted glob aside). */
  file: string;
  filePath: string;
  group: string;
  /** The stream template (awslogs' placeholders). */
  stream: string;
  fingerprintLines?: string;
  encoding?: string;
  initialPosition?: InitialPosition;
}

export interface Translation {
  /** No stop: the host can be migrated. */
  ok: boolean;
  /** Every awslogs option of every section and of [general]. */
  fates: KeyFate[];
  stops: KeyFate[];
  /** The CloudWatch agent's JSON (as the CloudWatch agent plug-in validated it), when ok. */
  config?: Record<string, unknown>;
  entries: Record<string, unknown>[];
  forceFlushInterval: number;
  /** The host's new variables (log_agent, cloudwatch_agent_*), when ok; aws_region and aws_endpoint_url stay. */
  inventoryVars?: Record<string, unknown>;
  /** The awslogs variables the new ones replace (kept in the inventory for the way back). */
  replacedVars: string[];
  sections: SectionEntry[];
  /** The CloudWatch agent plug-in's warnings about the result, and differences worth saying. */
  warnings: string[];
}
