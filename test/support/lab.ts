// The lab as the tests use it: started through the built CLI, reached with plain OpenSSH as root.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, runCli, type CliResult } from './cli.js';
import { labPaths } from '../../src/lab/layout.js';

const PATHS = labPaths(REPO_ROOT);
export const LAB_STATE_DIR = PATHS.stateDir;
export const LAB_KEY = PATHS.key;
export const LAB_KNOWN_HOSTS = PATHS.knownHosts;
export const LAB_INVENTORY = PATHS.inventory;

/** Why lab tests cannot run here, or false. Printed by every lab test file that skips. */
export function labSkipReason(): string | false {
  if (process.platform !== 'linux') return `the lab needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `the lab needs root, this runs as uid ${process.getuid?.()}`;
  return false;
}

/** The operator's AWS environment as `lab up` hands it over (`.lab/aws/env`): the `lab` profile and its files. */
export function labAwsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(LAB_STATE_DIR, 'aws', 'env'), 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

export interface LabHost {
  name: string;
  address: string;
  os: 'amzn1' | 'amzn2' | 'amzn2023';
}

/** A lab command's outcome as TAP comment lines (stderr's last lines), for the test log. */
function diagnostic(what: string, result: CliResult): string {
  const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-30);
  return [`# ${what} (exit ${result.code}):`, ...tail.map((l) => `#   ${l}`)].join('\n');
}

/**
 * `lab up` for a test file. A failed up is printed whole in the test log, with the lab's status; the lab is then
 * brought down and started once more, and the test goes on only if that second up works (a second failure fails
 * the test with both answers).
 */
export async function labUp(hosts: number, os: LabHost['os'] | 'mixed'): Promise<LabHost[]> {
  const args = ['lab', 'up', '--hosts', String(hosts), '--os', os];
  const first = await runCli(args, { timeoutMs: 180_000 });
  if (first.code === 0) return labHosts();
  console.log(diagnostic(`lab up --hosts ${hosts} --os ${os} failed`, first));
  console.log(diagnostic('lab status', await runCli(['lab', 'status'], { timeoutMs: 60_000 })));
  console.log(diagnostic('lab down', await labDown()));
  const second = await runCli(args, { timeoutMs: 180_000 });
  console.log(diagnostic('lab up again after down', second));
  if (second.code !== 0)
    throw new Error(
      `lab up failed (${first.code}): ${first.stderr}\nand again after down (${second.code}): ${second.stderr}`,
    );
  return labHosts();
}

export async function labDown(): Promise<CliResult> {
  return runCli(['lab', 'down'], { timeoutMs: 120_000 });
}

type InventoryDoc = {
  all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>> }> };
};

export function labInventoryDoc(): InventoryDoc {
  return parse(readFileSync(LAB_INVENTORY, 'utf8')) as InventoryDoc;
}

export function labHosts(): LabHost[] {
  const doc = labInventoryDoc();
  const hosts: LabHost[] = [];
  for (const [group, { hosts: members }] of Object.entries(doc.all.children)) {
    for (const [name, vars] of Object.entries(members ?? {})) {
      hosts.push({ name, address: String(vars.ansible_host), os: group as LabHost['os'] });
    }
  }
  return hosts.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A copy of the lab inventory in a fresh folder (its journal lands there too), changed by `edit`.
 * Returns the path of the copy.
 */
export function labInventoryCopy(edit: (doc: InventoryDoc) => void = () => undefined): string {
  const doc = labInventoryDoc();
  edit(doc);
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-test-'));
  const file = join(dir, 'inventory.yml');
  writeFileSync(file, stringify(doc));
  return file;
}

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command on a lab host as root, over plain OpenSSH with the lab's own key and known_hosts. */
export function onHost(address: string, command: string, timeoutMs = 30_000): Promise<Out> {
  return new Promise((resolve) => {
    execFile(
      'ssh',
      [
        '-i',
        LAB_KEY,
        '-o',
        `UserKnownHostsFile=${LAB_KNOWN_HOSTS}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=5',
        `root@${address}`,
        command,
      ],
      { timeout: timeoutMs },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

export async function mustOnHost(address: string, command: string): Promise<string> {
  const out = await onHost(address, command);
  if (out.code !== 0) throw new Error(`${command} on ${address} failed (${out.code}): ${out.stderr}`);
  return out.stdout;
}

/**
 * Makes a host's sshd re-read its configuration and waits until it accepts logins again: on SIGHUP
 * sshd re-executes itself and refuses connections for a moment.
 */
export async function reloadSshd(address: string, timeoutMs = 20_000): Promise<void> {
  await mustOnHost(address, 'kill -HUP "$(cat /var/run/sshd.pid)"');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const probe = await onHost(address, 'true');
    if (probe.code === 0) return;
    if (Date.now() > end) throw new Error(`sshd on ${address} did not come back after SIGHUP: ${probe.stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether the agent runs, the way that flavour asks it. */
export async function agentActive(host: LabHost): Promise<boolean> {
  const command = host.os === 'amzn2' ? 'systemctl is-active --quiet awslogsd' : 'service awslogs status';
  return (await onHost(host.address, command)).code === 0;
}

/** Something that changes when the agent restarts: its main PID. */
export async function agentPid(host: LabHost): Promise<string> {
  const command =
    host.os === 'amzn2' ? 'systemctl show -p MainPID --value awslogsd' : 'cat /var/run/awslogs.pid 2>/dev/null || true';
  return (await mustOnHost(host.address, command)).trim();
}
