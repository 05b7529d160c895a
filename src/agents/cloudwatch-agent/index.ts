// The CloudWatch agent plug-in's API, for the agent seam (validate → spec → desired state; probe needs; state view).
export { CLOUDWATCH_AGENT_VARS, validateCloudWatchAgentHosts, readJsonFromDisk } from './validate.js';
export type { CloudWatchAgentValidation, JsonReader } from './validate.js';
export type { CloudWatchAgentSpec } from './spec.js';
export type { CollectEntry, LogFilter } from './entry.js';
export {
  commonConfigToml,
  credentialsFile,
  desiredJson,
  desiredState,
  installPackageCommand,
  stableJson,
  unsupportedFlavour,
} from './desired.js';
export type { CloudWatchAgentDesired } from './desired.js';
export * from './paths.js';
export * from './state-folder.js';
export { TimestampParser } from './timestamp.js';
export type { TimestampOptions, TimestampResult } from './timestamp.js';
export { firstStartBytes, firstStartWarning, tailedFiles } from './first-start.js';
export type { FileSend, FirstStart, ProbedFile } from './first-start.js';
export { unreadableAs, unreadableMessage } from './run-as-user.js';
export type { PathFact, Unreadable, UserIdentity } from './run-as-user.js';
export { defaultGroupName, resolvePlaceholders } from './names.js';
export type { PlaceholderValues } from './names.js';
export { logAgentOf, splitByAgent, LOG_AGENTS, DEFAULT_LOG_AGENT } from '../log-agent.js';
