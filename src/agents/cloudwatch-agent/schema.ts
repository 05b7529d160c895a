// The logs part of the agent's JSON schema (translator/config/schema.json) and the translator's rules, as
// tables: the keys each object may hold, enums and ranges. Pure data.

/** Top-level sections; the schema lets others through, so an unknown one is only a warning. */
export const TOP_KEYS = ['agent', 'metrics', 'logs', 'traces', 'opentelemetry'] as const;

/** `agent`: the schema's keys plus those the agent reads outside it; others pass (a warning). */
// prettier-ignore
export const AGENT_KEYS = [
  'metrics_collection_interval', 'logfile', 'region', 'debug', 'aws_sdk_log_level', 'credentials', 'omit_hostname',
  'service.name', 'deployment.environment', 'run_as_user', 'quiet', 'internal', 'usage_data', 'user_agent',
  'use_dualstack_endpoint',
] as const;
/** The `agent` keys that concern logs: what the inventory's cloudwatch_agent_config.agent may hold. */
export const AGENT_LOG_KEYS = ['run_as_user', 'logfile', 'debug', 'aws_sdk_log_level', 'credentials'] as const;

/** `logs`: additionalProperties false. */
// prettier-ignore
export const LOGS_KEYS = [
  'logs_collected', 'metrics_collected', 'log_stream_name', 'force_flush_interval', 'credentials', 'endpoint_override',
  'service.name', 'deployment.environment', 'concurrency',
] as const;
/** The `logs` keys the inventory's cloudwatch_agent_config.logs may hold (collect_list is cloudwatch_agent_logs). */
export const LOGS_SETTING_KEYS = [
  'log_stream_name',
  'force_flush_interval',
  'credentials',
  'endpoint_override',
  'concurrency',
] as const;
export const LOGS_COLLECTED_KEYS = ['files', 'windows_events'] as const;
export const FILES_KEYS = ['collect_list'] as const;

/** One `collect_list` entry: additionalProperties false. */
// prettier-ignore
export const ENTRY_KEYS = [
  'file_path', 'log_group_name', 'log_stream_name', 'log_group_class', 'multi_line_start_pattern', 'timestamp_format',
  'timezone', 'trim_timestamp', 'encoding', 'auto_removal', 'backpressure_mode', 'blacklist', 'publish_multi_logs',
  'retention_in_days', 'filters', 'service.name', 'deployment.environment',
] as const;
export const FILTER_KEYS = ['type', 'expression'] as const;
export const CREDENTIALS_KEYS = ['role_arn'] as const;

/** awslogs option names operators carry over, and what the CloudWatch agent calls them instead. */
export const AWSLOGS_NAMES: Readonly<Record<string, string>> = {
  file: 'file_path',
  datetime_format: 'timestamp_format',
  time_zone: 'timezone',
  initial_position:
    'nothing: the agent has no initial position and reads a file it has no state for from byte 0 (see the first-start warning)',
  from_beginning: 'nothing: the agent has no initial position and reads a file it has no state for from byte 0',
  buffer_duration: 'logs.force_flush_interval (seconds, for all files)',
  batch_count: 'nothing: the agent batches up to 10,000 events',
  batch_size: 'nothing: the agent batches up to 1 MiB',
  file_fingerprint_lines: 'nothing: the agent knows a file by its path alone',
};

// prettier-ignore
export const RETENTION_DAYS = [
  -1, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const GROUP_CLASSES = ['STANDARD', 'INFREQUENT_ACCESS'] as const;
export const TIMEZONES = ['Local', 'LOCAL', 'UTC'] as const;
export const FILTER_TYPES = ['include', 'exclude'] as const;
export const BACKPRESSURE_MODES = ['fd_release'] as const;
export const MAX_COLLECT_LIST = 16384;
/** seconds; the schema's timeIntervalDefinition. */
export const FLUSH_INTERVAL = { min: 1, max: 172800, default: 5 } as const;

/** Placeholders the agent resolves in group and stream names. */
export const PLACEHOLDERS = [
  '{instance_id}',
  '{hostname}',
  '{local_hostname}',
  '{ip_address}',
  '{aws_region}',
  '{account_id}',
  '{date}',
] as const;

/** The default multi-line start: a line that starts with whitespace continues the previous event. */
export const DEFAULT_MULTI_LINE_START = '^[\\S]';
/** Matches the agent skips: compressed files. */
export const COMPRESSED_SUFFIX = /\.(?:gz|zip|bz2|tar|zst|rar)$/i;
