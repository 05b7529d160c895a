// The CloudWatch agent's validated view of one host: what validate.ts produces and desired.ts renders. Types only.
import type { CredentialsSpec } from '../../core/credentials.js';
import type { CollectEntry } from './entry.js';

export type { CredentialsSpec, ResolvedCredentials } from '../../core/credentials.js';

export interface CloudWatchAgentSpec {
  host: string;
  /** `aws_region` (or the JSON file's agent.region); unset: the agent asks the instance metadata. */
  region?: string;
  /** `aws_endpoint_url`: the tool's own AWS calls (verify) go there; nothing is written to the host for it. */
  endpointUrl?: string;
  /** instance_profile: nothing written; keys/env: a shared credentials file named in common-config.toml. */
  credentials: CredentialsSpec;
  /** The agent's JSON as the host gets it (region filled in); desired.ts prints it stably. */
  config: Record<string, unknown>;
  /** Where the JSON came from: the inventory's variables, or the operator's own file. */
  source: { kind: 'inventory' } | { kind: 'file'; file: string };
  /** The collect_list entries, checked, with the agent's defaults resolved. */
  entries: CollectEntry[];
  /** agent.run_as_user: the credentials file is made readable by that user. */
  runAsUser?: string;
  /** logs.force_flush_interval, seconds. */
  forceFlushInterval: number;
}
