// The lab's AWS endpoint: moto on the bridge address, where both the tool and the hosts reach it, with the
// operator's own IAM identity bootstrapped and handed over as an AWS profile, as an operator's machine has.
import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isMotoCommandLine, startMoto, stopMoto, pidFile } from './moto.js';
import { bootstrapOperator, BOOTSTRAP_ACTIONS, operatorFiles, OPERATOR_PROFILE } from './operator.js';
import { AWS_REGION, MOTO_PORT, bridgeAddress, endpointUrl, type Paths } from './layout.js';
import { readFile } from 'node:fs/promises';
import { awsClients } from '../clouds/aws/clients.js';
import { readProfileKeys } from '../clouds/aws/shared-files.js';
import { ensureLabInstances } from './ec2-instances.js';
import type { HostRecord } from './state.js';

export function motoDir(paths: Paths): string {
  return path.join(paths.stateDir, 'moto');
}

/** The shell file that points AWS tools at the lab operator's profile (`. .lab/aws/env`). */
export function awsEnvFile(paths: Paths): string {
  return path.join(paths.stateDir, 'aws', 'env');
}

export function labAwsEnv(paths: Paths): Record<string, string> {
  const files = operatorFiles(paths.stateDir);
  return {
    AWS_SHARED_CREDENTIALS_FILE: files.credentials,
    AWS_CONFIG_FILE: files.config,
    AWS_PROFILE: OPERATOR_PROFILE,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function running(paths: Paths): Promise<boolean> {
  try {
    const pid = Number.parseInt(await readFile(pidFile(motoDir(paths)), 'utf8'), 10);
    process.kill(pid, 0);
    return isMotoCommandLine(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Starts moto when it is not running (a fresh moto means a fresh operator identity), writes the env file,
 * and registers the hosts as EC2 instances for `ec2:` inventory groups; returns their instance ids.
 */
export async function ensureLabAws(
  paths: Paths,
  hosts: readonly HostRecord[],
  log: (line: string) => void,
): Promise<Map<string, string>> {
  if (!(await running(paths))) {
    await stopMoto(motoDir(paths));
    await rm(path.join(paths.stateDir, 'aws'), { recursive: true, force: true });
    await startMoto({
      host: bridgeAddress(),
      port: MOTO_PORT,
      stateDir: motoDir(paths),
      freeActions: BOOTSTRAP_ACTIONS,
    });
    log(`AWS endpoint (moto) at ${endpointUrl()}`);
  }
  const operator = await bootstrapOperator({ url: endpointUrl(), stateDir: paths.stateDir, region: AWS_REGION });
  const keys = await readProfileKeys(operator.credentialsFile, operator.profile);
  if (!keys)
    throw new Error(`the lab operator's profile ${operator.profile} is missing from ${operator.credentialsFile}`);
  const clients = awsClients({ region: AWS_REGION, endpointUrl: endpointUrl(), credentials: keys });
  let ids: Map<string, string>;
  try {
    ids = await ensureLabInstances(clients.ec2, hosts);
  } finally {
    clients.destroy();
  }
  const env = labAwsEnv(paths);
  await writeFile(
    awsEnvFile(paths),
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  return ids;
}

export async function stopLabAws(paths: Paths): Promise<void> {
  await stopMoto(motoDir(paths));
  await rm(motoDir(paths), { recursive: true, force: true });
  await rm(path.join(paths.stateDir, 'aws'), { recursive: true, force: true });
}
