// What the tool knows of the CloudWatch agent without loading it (src/agents/catalog.ts): constants only.
import { FAULT_NAMES } from './fault-names.js';

/** The inventory variables of the CloudWatch agent. */
export const CLOUDWATCH_AGENT_VARS = [
  'aws_region',
  'aws_endpoint_url',
  'cloudwatch_agent_credentials',
  'cloudwatch_agent_logs',
  'cloudwatch_agent_config',
  'cloudwatch_agent_json_file',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The group the agent uses when log_group_name is unset: the file path up to its last dot (in the last segment). */
export function defaultGroupName(filePath: string): string {
  const slash = filePath.lastIndexOf('/');
  const dot = filePath.lastIndexOf('.');
  return dot > slash ? filePath.slice(0, dot) : filePath;
}

export const CLOUDWATCH_AGENT_ENTRY = {
  name: 'cloudwatch-agent',
  credentialsVar: 'cloudwatch_agent_credentials',
  vars: CLOUDWATCH_AGENT_VARS,
  faultNames: FAULT_NAMES,
  /** The log groups a host's collect_list entries send to, as its variables write them (placeholders unresolved). */
  logGroupsOf(vars: Record<string, unknown>): string[] {
    const logs = vars.cloudwatch_agent_logs;
    if (!Array.isArray(logs)) return [];
    return logs.flatMap((l) => {
      if (!isObject(l)) return [];
      if (typeof l.log_group_name === 'string') return [l.log_group_name];
      return typeof l.file_path === 'string' ? [defaultGroupName(l.file_path)] : [];
    });
  },
} as const;
