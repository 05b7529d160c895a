// Everything a run does before it contacts a host: load, select, validate, resolve credentials, render.
// Any problem here is an InputError (exit 2) and no host has been contacted.
import { loadFleet } from './load-inventory.js';
import { selection } from '../inventory/patterns.js';
import { connectionOf, type HostConnection as Connection } from '../inventory/connection.js';
import type { Inventory, InventoryHost } from '../inventory/types.js';
import { validateHosts } from '../agents/awslogs/validate.js';
import type { HostSpec, RenderedFiles, ResolvedCredentials, CredentialsSpec } from '../agents/awslogs/spec.js';
import { renderHostFiles, DEFAULT_TEMPLATES_DIR } from '../templating/render.js';
import { resolveCredentials } from '../clouds/aws/credentials.js';
import { InputError, UsageError, type Problem } from '../core/errors.js';

export interface PreparedHost {
  host: InventoryHost;
  spec: HostSpec;
  connection: Connection;
  files: RenderedFiles;
}

export interface Prepared {
  inventory: Inventory;
  hosts: PreparedHost[];
  warnings: Problem[];
}

/** `render: false` (rollback, verify) skips credentials and templates: only connections and specs. */
export async function prepare(inventoryFile: string, limit?: string, options = { render: true }): Promise<Prepared> {
  const inventory = await loadFleet(inventoryFile);
  const selected = selection(inventory, limit);
  const hosts = selected.hosts;
  const { specs, problems, warnings: hostWarnings } = validateHosts(hosts);
  // What Ansible would warn about in the inventory and the pattern comes first.
  const warnings: Problem[] = [
    ...(inventory.warnings ?? []),
    ...selected.warnings.map((rule) => ({ file: inventory.file, rule })),
    ...hostWarnings,
  ];
  const connections = new Map<string, Connection>();
  for (const host of hosts) {
    try {
      connections.set(host.name, connectionOf(host));
    } catch (err) {
      if (err instanceof InputError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new InputError(problems);

  const credentials = options.render
    ? await resolveAll([...specs.values()].map((s) => s.credentials))
    : new Map<string, ResolvedCredentials | undefined>();
  const prepared: PreparedHost[] = [];
  const renderProblems: Problem[] = [];
  for (const host of hosts) {
    const spec = specs.get(host.name);
    const connection = connections.get(host.name);
    if (!spec || !connection) continue;
    if (!options.render) {
      prepared.push({ host, spec, connection, files: { awslogsConf: '', awscliConf: '', secrets: [] } });
      continue;
    }
    try {
      const files = renderHostFiles(spec, credentials.get(credentialsKey(spec.credentials)), DEFAULT_TEMPLATES_DIR);
      prepared.push({ host, spec, connection, files });
    } catch (err) {
      if (err instanceof InputError) renderProblems.push(...err.problems);
      else throw err;
    }
  }
  if (renderProblems.length > 0) throw new InputError(renderProblems);
  return { inventory, hosts: prepared, warnings };
}

function credentialsKey(spec: CredentialsSpec): string {
  return JSON.stringify(spec);
}

/** Each distinct credentials source is resolved once, before any host is contacted. */
async function resolveAll(specs: CredentialsSpec[]): Promise<Map<string, ResolvedCredentials | undefined>> {
  const resolved = new Map<string, ResolvedCredentials | undefined>();
  for (const spec of specs) {
    const key = credentialsKey(spec);
    if (resolved.has(key)) continue;
    try {
      resolved.set(key, await resolveCredentials(spec));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return resolved;
}
