// The migration's rows (issue 14): `provision migrate` on N Amazon Linux 2 hosts running awslogs (provisioned by
// the tool first, not timed): the dry run, the cut-over (verify included, the tool's default), a no-change re-run
// on the migrated fleet, and `provision rollback` of the migrate run; against an Ansible playbook that migrates
// the way Amazon documents it (bench/ansible/migrate.yml: stop and disable awslogs, install the agent, write the
// translated JSON, fetch-config, start), from the same state on the same hosts. Ansible carries no read
// positions: its figure compares time only, not the same guarantee.
import { fileURLToPath } from 'node:url';
import { onEveryHost, resetHosts, type LabInventory } from './hosts.js';
import { toolFilesAsVars } from './cwagent.js';
import type { Ansible, AnsibleRun } from './ansible.js';
import type { Timed } from './measure.js';

export const MIGRATE_PLAYBOOK = fileURLToPath(new URL('../../bench/ansible/migrate.yml', import.meta.url));

const JSON_PATH = '/opt/aws/amazon-cloudwatch-agent/etc/awslogs-provision.json';

/**
 * The CloudWatch agent gone from an Amazon Linux 2 host (yum, not dnf): the service stopped and disabled, the
 * package removed, its folder (the JSON, the state files the cut-over seeded) deleted. awslogs' own reset
 * (bench/hosts.ts) follows; it removes the tool's before-images and the drains under /var/lib/awslogs-provision.
 */
export const CWAGENT_YUM_RESET_SCRIPT = `
systemctl disable --now amazon-cloudwatch-agent >/dev/null 2>&1
yum remove -y -q amazon-cloudwatch-agent >/dev/null 2>&1
rm -rf /opt/aws/amazon-cloudwatch-agent
systemctl daemon-reload; systemctl reset-failed >/dev/null 2>&1
if rpm -q amazon-cloudwatch-agent >/dev/null 2>&1; then echo "amazon-cloudwatch-agent still installed" >&2; exit 1; fi
`;

export interface ToolJson {
  run?: string;
  hosts: { name: string; status: string; changes: { path?: string; diff?: string }[]; roundTrips?: number }[];
}

export type ToolRunner = (command: string, args: string[], expect: string) => Promise<Timed & { json: ToolJson }>;

/**
 * The new file's text from a unified diff of a file that did not exist (every line added): what the dry run
 * shows for the CloudWatch agent's JSON, which the playbook then writes as it is.
 */
export function addedText(diff: string): string {
  const lines = diff.split('\n');
  const hunk = lines.findIndex((l) => l.startsWith('@@'));
  if (hunk < 0) throw new Error('no hunk in the diff');
  const body = lines.slice(hunk + 1);
  if (body.some((l) => l.startsWith('-') || l.startsWith(' ')))
    throw new Error('the diff changes an existing file: not the dry run of a fresh host');
  const added = body.filter((l) => l.startsWith('+')).map((l) => l.slice(1));
  const noFinalNewline = body.some((l) => l.startsWith('\\ No newline'));
  return added.join('\n') + (noFinalNewline ? '' : '\n');
}

/** Each host's CloudWatch agent JSON as the migrate dry run shows it. */
export function jsonByHost(dry: ToolJson): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of dry.hosts) {
    const change = h.changes.find((c) => c.path === JSON_PATH);
    if (!change?.diff) throw new Error(`the dry run shows no ${JSON_PATH} for ${h.name}`);
    const text = addedText(change.diff);
    JSON.parse(text);
    out[h.name] = text;
  }
  return out;
}

/** Back to the starting state: neither agent, then awslogs provisioned by the tool (not timed). */
export async function awslogsFleet(lab: LabInventory, tool: ToolRunner): Promise<void> {
  const results = await onEveryHost(lab, 'root', CWAGENT_YUM_RESET_SCRIPT);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`migrate reset: ${failed.length} host(s) failed: ${failed[0]!.stderr.trim()}`);
  await resetHosts(lab);
  await tool('apply', ['--no-verify'], 'changed');
}

export interface MigrateRepetition {
  dryRun: Timed & { json: ToolJson };
  cutover: Timed & { json: ToolJson };
  nochange: Timed & { json: ToolJson };
  rollback: Timed & { json: ToolJson };
  /** The JSON the cut-over wrote is the one the dry run showed (first host). */
  jsonAsShown: boolean;
  ansible?: AnsibleRun;
}

/**
 * One repetition: the fleet on awslogs; the tool's dry run, cut-over (with verify), no-change re-run and rollback
 * of the cut-over's run; then the fleet on awslogs again and the playbook, after which the tool's migrate dry run
 * must find every host already on the CloudWatch agent. `ansibleOf` gets the playbook's variables: the dry run's
 * JSON per host, and the agent's common-config.toml and credentials file as the tool wrote them.
 */
export async function migrateRepetition(
  lab: LabInventory,
  tool: ToolRunner,
  ansibleOf: ((vars: Record<string, unknown>) => Ansible) | undefined,
  checkAnsible: (r: AnsibleRun, what: string, ok: (c: Record<string, number>) => boolean) => void,
): Promise<MigrateRepetition> {
  await awslogsFleet(lab, tool);
  const dryRun = await tool('migrate', ['--dry-run'], 'changed');
  const shown = jsonByHost(dryRun.json);
  const cutover = await tool('migrate', [], 'changed');
  const written = await toolFilesAsVars(lab);
  const first = lab.hosts[0]!.name;
  const jsonAsShown =
    JSON.stringify(JSON.parse(shown[first] ?? 'null')) === JSON.stringify(written.bench_cwagent_config);
  const nochange = await tool('migrate', [], 'ok');
  if (!cutover.json.run) throw new Error('the migrate run has no id');
  const rollback = await tool('rollback', ['--run', cutover.json.run], 'changed');
  if (!ansibleOf) return { dryRun, cutover, nochange, rollback, jsonAsShown };
  const ansible = ansibleOf({
    bench_migrate_json: shown,
    bench_cwagent_common_config: written.bench_cwagent_common_config,
    bench_cwagent_credentials: written.bench_cwagent_credentials,
  });
  await awslogsFleet(lab, tool);
  const played = await ansible.play();
  checkAnsible(played, 'migrate', (c) => c.changed! > 0);
  // The same end state as far as the tool can see: every host on the CloudWatch agent, awslogs stopped.
  await tool('migrate', ['--dry-run'], 'ok');
  return { dryRun, cutover, nochange, rollback, jsonAsShown, ansible: played };
}
