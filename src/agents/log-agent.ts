// `log_agent: awslogs | cloudwatch-agent`, per host or group: which agent plug-in provisions a host. Pure.
import type { Problem } from '../core/errors.js';
import type { InventoryHost } from '../inventory/types.js';

export const LOG_AGENTS = ['awslogs', 'cloudwatch-agent'] as const;
export type LogAgent = (typeof LOG_AGENTS)[number];
/** A host that does not say: awslogs, as before the variable existed. */
export const DEFAULT_LOG_AGENT: LogAgent = 'awslogs';

export type LogAgentChoice = { agent: LogAgent } | { problem: Problem };

export function logAgentOf(host: InventoryHost): LogAgentChoice {
  const value = host.vars.log_agent;
  if (value === undefined || value === null) return { agent: DEFAULT_LOG_AGENT };
  if (typeof value === 'string' && (LOG_AGENTS as readonly string[]).includes(value))
    return { agent: value as LogAgent };
  const loc = host.locate(['log_agent']);
  const problem = { file: loc.file } as Problem;
  if (loc.line !== undefined) problem.line = loc.line;
  if (loc.column !== undefined) problem.column = loc.column;
  problem.path = `hosts.${host.name}.log_agent`;
  problem.rule = `log_agent must be ${LOG_AGENTS.join(' or ')}`;
  problem.expected = LOG_AGENTS.join(' | ');
  problem.found = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return { problem };
}

/** The hosts of each agent, and the problems of hosts whose log_agent is not one. */
export function splitByAgent(hosts: InventoryHost[]): {
  byAgent: Record<LogAgent, InventoryHost[]>;
  problems: Problem[];
} {
  const byAgent: Record<LogAgent, InventoryHost[]> = { awslogs: [], 'cloudwatch-agent': [] };
  const problems: Problem[] = [];
  for (const host of hosts) {
    const choice = logAgentOf(host);
    if ('agent' in choice) byAgent[choice.agent].push(host);
    else problems.push(choice.problem);
  }
  return { byAgent, problems };
}
