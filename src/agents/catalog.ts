// The agents the tool provisions, by `log_agent`: what the runs and the command table need to know of every agent
// without loading it (its credentials variable, its fault names, the log groups an inventory sends to), and how to
// load its plug-in (src/core/agent-plugin.ts) when a run needs it. Only these constants load at start-up.
import type { AgentSpec, LogAgentName, LogAgentPlugin } from '../core/agent-plugin.js';
import type { InventoryHost } from '../inventory/types.js';
import { AWSLOGS_ENTRY } from './awslogs/catalog-entry.js';
import { CLOUDWATCH_AGENT_ENTRY } from './cloudwatch-agent/catalog-entry.js';
import { DEFAULT_LOG_AGENT, logAgentOf } from './log-agent.js';

export interface AgentEntry {
  name: LogAgentName;
  /** The variable that names the agent's credentials source: `{ source, profile }`. */
  credentialsVar: string;
  /** Every inventory variable the agent reads. */
  vars: readonly string[];
  faultNames: readonly string[];
  /** The log groups a host's variables send to, as far as the variables say (metrics' dashboard). */
  logGroupsOf(vars: Record<string, unknown>): string[];
  load(): Promise<LogAgentPlugin<AgentSpec>>;
}

export const AGENTS: Record<LogAgentName, AgentEntry> = {
  awslogs: {
    ...AWSLOGS_ENTRY,
    load: async () => (await import('./awslogs/plugin.js')).awslogsPlugin as unknown as LogAgentPlugin<AgentSpec>,
  },
  'cloudwatch-agent': {
    ...CLOUDWATCH_AGENT_ENTRY,
    load: async () =>
      (await import('./cloudwatch-agent/plugin.js')).cloudwatchAgentPlugin as unknown as LogAgentPlugin<AgentSpec>,
  },
};

/** The variables of every agent but `name`: a host of agent `name` ignores them (they are known, not typos). */
export function otherAgentsVars(name: LogAgentName): string[] {
  const own = new Set(AGENTS[name].vars);
  return [...new Set(Object.values(AGENTS).flatMap((a) => a.vars.filter((v) => !own.has(v))))];
}
/** Every agent's fault names, each once, in the agents' order. */
export const ALL_FAULT_NAMES: readonly string[] = [...new Set(Object.values(AGENTS).flatMap((a) => [...a.faultNames]))];

/** The host's agent entry; a host whose log_agent is not an agent's name gets the default (validation refuses it). */
export function agentEntryOf(host: InventoryHost): AgentEntry {
  const choice = logAgentOf(host);
  return AGENTS['agent' in choice ? choice.agent : DEFAULT_LOG_AGENT];
}

/** The entry of the agent a set of variables chooses (`log_agent`, else the default). */
export function agentEntryOfVars(vars: Record<string, unknown>): AgentEntry {
  const value = vars.log_agent;
  return typeof value === 'string' && value in AGENTS ? AGENTS[value as LogAgentName] : AGENTS[DEFAULT_LOG_AGENT];
}

const loaded = new Map<LogAgentName, Promise<LogAgentPlugin<AgentSpec>>>();

/** The agent's plug-in, loaded once per process. */
export function loadAgent(name: LogAgentName): Promise<LogAgentPlugin<AgentSpec>> {
  let plugin = loaded.get(name);
  if (!plugin) loaded.set(name, (plugin = AGENTS[name].load()));
  return plugin;
}

/** The migration from awslogs to the CloudWatch agent (`provision migrate` and its way back), loaded when run. */
export type AwslogsMigration = typeof import('./cloudwatch-agent/migrate/index.js');
export function loadMigration(): Promise<AwslogsMigration> {
  return import('./cloudwatch-agent/migrate/index.js');
}
