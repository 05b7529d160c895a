// What the SSM lab tests share: commands inside a lab host without SSH (nsenter into its namespaces, as the
// machine's root), the SSM inventory (the lab's EC2 fleet with `ansible_connection: aws_ssm`), and what the
// lab's SSM endpoint recorded, read as the lab operator.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ListCommandsCommand, SSMClient, type Command } from '@aws-sdk/client-ssm';
import { clientConfig } from '../../../src/clouds/aws/client-config.js';
import { readProfileKeys } from '../../../src/clouds/aws/shared-files.js';
import { AWS_REGION, endpointUrl, labPaths } from '../../../src/lab/layout.js';
import { REPO_ROOT } from '../../support/cli.js';
import type { Out } from '../../support/lab.js';

const PATHS = labPaths(REPO_ROOT);

interface StateHost {
  name: string;
  os: 'amzn1' | 'amzn2';
  address: string;
  instanceId: string;
  init?: { pid: number };
}

export function stateHosts(): StateHost[] {
  return (JSON.parse(readFileSync(PATHS.stateFile, 'utf8')) as { hosts: StateHost[] }).hosts;
}

/** A command inside the host (its mount, UTS, IPC, network and PID namespaces), as root, without SSH. */
export function inHost(name: string, command: string, timeoutMs = 60_000): Promise<Out> {
  const host = stateHosts().find((h) => h.name === name);
  if (!host?.init) throw new Error(`no running lab host ${name}`);
  return new Promise((resolve) => {
    execFile(
      'nsenter',
      ['-t', String(host.init!.pid), '-m', '-u', '-i', '-n', '-p', 'sh', '-c', command],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

export async function mustInHost(name: string, command: string): Promise<string> {
  const out = await inHost(name, command);
  if (out.code !== 0) throw new Error(`${command} in ${name} failed (${out.code}): ${out.stderr}`);
  return out.stdout;
}

/** The lab's EC2 inventory with every group over SSM, changed by `edit`; its path (journal beside it). */
export function ssmInventory(
  edit: (vars: Record<string, unknown>, doc: SsmInventoryDoc) => void = () => undefined,
): string {
  const doc = parse(readFileSync(PATHS.ec2Inventory, 'utf8')) as SsmInventoryDoc;
  doc.all.vars.ansible_connection = 'aws_ssm';
  doc.all.vars.awslogs_credentials = { source: 'instance_profile' };
  edit(doc.all.vars, doc);
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-ssm-'));
  const file = join(dir, 'inventory.yml');
  writeFileSync(file, stringify(doc));
  return file;
}

export type SsmInventoryDoc = {
  all: { vars: Record<string, unknown>; children: Record<string, { vars?: Record<string, unknown> }> };
};

/** Every command the lab's SSM endpoint recorded (ListCommands, all pages), as the lab operator reads them. */
export async function recordedCommands(): Promise<Command[]> {
  const keys = await readProfileKeys(join(PATHS.stateDir, 'aws', 'credentials'), 'lab');
  if (!keys) throw new Error('the lab operator profile is missing');
  const ssm = new SSMClient(clientConfig({ region: AWS_REGION, endpointUrl: endpointUrl(), credentials: keys }));
  try {
    const all: Command[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(new ListCommandsCommand({ MaxResults: 50, NextToken: token }));
      all.push(...(page.Commands ?? []));
      token = page.NextToken;
    } while (token);
    return all;
  } finally {
    ssm.destroy();
  }
}

/** The commands of one run (the tool names its run id in each command's Comment). */
export async function commandsOf(runId: string): Promise<Command[]> {
  return (await recordedCommands()).filter((c) => (c.Comment ?? '').includes(runId));
}
