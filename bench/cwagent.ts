// The CloudWatch agent's rows (issue 13 item 7): first provision and no-change re-run on N Amazon Linux 2023
// hosts, the tool against an Ansible playbook that does the same (bench/ansible/cloudwatch-agent.yml: dnf, the
// templated JSON, a fetch-config handler), in the same run and on the same hosts, each from a clean host.
import { fileURLToPath } from 'node:url';
import { onEveryHost, type LabInventory } from './hosts.js';
import type { Ansible, AnsibleRun } from './ansible.js';
import type { Timed } from './measure.js';

export const CWAGENT_PLAYBOOK = fileURLToPath(new URL('../../bench/ansible/cloudwatch-agent.yml', import.meta.url));

const ETC = '/opt/aws/amazon-cloudwatch-agent/etc';

/**
 * Back to a host on which the agent was never installed: the service stopped and disabled, the package removed,
 * then every file the package, the tool, Ansible or the agent left under its folder, and the tool's
 * before-images. What stays: the `cwagent` user, the host's own logs, and the log groups already made.
 */
export const CWAGENT_RESET_SCRIPT = `
systemctl disable --now amazon-cloudwatch-agent >/dev/null 2>&1
dnf remove -y -q amazon-cloudwatch-agent >/dev/null 2>&1
rm -rf /opt/aws/amazon-cloudwatch-agent /var/lib/awslogs-provision
systemctl daemon-reload; systemctl reset-failed >/dev/null 2>&1
if rpm -q amazon-cloudwatch-agent >/dev/null 2>&1; then echo "amazon-cloudwatch-agent still installed" >&2; exit 1; fi
`;

export async function resetCwagentHosts(lab: LabInventory): Promise<void> {
  const results = await onEveryHost(lab, 'root', CWAGENT_RESET_SCRIPT);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`cwagent reset: ${failed.length} host(s) failed: ${failed[0]!.stderr.trim()}`);
}

/**
 * The files the tool wrote on the first host (every host gets the same bytes: the JSON keeps its placeholders),
 * as the playbook's variables: Ansible then reaches the same end state, which the tool's dry run checks.
 */
export async function toolFilesAsVars(lab: LabInventory): Promise<Record<string, unknown>> {
  const first = { ...lab, hosts: lab.hosts.slice(0, 1) };
  const read = async (path: string) => {
    const [r] = await onEveryHost(first, 'root', `base64 -w0 ${path}`);
    if (!r || r.code !== 0) throw new Error(`cannot read ${path}: ${r?.stderr.trim()}`);
    return Buffer.from(r.stdout.trim(), 'base64').toString('utf8');
  };
  return {
    bench_cwagent_config: JSON.parse(await read(`${ETC}/awslogs-provision.json`)) as unknown,
    bench_cwagent_common_config: await read(`${ETC}/common-config.toml`),
    bench_cwagent_credentials: await read(`${ETC}/awslogs-provision-credentials`),
  };
}

export interface CwagentRepetition {
  toolFirst: Timed;
  toolNochange: Timed;
  ansibleFirst?: AnsibleRun;
  ansibleNochange?: AnsibleRun;
}

/**
 * One repetition: reset, the tool's first provision and no-change re-run; then reset, Ansible's first run, the
 * tool's dry run finding nothing to change, Ansible's no-change run. `tool(args, expect)` runs the tool and
 * checks every host's status; `ansibleOf` gives the playbook's runner once the tool's files are known.
 */
export async function cwagentRepetition(
  lab: LabInventory,
  tool: (args: string[], expect: string) => Promise<Timed>,
  ansibleOf: ((vars: Record<string, unknown>) => Ansible) | undefined,
  checkAnsible: (r: AnsibleRun, what: string, ok: (c: Record<string, number>) => boolean) => void,
): Promise<CwagentRepetition> {
  await resetCwagentHosts(lab);
  const toolFirst = await tool(['--no-verify'], 'changed');
  const toolNochange = await tool(['--no-verify'], 'ok');
  if (!ansibleOf) return { toolFirst, toolNochange };
  const ansible = ansibleOf(await toolFilesAsVars(lab));
  await resetCwagentHosts(lab);
  const ansibleFirst = await ansible.play();
  checkAnsible(ansibleFirst, 'cwagent first', (c) => c.changed! > 0);
  // The same end state: after Ansible's run the tool finds nothing to change on any host.
  await tool(['--dry-run'], 'ok');
  const ansibleNochange = await ansible.play();
  checkAnsible(ansibleNochange, 'cwagent no-change', (c) => c.changed === 0);
  return { toolFirst, toolNochange, ansibleFirst, ansibleNochange };
}
