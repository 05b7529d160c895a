// Everything a run does before it contacts a host: load, select, validate, resolve credentials, render.
// Any problem here is an InputError (exit 2) and no host has been contacted.
import { accessSync, constants, statSync } from 'node:fs';
import { loadFleet } from './load-inventory.js';
import { selection } from '../../inventory/patterns.js';
import { connectionOf, type HostConnection as Connection } from '../../inventory/connection.js';
import { transportOf, type TransportChoice } from '../../inventory/transport-choice.js';
import type { Inventory, InventoryHost } from '../../inventory/types.js';
import { splitByAgent } from '../../agents/log-agent.js';
import { loadAgent, otherAgentsVars } from '../../agents/catalog.js';
import type { AgentFiles, AgentSpec, LogAgentName, LogAgentPlugin } from '../../core/agent-plugin.js';
import type { CredentialsSpec, ResolvedCredentials } from '../../core/credentials.js';
import { resolveCredentials } from '../../clouds/aws/credentials.js';
import { InputError, UsageError, type Problem } from '../../core/errors.js';

export interface PreparedHost {
  host: InventoryHost;
  /** The agent that provisions the host (`log_agent`), and its validated spec of the host. */
  agent: LogAgentPlugin;
  spec: AgentSpec;
  connection: Connection;
  /** SSH (the default) or AWS Systems Manager Run Command (`ansible_connection: aws_ssm`). */
  transport: TransportChoice;
  files: AgentFiles;
}

export interface Prepared {
  inventory: Inventory;
  hosts: PreparedHost[];
  warnings: Problem[];
}

export interface PrepareOptions {
  /** false (rollback, verify, doctor): no credentials and templates, only connections and specs. */
  render?: boolean;
  /** false (render): no host will be contacted, so the SSH key files are not checked. */
  contact?: boolean;
}

export async function prepare(inventoryFile: string, limit?: string, options: PrepareOptions = {}): Promise<Prepared> {
  const render = options.render ?? true;
  const inventory = await loadFleet(inventoryFile);
  const selected = selection(inventory, limit);
  const hosts = selected.hosts;
  // Each host's agent validates its hosts (every problem of every host at once); only the agents in use load.
  const { byAgent, problems } = splitByAgent(hosts);
  const specs = new Map<string, AgentSpec>();
  const agents = new Map<string, LogAgentPlugin>();
  const hostWarnings: Problem[] = [];
  for (const [name, group] of Object.entries(byAgent) as [LogAgentName, InventoryHost[]][]) {
    if (group.length === 0) continue;
    const agent = await loadAgent(name);
    const validated = agent.validate(group, otherAgentsVars(name));
    problems.push(...validated.problems);
    hostWarnings.push(...validated.warnings);
    for (const [host, spec] of validated.specs) {
      specs.set(host, spec);
      agents.set(host, agent);
    }
  }
  // What Ansible would warn about in the inventory and the pattern comes first.
  const warnings: Problem[] = [
    ...(inventory.warnings ?? []),
    ...selected.warnings.map((rule) => ({ file: inventory.file, rule })),
    ...hostWarnings,
  ];
  const connections = new Map<string, Connection>();
  const transports = new Map<string, TransportChoice>();
  for (const host of hosts) {
    try {
      connections.set(host.name, connectionOf(host));
      const transport = transportOf(host);
      transports.set(host.name, transport);
      const spec = specs.get(host.name);
      const agent = agents.get(host.name);
      if (transport.kind === 'aws_ssm' && spec && agent) {
        problems.push(...noSecretOverSsm(host, spec.credentials, agent.credentialsVar));
        if (spec.region === undefined)
          problems.push({
            ...host.locate(['aws_region']),
            path: `hosts.${host.name}.aws_region`,
            rule: 'a host reached over aws_ssm needs aws_region: SSM commands are sent in one region',
            expected: 'a region name like ap-northeast-2',
          });
      }
    } catch (err) {
      if (err instanceof InputError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (options.contact ?? true) problems.push(...keyFileProblems(hosts, connections));
  if (problems.length > 0) throw new InputError(problems);

  const credentials = render
    ? await resolveAll(
        hosts.flatMap((h) => {
          const spec = specs.get(h.name);
          const agent = agents.get(h.name);
          return spec && agent ? [{ spec: spec.credentials, variable: agent.credentialsVar }] : [];
        }),
        inventory.file,
      )
    : new Map<string, ResolvedCredentials | undefined>();
  const prepared: PreparedHost[] = [];
  const renderProblems: Problem[] = [];
  for (const host of hosts) {
    const spec = specs.get(host.name);
    const agent = agents.get(host.name);
    const connection = connections.get(host.name);
    const transport = transports.get(host.name);
    if (!spec || !agent || !connection || !transport) continue;
    if (!render) {
      prepared.push({ host, agent, spec, connection, transport, files: { files: [], secrets: [] } });
      continue;
    }
    try {
      const files = agent.render(spec, credentials.get(credentialsKey(spec.credentials)));
      prepared.push({ host, agent, spec, connection, transport, files });
    } catch (err) {
      if (err instanceof InputError) renderProblems.push(...err.problems);
      else throw err;
    }
  }
  if (renderProblems.length > 0) throw new InputError(renderProblems);
  return { inventory, hosts: prepared, warnings };
}

/**
 * Over SSM a script is the command's text, and SSM keeps every command's parameters in its history, readable by
 * anyone with ssm:ListCommands: a key written into the agent's credentials file would sit there. SSM hosts take
 * the instance profile's credentials only.
 */
function noSecretOverSsm(host: InventoryHost, credentials: CredentialsSpec, variable: string): Problem[] {
  if (credentials.source === 'instance_profile') return [];
  return [
    {
      ...host.locate([variable, 'source']),
      path: `hosts.${host.name}.${variable}.source`,
      rule:
        "a host reached over aws_ssm takes no secret key: SSM keeps every command (the apply script, which would carry the key into the agent's credentials file) in its history, readable with ssm:ListCommands; give the instances a role " +
        '(`provision iam setup --mode role`, which adds AmazonSSMManagedInstanceCore) and use the instance profile',
      expected: 'instance_profile',
      found: credentials.source,
    },
  ];
}

const KEY_VARS = ['ansible_ssh_private_key_file', 'ansible_private_key_file'];

/**
 * A key file that is missing or unreadable is the operator's mistake, found here before any host is
 * contacted (SSH would report it as an unreachable host): one problem per place the path is written.
 */
function keyFileProblems(hosts: InventoryHost[], connections: Map<string, Connection>): Problem[] {
  const problems = new Map<string, Problem>();
  const checked = new Map<string, string | undefined>();
  for (const host of hosts) {
    const file = connections.get(host.name)?.privateKeyFile;
    if (file === undefined) continue;
    if (!checked.has(file)) checked.set(file, unreadable(file));
    const why = checked.get(file);
    if (why === undefined) continue;
    const key = KEY_VARS.find((k) => host.vars[k] !== undefined && host.vars[k] !== null) ?? KEY_VARS[0]!;
    const at = host.locate([key]);
    const where = [at.file, at.line, at.column].join(':');
    if (problems.has(where)) continue;
    problems.set(where, {
      ...at,
      path: `hosts.${host.name}.${key}`,
      rule: `the SSH private key file ${why}`,
      expected: 'a private key file this user can read',
      found: file,
    });
  }
  return [...problems.values()];
}

function unreadable(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    return statSync(file).isFile() ? undefined : 'is not a file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
  }
}

function credentialsKey(spec: CredentialsSpec): string {
  return JSON.stringify(spec);
}

/** Each distinct credentials source is resolved once, before any host is contacted. */
async function resolveAll(
  specs: { spec: CredentialsSpec; variable: string }[],
  inventoryFile: string,
): Promise<Map<string, ResolvedCredentials | undefined>> {
  const resolved = new Map<string, ResolvedCredentials | undefined>();
  for (const { spec, variable } of specs) {
    const key = credentialsKey(spec);
    if (resolved.has(key)) continue;
    try {
      resolved.set(key, await resolveCredentials(spec, process.env, variable));
    } catch (err) {
      // The agent's own key is what `iam setup` makes and stores in that profile.
      const next =
        spec.source === 'keys'
          ? `; run \`provision iam setup --inventory ${inventoryFile}\` to create the agent's key in that profile`
          : '';
      throw new UsageError((err as Error).message + next);
    }
  }
  return resolved;
}
