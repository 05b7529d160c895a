// The awslogs agent's validated, typed view of one host: what validate.ts produces from inventory vars
// and what the templates and the desired state are built from. Pure types, no I/O.

export type { CredentialsSpec, ResolvedCredentials } from '../../core/credentials.js';
import type { CredentialsSpec } from '../../core/credentials.js';

/** The `[general]` section of awslogs.conf. */
export interface GeneralSpec {
  /** Absolute path; default /var/lib/awslogs/agent-state. */
  state_file: string;
  logging_config_file?: string;
  use_gzip_http_content_encoding?: boolean;
}

export type TimeZone = 'LOCAL' | 'UTC';
export type InitialPosition = 'start_of_file' | 'end_of_file';

/** One log section of awslogs.conf: its name and every option the operator set, checked. */
export interface LogSection {
  /** Section name; defaults to `file`, as in the manual. */
  section: string;
  file: string;
  log_group_name: string;
  log_stream_name: string;
  datetime_format?: string;
  time_zone?: TimeZone;
  initial_position?: InitialPosition;
  /** Python codec name, normalised (lowercase, `-` → `_`). */
  encoding?: string;
  buffer_duration?: number;
  batch_count?: number;
  batch_size?: number;
  /** `N` or `N-M`. */
  file_fingerprint_lines?: string;
  /** A regex (Python syntax) or exactly `{datetime_format}`. */
  multi_line_start_pattern?: string;
}

/** The option names of a log section, in the order the stock template writes them. */
export const LOG_OPTIONS = [
  'file',
  'log_group_name',
  'log_stream_name',
  'datetime_format',
  'time_zone',
  'initial_position',
  'encoding',
  'buffer_duration',
  'batch_count',
  'batch_size',
  'file_fingerprint_lines',
  'multi_line_start_pattern',
] as const satisfies ReadonlyArray<Exclude<keyof LogSection, 'section'>>;

export const GENERAL_OPTIONS = [
  'state_file',
  'logging_config_file',
  'use_gzip_http_content_encoding',
] as const satisfies ReadonlyArray<keyof GeneralSpec>;

export const DEFAULT_STATE_FILE = '/var/lib/awslogs/agent-state';
export const DEFAULT_REGION = 'us-east-1';

export interface HostSpec {
  host: string;
  region: string;
  /** True when `aws_region` was not set and the agent's stock us-east-1 is used. */
  regionDefaulted: boolean;
  /** `aws_endpoint_url`: an http(s) URL of an AWS-compatible endpoint (the lab). */
  endpointUrl?: string;
  credentials: CredentialsSpec;
  general: GeneralSpec;
  logs: LogSection[];
  /** `awslogs_templates_dir`, absolute (resolved against the directory of the file that set it). */
  templatesDir?: string;
}

/** The two files of a host, rendered; `secrets` lists the values to mask wherever they are shown. */
export interface RenderedFiles {
  awslogsConf: string;
  awscliConf: string;
  secrets: string[];
}
