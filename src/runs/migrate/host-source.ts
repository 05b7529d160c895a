// A host's side of the migration before anything changes: the host as awslogs' plug-in sees it (whatever its
// log_agent now says), its own awslogs.conf and drop-ins read over the transport, and the host as the CloudWatch
// agent's plug-in will provision it with the translated entries.
import type { PreparedHost } from '../fleet/prepare.js';
import type { Transport } from '../../core/ports.js';
import type { InventoryHost } from '../../inventory/types.js';
import { loadAgent, loadMigration, otherAgentsVars } from '../../agents/catalog.js';
import { resolveCredentials } from '../../clouds/aws/credentials.js';
import { wholeScript } from '../../operations/remote-script.js';
import { runScript } from '../fleet/host-session.js';

type Migration = Awaited<ReturnType<typeof loadMigration>>;
export type HostConf = ReturnType<Migration['parseConf']>;
export type Translation = ReturnType<Migration['translateHost']>;

/** The host with awslogs' plug-in and spec: from its variables with log_agent: awslogs (they stay for the way back). */
export async function asAwslogsHost(prepared: PreparedHost): Promise<PreparedHost> {
  if (prepared.agent.name === 'awslogs') return prepared;
  const agent = await loadAgent('awslogs');
  const host: InventoryHost = { ...prepared.host, vars: { ...prepared.host.vars, log_agent: 'awslogs' } };
  const validated = agent.validate([host], otherAgentsVars('awslogs'));
  const spec = validated.specs.get(host.name);
  if (!spec)
    throw new Error(
      `its awslogs variables do not validate, so neither the migration nor its way back can run: ${validated.problems.map((p) => p.rule).join('; ')}`,
    );
  return { ...prepared, host, agent, spec, files: { files: [], secrets: [] } };
}

export async function readHostConf(
  migration: Migration,
  transport: Transport,
  host: PreparedHost,
  runId: string,
): Promise<HostConf> {
  const out = await runScript(transport, host, wholeScript(runId, `${migration.readConfLines()}\nsay ok`));
  if (!out.stdout.includes('@@ok'))
    throw new Error(`reading awslogs' configuration failed: ${out.stderr.trim().slice(-300)}`);
  return migration.parseConf(out.stdout);
}

/** The host as the CloudWatch agent's plug-in provisions it, with the translated (and any drain) entries. */
export async function cloudwatchHost(
  migration: Migration,
  awslogsHost: PreparedHost,
  translation: Translation,
  extraEntries: Record<string, unknown>[] = [],
): Promise<PreparedHost> {
  const agent = await loadAgent('cloudwatch-agent');
  const vars = { ...awslogsHost.host.vars, ...migration.inventoryVarsWith(translation, extraEntries) };
  const host: InventoryHost = { ...awslogsHost.host, vars };
  const validated = agent.validate([host], otherAgentsVars('cloudwatch-agent'));
  const spec = validated.specs.get(host.name);
  if (!spec)
    throw new Error(
      `the translated configuration does not validate: ${validated.problems.map((p) => p.rule).join('; ')}`,
    );
  const credentials =
    spec.credentials.source === 'instance_profile'
      ? undefined
      : await resolveCredentials(spec.credentials, process.env, agent.credentialsVar);
  return { ...awslogsHost, host, agent, spec, files: agent.render(spec, credentials) };
}
