// bin/amazon-cloudwatch-agent of the lab's package. `-schematest -config TOML`: the agent's own check of a
// translated config (the control script's second validation phase). `-config TOML`: the agent itself, started
// as root by start-amazon-cloudwatch-agent: it makes its folders agent.run_as_user's, drops to that user, and
// only then reads credentials and logs, as the real agent does.
import { chownSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { keepErrorBodies } from '../../clouds/aws/client-config.js';
import { checkEncoding } from '../../agents/cloudwatch-agent/encodings.js';
import { compileRe2 } from '../../agents/cloudwatch-agent/re2.js';
import { AGENT_HOME, COMMON_CONFIG_PATH, STATE_DIR } from '../../agents/cloudwatch-agent/paths.js';
import { Agent } from './agent.js';
import { commonConfigCredentials, findKeys } from './credentials.js';
import { labEndpoint } from './host.js';
import { AgentLog } from './log.js';
import { readToml, type RuntimeConfig } from './runtime-config.js';
import { StateFolder } from './state.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** What FileConfig.init refuses when the agent loads a file input. */
function schemaTest(config: RuntimeConfig): string[] {
  const errors: string[] = [];
  for (const f of config.logs.files) {
    if (f.encoding && !checkEncoding(f.encoding).ok) errors.push(`E! the encoding ${f.encoding} is not supported.`);
    const regexes: [string, string][] = [
      [
        'multi_line_start_pattern',
        f.multi_line_start_pattern === '{timestamp_regex}' ? '' : f.multi_line_start_pattern,
      ],
      ['blacklist', f.blacklist],
      ...f.filters.map((x): [string, string] => ['filter', x.expression ?? '']),
    ];
    for (const [what, re] of regexes) {
      if (!re) continue;
      const r = compileRe2(re);
      if (!r.ok) errors.push(`E! ${what} has issue, regexp: Compile( ${re} ): ${r.reason}`);
    }
  }
  return errors;
}

/** Folders the agent writes become the user's (the real start script's ChangeFileOwner). */
function chownTree(dir: string, uid: number, gid: number): void {
  try {
    chownSync(dir, uid, gid);
    if (!statSync(dir).isDirectory()) return;
    for (const name of readdirSync(dir)) chownTree(path.join(dir, name), uid, gid);
  } catch {
    // gone meanwhile
  }
}

function dropTo(user: string, log: AgentLog): boolean {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  } catch {
    log.error(`Failed to find user ${user}: user: unknown user ${user}`);
    return false;
  }
  chownTree(path.join(AGENT_HOME, 'logs'), uid, gid);
  chownTree(path.join(AGENT_HOME, 'var'), uid, gid);
  // Supplementary groups first (initgroups: the user's own, as the real agent's SwitchUser sets them), then ids.
  (process as unknown as { initgroups(user: string, gid: number): void }).initgroups(user, gid);
  process.setgid!(gid);
  process.setuid!(uid);
  return true;
}

async function main(): Promise<number> {
  const file = arg('-config');
  if (!file) {
    process.stderr.write('usage: amazon-cloudwatch-agent [-schematest] -config TOML\n');
    return 2;
  }
  let config: RuntimeConfig;
  try {
    config = readToml(readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(
      `E! [telegraf] Error running agent: Error loading config file ${file}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  if (process.argv.includes('-schematest')) {
    const errors = schemaTest(config);
    for (const e of errors) process.stderr.write(`${e}\n`);
    if (errors.length === 0) process.stdout.write('I! Valid Json input schema.\n');
    return errors.length === 0 ? 0 : 1;
  }

  const log = new AgentLog(config.agent.logfile || undefined);
  mkdirSync(STATE_DIR, { recursive: true });
  // As root: the lab's endpoint (its stand-in for the AWS network) and where common-config says the keys are.
  const endpoint = labEndpoint();
  const shared = commonConfigCredentials(COMMON_CONFIG_PATH);
  const user = config.agent.run_as_user || 'root';
  if (user !== 'root' && !dropTo(user, log)) return 1;
  log.info(`Starting AmazonCloudWatchAgent 1.300071.0b1234 with log file ${config.agent.logfile} with log target file`);
  log.info(`[agent] Config: region ${config.agent.region}, run as user ${user}`);
  if (config.logs.endpoint_override)
    log.info(
      `[outputs.cloudwatchlogs] endpoint_override ${config.logs.endpoint_override} is not reached from the lab: using the lab's endpoint`,
    );
  const found = findKeys(shared);
  if (!found.keys)
    log.error(
      `[outputs.cloudwatchlogs] NoCredentialProviders: no valid providers in chain: ${found.errors.join('; ')}`,
    );
  // moto answers a refused JSON-protocol call in XML: its code and message are read from the raw answer.
  const client = keepErrorBodies(
    new CloudWatchLogsClient({
      region: config.agent.region,
      maxAttempts: 1,
      ...(endpoint ? { endpoint } : {}),
      credentials:
        found.keys ??
        (() =>
          Promise.reject(Object.assign(new Error('no valid providers in chain'), { name: 'NoCredentialProviders' }))),
    }),
  );
  const agent = new Agent(config, client, new StateFolder(STATE_DIR), log);
  agent.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info('[agent] Hang on, flushing any cached metrics before shutdown');
  await agent.stop();
  log.info('[agent] Stopping running agent');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`E! ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
