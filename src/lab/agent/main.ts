#!/usr/bin/env node
// The lab's awslogs daemon: `node dist/src/lab/agent/main.js [flags]`, run in the foreground. Reads
// awslogs.conf (+ drop-ins) and awscli.conf, ships the configured files to CloudWatch Logs at the lab's
// endpoint. SIGTERM ends it at once without a log line, as it ends the agent's Python (no handler: whatever
// was not sent is replayed from push_state at the next start); SIGINT (KeyboardInterrupt) shuts down in
// order. An unusable config is fatal: the reason goes to the agent log and stderr, exit status 255 (what
// the AWS CLI returns when `aws logs push` fails).
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent } from './agent.js';
import { parseAgentArgs, USAGE, type AgentArgs } from './args.js';
import { sdkLogsApi } from './client.js';
import { ConfigError, loadConfig } from './config.js';
import { resolveAwsSettings } from './credentials.js';
import { AgentLog } from './log.js';
import { resolveIpAddress } from './host.js';
import { AGENT_TIMINGS } from './agent.js';

const FATAL = 255;

function readEndpoint(file: string): string | undefined {
  try {
    const url = readFileSync(file, 'utf8').trim();
    return url === '' ? undefined : url;
  } catch {
    return undefined;
  }
}

export async function run(args: AgentArgs): Promise<Agent> {
  const log = new AgentLog(args.logFile);
  const push = log.logger('cwlogs.push');
  push.info('Using default logging configuration.');
  const ipAddress = await resolveIpAddress();
  const config = loadConfig(
    {
      configFile: args.config,
      configDir: args.configDir,
      host: { instanceIdFile: args.instanceIdFile, ipAddress },
      minBufferDuration: args.minBufferDuration,
      python: args.python,
    },
    push,
  );
  const aws = resolveAwsSettings({ cliConfigFile: args.cliConfig, awsDir: args.awsDir, env: process.env });
  log.addSecret(aws.credentials?.secretAccessKey);
  log.addSecret(aws.credentials?.sessionToken);
  if (!aws.region) throw new ConfigError('You must specify a region.');
  const api = sdkLogsApi({
    region: aws.region,
    credentials: aws.credentials,
    endpoint: readEndpoint(args.endpointFile),
    gzip: config.gzip,
  });
  const agent = new Agent(
    config,
    api,
    log,
    { ...AGENT_TIMINGS, restartDelayMs: args.restartDelayS * 1000 },
    args.python,
  );
  agent.start();
  return agent;
}

/** The AWS SDK's notice about future Node.js versions would land in the agent log when stderr goes there. */
function quietSdkNotice(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  // Belt and braces: credentials and region are always given explicitly, and nothing may reach a
  // metadata address even if an SDK default changed.
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
}

async function main(): Promise<void> {
  quietSdkNotice();
  let args: AgentArgs;
  try {
    args = parseAgentArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  let agent: Agent;
  try {
    agent = await run(args);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    new AgentLog(args.logFile).logger('cwlogs.push').error(message);
    process.stderr.write(`\n${message}\n`);
    process.exit(err instanceof ConfigError ? FATAL : 1);
  }
  if (args.readyFile !== undefined) writeFileSync(args.readyFile, `${process.pid}\n`);
  const shutdown = (): void => {
    new AgentLog(args.logFile).logger('cwlogs.push').info('Shutting down...');
    const hard = setTimeout(() => process.exit(0), 1900);
    hard.unref();
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  const crash = (err: unknown): void => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    new AgentLog(args.logFile).logger('cwlogs.push').error(`Unexpected error, exiting: ${text}`);
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.on('SIGINT', shutdown);
}

void main();
