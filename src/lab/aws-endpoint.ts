// The lab's AWS endpoint: moto on the bridge address, where both the tool and the hosts reach it, with the
// operator's own IAM identity bootstrapped and handed over as an AWS profile, as an operator's machine has.
import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { startMoto, stopMoto, pidFile } from './moto.js';
import { bootstrapOperator, BOOTSTRAP_ACTIONS, operatorFiles, OPERATOR_PROFILE } from './operator.js';
import { AWS_REGION, MOTO_PORT, bridgeAddress, endpointUrl, type Paths } from './layout.js';
import { readFile } from 'node:fs/promises';

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
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('moto.server');
  } catch {
    return false;
  }
}

/** Starts moto when it is not running (a fresh moto means a fresh operator identity) and writes the env file. */
export async function ensureLabAws(paths: Paths, log: (line: string) => void): Promise<Record<string, string>> {
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
  await bootstrapOperator({ url: endpointUrl(), stateDir: paths.stateDir, region: AWS_REGION });
  const env = labAwsEnv(paths);
  await writeFile(
    awsEnvFile(paths),
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  return env;
}

export async function stopLabAws(paths: Paths): Promise<void> {
  await stopMoto(motoDir(paths));
  await rm(motoDir(paths), { recursive: true, force: true });
  await rm(path.join(paths.stateDir, 'aws'), { recursive: true, force: true });
}
