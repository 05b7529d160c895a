// What the lab's CloudWatch agent stand-in knows of its host. There is no instance metadata service in the lab:
// the instance id is cloud-init's file, the region the lab's, the endpoint the lab's AWS (moto).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { AWS_REGION } from '../layout.js';
import { resolvePlaceholders } from '../../agents/cloudwatch-agent/names.js';

export const LAB_DIR = '/var/lib/awslogs-lab';
/** moto's account: what sts:GetCallerIdentity answers in the lab. */
const LAB_ACCOUNT_ID = '123456789012';

export interface HostInfo {
  instanceId: string;
  /** The instance metadata's region (the lab's). */
  region: string;
  /** The EC2 metadata hostname, ip-a-b-c-d.<region>.compute.internal. */
  ec2Hostname: string;
  localHostname: string;
  ipAddress: string;
  accountId: string;
}

function readTrimmed(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function hostInfo(): HostInfo {
  const ip =
    Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
  return {
    instanceId: readTrimmed('/var/lib/cloud/data/instance-id') ?? os.hostname(),
    region: AWS_REGION,
    ec2Hostname: `ip-${ip.replaceAll('.', '-')}.${AWS_REGION}.compute.internal`,
    localHostname: os.hostname(),
    ipAddress: ip,
    accountId: LAB_ACCOUNT_ID,
  };
}

/** The lab's AWS endpoint (moto on the lab's bridge), written by `lab up` for every agent stand-in. */
export function labEndpoint(): string | undefined {
  return readTrimmed(`${LAB_DIR}/endpoint_url`);
}

/** The agent's placeholders, resolved as the translator resolves them (once, at translation). */
export function placeholders(template: string, host: HostInfo, region: string, now = new Date()): string {
  return resolvePlaceholders(template, { ...host, region, date: now.toISOString().slice(0, 10) });
}
