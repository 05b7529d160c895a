// A host's side of the migration before anything changes: the host as awslogs' plug-in sees it (whatever its
// log_agent now says), its own awslogs.conf and drop-ins read over the transport, the translation (each key's
// fate), and the host as the CloudWatch agent's plug-in will provision it.
import type { PreparedHost } from '../fleet/prepare.js';
import type { HostFacts } from '../../core/types.js';
import type { Transport } from '../../core/ports.js';
import type { InventoryHost } from '../../inventory/types.js';
import { loadAgent, otherAgentsVars } from '../../agents/catalog.js';
import { resolveCredentials } from '../../clouds/aws/credentials.js';
import { wholeScript } from '../../operations/remote-script.js';
import { runScript } from '../fleet/host-session.js';
import { parseConf, readConfLines, type HostConf } from '../../agents/awslogs/migrate/read-conf.js';
import { ConfFilesError, readAgentConf } from '../../agents/awslogs/conf-files.js';
import type { HostSpec } from '../../agents/awslogs/spec.js';
import { resolveStreamName, type HostIdentity } from '../../agents/awslogs/stream-names.js';
import {
  fromAgentConf,
  fromHostSpec,
  translateAwslogs,
  type TranslateInput,
  type Translation,
} from '../../agents/cloudwatch-agent/from-awslogs/index.js';
import type { SeedLog } from '../../agents/cloudwatch-agent/from-awslogs/index.js';
import { ec2Hostname } from '../../agents/cloudwatch-agent/plugin.js';
import type { ObservedFile } from '../../agents/cloudwatch-agent/from-awslogs/observed.js';

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

export async function readHostConf(transport: Transport, host: PreparedHost, runId: string): Promise<HostConf> {
  const out = await runScript(transport, host, wholeScript(runId, `${readConfLines()}\nsay ok`));
  if (!out.stdout.includes('@@ok'))
    throw new Error(`reading awslogs' configuration failed: ${out.stderr.trim().slice(-300)}`);
  return parseConf(out.stdout);
}

export function identityOf(facts: HostFacts): HostIdentity {
  return {
    hostname: facts.hostname,
    ipAddress: facts.ipAddress,
    ...(facts.instanceId !== undefined ? { instanceId: facts.instanceId } : {}),
    ...(facts.hostnameAddress !== undefined ? { hostnameAddress: facts.hostnameAddress } : {}),
  };
}

/** The host's own files when it has an awslogs.conf (what the agent really runs with), else the inventory's spec. */
export function translateHost(spec: HostSpec, conf: HostConf, facts: HostFacts): Translation {
  let input: TranslateInput;
  if (conf.main) {
    try {
      input = fromAgentConf(
        readAgentConf(conf.main, conf.dropIns),
        [conf.main.path, ...conf.dropIns.map((d) => d.path)],
        {
          region: spec.region,
          ...(spec.endpointUrl !== undefined ? { endpointUrl: spec.endpointUrl } : {}),
          credentials: spec.credentials,
        },
      );
    } catch (err) {
      if (!(err instanceof ConfFilesError)) throw err;
      const stop = { section: conf.main.path, option: '', fate: 'stop' as const, note: err.message };
      return {
        ok: false,
        fates: [stop],
        stops: [stop],
        entries: [],
        forceFlushInterval: 5,
        replacedVars: [],
        sections: [],
        warnings: [],
      };
    }
  } else input = fromHostSpec(spec);
  input.names = {
    awslogs: identityOf(facts),
    cloudwatch: {
      instanceId: facts.instanceId ?? facts.hostname,
      ec2Hostname: ec2Hostname(facts.ipAddress, spec.region),
      localHostname: facts.hostname,
      ipAddress: facts.ipAddress,
      region: spec.region,
      accountId: '{account_id}',
      date: new Date(facts.clockMs).toISOString().slice(0, 10),
    },
  };
  return translateAwslogs(input);
}

/** The host as the CloudWatch agent's plug-in provisions it, with the translated (and any drain) entries. */
export async function cloudwatchHost(
  awslogsHost: PreparedHost,
  translation: Translation,
  extraEntries: Record<string, unknown>[] = [],
): Promise<PreparedHost> {
  const agent = await loadAgent('cloudwatch-agent');
  const vars = { ...awslogsHost.host.vars, ...translation.inventoryVars };
  vars.cloudwatch_agent_logs = [...translation.entries, ...extraEntries];
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

/** Each awslogs section as the seeding reads it, with what was read of its files. */
export function seedLogs(translation: Translation, facts: HostFacts, files: ObservedFile[][]): SeedLog[] {
  return translation.sections.map((s, i) => ({
    section: s.section,
    group: s.group,
    stream: resolveStreamName(s.stream, identityOf(facts)),
    ...(s.fingerprintLines !== undefined ? { fingerprintLines: s.fingerprintLines } : {}),
    ...(s.encoding !== undefined ? { encoding: s.encoding } : {}),
    ...(s.initialPosition !== undefined ? { initialPosition: s.initialPosition } : {}),
    files: files[i] ?? [],
  }));
}
