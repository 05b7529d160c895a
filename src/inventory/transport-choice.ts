// Which transport reaches a host, read from Ansible's own variable: `ansible_connection: ssh` (the default) or
// `aws_ssm` (AWS Systems Manager Run Command), with the instance id from `ansible_aws_ssm_instance_id`, else
// `instance_id` (which `ec2:` groups set), else an `ansible_host` that is an instance id.
import { InputError, type Problem } from '../core/errors.js';
import type { InventoryHost } from './types.js';

export type TransportChoice = { kind: 'ssh' } | { kind: 'aws_ssm'; instanceId: string };

/** What Ansible calls SSH (its `smart` default and paramiko included), and its SSM plugin's names. */
const SSH_NAMES = ['ssh', 'smart', 'paramiko', 'paramiko_ssh', 'ansible.builtin.ssh', 'ansible.builtin.paramiko_ssh'];
const SSM_NAMES = ['aws_ssm', 'community.aws.aws_ssm', 'amazon.aws.aws_ssm'];

/** EC2 instance ids (`i-` + 8 or 17 hex digits) and hybrid managed nodes (`mi-` + 17). */
export const INSTANCE_ID = /^(?:i-[0-9a-f]{8}(?:[0-9a-f]{9})?|mi-[0-9a-f]{17})$/;

export function transportOf(host: InventoryHost): TransportChoice {
  const vars = host.vars;
  const problems: Problem[] = [];
  const report = (key: string, rule: string, expected: string): void => {
    problems.push({
      ...host.locate([key]),
      path: `hosts.${host.name}.${key}`,
      rule,
      expected,
      found: JSON.stringify(vars[key]) ?? String(vars[key]),
    });
  };
  const connection = vars['ansible_connection'];
  if (connection === undefined || connection === null) return { kind: 'ssh' };
  if (typeof connection !== 'string' || ![...SSH_NAMES, ...SSM_NAMES].includes(connection)) {
    report('ansible_connection', 'ansible_connection names the transport', `ssh or aws_ssm`);
    throw new InputError(problems);
  }
  if (SSH_NAMES.includes(connection)) return { kind: 'ssh' };

  for (const key of ['ansible_aws_ssm_instance_id', 'instance_id']) {
    const value = vars[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && INSTANCE_ID.test(value)) return { kind: 'aws_ssm', instanceId: value };
    report(key, `${key} must be an EC2 instance id or a managed node id`, 'i-0123456789abcdef0 or mi-…');
    throw new InputError(problems);
  }
  const address = vars['ansible_host'];
  if (typeof address === 'string' && INSTANCE_ID.test(address)) return { kind: 'aws_ssm', instanceId: address };
  report(
    'ansible_connection',
    'a host reached over aws_ssm needs its instance id: set ansible_aws_ssm_instance_id, or take the group from EC2 (`ec2:`), which sets instance_id',
    'ansible_aws_ssm_instance_id: i-…',
  );
  throw new InputError(problems);
}
