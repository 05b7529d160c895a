// Shared by the fault tests: the CLI with the agent's keys in the environment, and the checks every fault
// test makes afterwards — the secret key nowhere but the credential file, no temp file left on a host.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../support/cli.js';
import { CLI_CONF, SECRET, runJson } from '../support/provision.js';
import { labInventoryCopy, mustOnHost, onHost, type LabHost } from '../support/lab.js';

export { CLI_CONF, CONF, ENV, SECRET, hostOf, statuses, type JsonHost, type JsonRun } from '../support/provision.js';

/** Every CLI output of every fault test, checked for the secret and for a stack trace. */
export function provision(args: string[], timeoutMs = 240_000) {
  const [first, ...rest] = args;
  return runJson(
    first === 'rollback' ? ['rollback', '--json', ...rest] : ['--no-verify', '--json', ...args],
    timeoutMs,
  );
}

/** The journal files beside an inventory: none may hold the secret. */
export function assertJournalClean(inventory: string): void {
  const dir = join(dirname(inventory), '.provision', 'runs');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    assert.ok(!readFileSync(join(dir, f), 'utf8').includes(SECRET), `the secret key is in the journal ${f}`);
  }
}

/** No temp file of the tool under /etc/awslogs; the secret only in awscli.conf, which is 0600 root. */
export async function assertHostClean(host: LabHost): Promise<void> {
  const temps = await mustOnHost(host.address, "find /etc/awslogs -name '.awslogs-provision.*' 2>/dev/null || true");
  assert.equal(temps.trim(), '', `temp files left on ${host.name}: ${temps}`);
  // The repository is bind-mounted read-only into every host (the lab agent runs from it): nothing on the
  // host can write there, and it holds this test's own copy of the secret, so it is left out.
  const repo = REPO_ROOT.replace(/\/$/, '');
  const holders = await onHost(
    host.address,
    `grep -rlF -- '${SECRET}' /etc /var/lib/awslogs-provision /var/log /tmp /root 2>/dev/null | grep -v '^${CLI_CONF}$' | grep -v '^/var/lib/awslogs-provision/backups/' | grep -vF '${repo}/' || true`,
    60_000,
  );
  assert.equal(holders.stdout.trim(), '', `the secret key is in other files on ${host.name}: ${holders.stdout}`);
  const perm = await onHost(host.address, `stat -c '%a %U' ${CLI_CONF} 2>/dev/null`);
  if (perm.code === 0) assert.equal(perm.stdout.trim(), '600 root', `${CLI_CONF} on ${host.name}`);
}

export async function fileSha(host: LabHost, path: string): Promise<string> {
  return (
    await mustOnHost(host.address, `if [ -e ${path} ]; then sha256sum ${path} | cut -c1-64; else echo absent; fi`)
  ).trim();
}

/**
 * A copy of the lab inventory with these log sections (and `[general]` options), the agent on the instance
 * profile: no secret needed, so the CLI runs with the lab's AWS environment alone.
 */
export function logsInventory(logs: Record<string, unknown>[], general: Record<string, unknown> = {}): string {
  return labInventoryCopy((doc) => {
    doc.all.vars.awslogs_credentials = { source: 'instance_profile' };
    doc.all.vars.awslogs_logs = logs;
    if (Object.keys(general).length) doc.all.vars.awslogs_general = general;
  });
}
