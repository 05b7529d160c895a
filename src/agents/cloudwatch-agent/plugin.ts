// The unified CloudWatch agent as a plug-in (src/core/agent-plugin.ts): its inventory rules (line-precise, RE2),
// the managed JSON (kept outside amazon-cloudwatch-agent.d/), common-config.toml and the credentials file, the
// package (dnf on Amazon Linux 2023, yum on Amazon Linux 2), `fetch-config` as the command that installs a config
// after the agent's own validation, its service, what the probe reads for it, its preflight and its doctor. Its
// state files are written only after CloudWatch Logs accepted a batch, so a plain restart sends nothing twice: it
// needs no restart discipline.
import type { LogAgentPlugin } from '../../core/agent-plugin.js';
import type { HostFacts } from '../../core/types.js';
import { validateCloudWatchAgentHosts, readJsonFromDisk } from './validate.js';
import type { CloudWatchAgentSpec } from './spec.js';
import { desiredHostState, desiredState, unsupportedFlavour } from './desired.js';
import {
  AGENT_LOG_PATH,
  COMMON_CONFIG_PATH,
  CONFIG_DIR,
  CREDENTIALS_PATH,
  MANAGED_JSON_PATH,
  PACKAGE_NAME,
  SERVICE_NAME,
  STATE_DIR,
} from './paths.js';
import { installedConfigPath } from './state-folder.js';
import { resolvePlaceholders } from './names.js';
import { entryName, hostChecks, logChecks, timedOut } from './preflight.js';
import { classifyAgentLog } from './doctor/agent-log.js';
import { FAULT_NAMES } from './fault-names.js';

/** GNU date's spelling of each directive the agent reads (the same but for %f, 1–9 digits: milliseconds here). */
export function dateFormatOf(timestampFormat: string): string {
  return timestampFormat.replace(/%(%|f)/g, (m, d: string) => (d === 'f' ? '%3N' : m));
}

/** The EC2 metadata hostname the agent's {hostname} is: ip-a-b-c-d.<region>.compute.internal (ec2.internal in us-east-1). */
export function ec2Hostname(ipAddress: string, region: string | undefined): string {
  const domain = region === undefined || region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  return `ip-${ipAddress.replaceAll('.', '-')}.${domain}`;
}

/**
 * A group or stream name as the agent resolves it on this host. {account_id} cannot be known from the host's
 * facts: it stays as written (verify then names the stream it looked for).
 */
export function resolveName(template: string, spec: CloudWatchAgentSpec, facts: HostFacts): string {
  return resolvePlaceholders(template, {
    instanceId: facts.instanceId ?? facts.hostname,
    ec2Hostname: ec2Hostname(facts.ipAddress, spec.region),
    localHostname: facts.hostname,
    ipAddress: facts.ipAddress,
    region: spec.region ?? '{aws_region}',
    accountId: '{account_id}',
    date: new Date(facts.clockMs).toISOString().slice(0, 10),
  });
}

export const cloudwatchAgentPlugin: LogAgentPlugin<CloudWatchAgentSpec> = {
  name: 'cloudwatch-agent',
  credentialsVar: 'cloudwatch_agent_credentials',
  agentLog: { path: AGENT_LOG_PATH, problems: ' [EW]! ' },
  validate: (hosts, known) => validateCloudWatchAgentHosts(hosts, readJsonFromDisk, known),
  unsupported: unsupportedFlavour,
  render(spec, credentials) {
    const desired = desiredState(spec, credentials);
    return { files: desired.files, secrets: desired.files.flatMap((f) => f.secrets) };
  },
  desiredState: (spec, files) => desiredHostState(spec, files.files),
  serviceName: () => SERVICE_NAME,
  probe: (spec) => ({
    paths: [MANAGED_JSON_PATH, COMMON_CONFIG_PATH, CREDENTIALS_PATH, installedConfigPath(MANAGED_JSON_PATH)],
    dirs: [CONFIG_DIR, STATE_DIR],
    packageName: PACKAGE_NAME,
    services: { amzn1: SERVICE_NAME, amzn2: SERVICE_NAME },
    ...(spec.runAsUser !== undefined && spec.runAsUser !== 'root' && spec.runAsUser !== '0'
      ? { runAs: spec.runAsUser }
      : {}),
  }),
  logs: (spec) =>
    spec.entries.map((e) => ({
      name: entryName(spec, e),
      file: e.filePath,
      group: e.logGroupName,
      stream: e.logStreamName ?? '{instance_id}',
      headLines: 1,
      ...(e.timestampFormat !== undefined
        ? { probeStamp: { dateFormat: dateFormatOf(e.timestampFormat), utc: e.timezone === 'UTC' } }
        : {}),
      flushMs: spec.forceFlushInterval * 1000,
    })),
  resolveName,
  preflight: { hostChecks, logChecks, timedOut },
  doctor: {
    faultNames: FAULT_NAMES,
    classifyLog: (text, truncated) => classifyAgentLog(text, truncated),
    // Loaded when the doctor runs.
    diagnose: async (ctx) => (await import('./doctor/diagnose.js')).diagnoseCloudWatchAgent(ctx),
  },
  // A migration's drains not yet at their end stay through an apply (loaded when the host's JSON holds one).
  carryOver: async (ctx) => (await import('./carry-drains.js')).carryDrains(ctx),
};
