// What the tool knows of the awslogs agent without loading it (src/agents/catalog.ts): constants only.
import { FAULT_NAMES } from './fault-names.js';

/** The inventory variables of the awslogs agent. */
export const AWSLOGS_VARS = [
  'aws_region',
  'aws_endpoint_url',
  'awslogs_credentials',
  'awslogs_general',
  'awslogs_logs',
  'awslogs_templates_dir',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const AWSLOGS_ENTRY = {
  name: 'awslogs',
  credentialsVar: 'awslogs_credentials',
  vars: AWSLOGS_VARS,
  faultNames: FAULT_NAMES,
  /** The log groups a host's variables send to. */
  logGroupsOf(vars: Record<string, unknown>): string[] {
    const logs = vars.awslogs_logs;
    return Array.isArray(logs)
      ? logs.flatMap((l) => (isObject(l) && typeof l.log_group_name === 'string' ? [l.log_group_name] : []))
      : [];
  },
} as const;
