// What the inventory says about AWS: the region, the endpoint, how the agent gets credentials, and which
// EC2 instance each host is. Every host must agree on the fleet-wide values; disagreement is invalid input.
import { InputError, type Problem } from '../../core/errors.js';
import type { Inventory, InventoryHost } from '../../inventory/types.js';
import { transportOf } from '../../inventory/transport-choice.js';
import { agentEntryOf } from '../../agents/catalog.js';

export type CredentialSource = 'keys' | 'instance_profile' | 'env';

export interface AwsSettings {
  region: string;
  endpointUrl?: string;
  credentials: { source?: CredentialSource; profile?: string };
  /** Hosts with their EC2 instance id (var `instance_id` or `ec2_instance_id`) when they have one. */
  instances: { host: string; instanceId?: string }[];
  /** Some host is reached over SSM (`ansible_connection: aws_ssm`). */
  ssm: boolean;
}

const SOURCES: CredentialSource[] = ['keys', 'instance_profile', 'env'];

export function awsSettings(inventory: Inventory): AwsSettings {
  const problems: Problem[] = [];
  const region = agreed(inventory, ['aws_region'], problems, true);
  const endpointUrl = agreed(inventory, ['aws_endpoint_url'], problems, false);
  // Each host's agent names its credentials variable; every host, whatever its agent, uses the one identity.
  const credentials = (key: string) => (host: InventoryHost) => [agentEntryOf(host).credentialsVar, key];
  const source = agreed(inventory, credentials('source'), problems, false);
  const profile = agreed(inventory, credentials('profile'), problems, false);
  if (source !== undefined && !SOURCES.includes(source as CredentialSource)) {
    const first = inventory.hosts[0];
    const path = first ? credentials('source')(first) : ['credentials', 'source'];
    problems.push({
      ...locate(first, path, inventory.file),
      path: path.join('.'),
      rule: 'unknown credential source',
      expected: SOURCES.join(' | '),
      found: source,
    });
  }
  let ssm = false;
  for (const host of inventory.hosts) {
    try {
      if (transportOf(host).kind === 'aws_ssm') ssm = true;
    } catch (err) {
      if (err instanceof InputError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return {
    region: region!,
    ...(endpointUrl ? { endpointUrl } : {}),
    credentials: {
      ...(source ? { source: source as CredentialSource } : {}),
      ...(profile ? { profile } : {}),
    },
    ssm,
    instances: inventory.hosts.map((h) => {
      const id = h.vars.ansible_aws_ssm_instance_id ?? h.vars.instance_id ?? h.vars.ec2_instance_id;
      return typeof id === 'string' && id !== '' ? { host: h.name, instanceId: id } : { host: h.name };
    }),
  };
}

function valueAt(vars: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = vars;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function locate(host: InventoryHost | undefined, path: string[], file: string) {
  const at = host ? host.locate(path) : { file };
  return {
    file: at.file,
    ...(at.line !== undefined ? { line: at.line } : {}),
    ...(at.column !== undefined ? { column: at.column } : {}),
  };
}

/** The one value every host has at path (a string, or a path per host), or undefined when none has it. */
function agreed(
  inventory: Inventory,
  pathOf: string[] | ((host: InventoryHost) => string[]),
  problems: Problem[],
  required: boolean,
): string | undefined {
  let first: { host: InventoryHost; value: string } | undefined;
  for (const host of inventory.hosts) {
    const path = typeof pathOf === 'function' ? pathOf(host) : pathOf;
    const dotted = path.join('.');
    const v = valueAt(host.vars, path);
    if (v === undefined || v === null) {
      if (required)
        problems.push({
          ...locate(host, path, inventory.file),
          path: `hosts.${host.name}.${dotted}`,
          rule: `${dotted} is required`,
        });
      continue;
    }
    if (typeof v !== 'string') {
      problems.push({
        ...locate(host, path, inventory.file),
        path: `hosts.${host.name}.${dotted}`,
        rule: `${dotted} must be a string`,
        found: JSON.stringify(v),
      });
      continue;
    }
    if (!first) first = { host, value: v };
    else if (first.value !== v) {
      problems.push({
        ...locate(host, path, inventory.file),
        path: `hosts.${host.name}.${dotted}`,
        rule: `every host must have the same ${dotted}`,
        expected: `${first.value} (as host ${first.host.name})`,
        found: v,
      });
    }
  }
  if (required && inventory.hosts.length === 0)
    problems.push({ file: inventory.file, rule: 'the inventory has no hosts' });
  return first?.value;
}
