// The TOML the lab's translator writes and the lab's agent runs from: each file input with its placeholders
// resolved and its timestamp regex and layout, as the real translator writes them for the real agent.
import { parse, stringify } from 'smol-toml';

export interface FileInput {
  file_path: string;
  log_group_name: string;
  log_stream_name: string;
  log_group_class: string;
  retention_in_days: number;
  /** The agent's regex and the format it came from (the lab keeps the format to read it with the same rules). */
  timestamp_regex?: string;
  timestamp_format?: string;
  timezone: 'UTC' | 'LOCAL';
  /** A regex, or `{timestamp_regex}`. */
  multi_line_start_pattern: string;
  encoding: string;
  publish_multi_logs: boolean;
  blacklist: string;
  filters: { type: string; expression: string }[];
  auto_removal: boolean;
  trim_timestamp: boolean;
}

export interface RuntimeConfig {
  agent: { region: string; run_as_user: string; logfile: string; debug: boolean };
  logs: { force_flush_interval: number; endpoint_override: string; files: FileInput[] };
}

const HEADER =
  "# Written by the lab's config-translator from the JSON in amazon-cloudwatch-agent.d/ (awslogs-provision lab).\n";

export function writeToml(c: RuntimeConfig): string {
  return (
    HEADER +
    stringify({
      agent: c.agent,
      outputs: {
        cloudwatchlogs: {
          force_flush_interval: `${c.logs.force_flush_interval}s`,
          region: c.agent.region,
          endpoint_override: c.logs.endpoint_override,
        },
      },
      inputs: { logfile: { file_config: c.logs.files } },
    }) +
    '\n'
  );
}

export function readToml(text: string): RuntimeConfig {
  const t = parse(text) as unknown as {
    agent: RuntimeConfig['agent'];
    outputs: { cloudwatchlogs: { force_flush_interval: string; endpoint_override: string } };
    inputs?: { logfile?: { file_config?: FileInput[] } };
  };
  return {
    agent: t.agent,
    logs: {
      force_flush_interval: Number.parseInt(t.outputs.cloudwatchlogs.force_flush_interval, 10),
      endpoint_override: t.outputs.cloudwatchlogs.endpoint_override,
      files: t.inputs?.logfile?.file_config ?? [],
    },
  };
}
