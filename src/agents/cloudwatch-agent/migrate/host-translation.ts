// A host's awslogs configuration as the migration reads it: its own awslogs.conf and drop-ins (what the agent
// really runs with) when it has them, else the inventory's spec; the translation with each key's fate; and each
// section as the seeding reads it, with what was read of its files. Pure.
import type { AgentSpec } from '../../../core/agent-plugin.js';
import type { HostFacts } from '../../../core/types.js';
import { ConfFilesError, readAgentConf } from '../../awslogs/conf-files.js';
import type { HostConf } from '../../awslogs/migrate/read-conf.js';
import type { HostSpec, LogSection } from '../../awslogs/spec.js';
import { resolveStreamName, type HostIdentity } from '../../awslogs/stream-names.js';
import {
  fromAgentConf,
  fromHostSpec,
  translateAwslogs,
  type TranslateInput,
  type Translation,
} from '../from-awslogs/index.js';
import type { ObservedFile, SeedLog } from '../from-awslogs/observed.js';
import { ec2Hostname } from '../plugin.js';

export function identityOf(facts: HostFacts): HostIdentity {
  return {
    hostname: facts.hostname,
    ipAddress: facts.ipAddress,
    ...(facts.instanceId !== undefined ? { instanceId: facts.instanceId } : {}),
    ...(facts.hostnameAddress !== undefined ? { hostnameAddress: facts.hostnameAddress } : {}),
  };
}

/** awslogs' spec of a host (from the plug-in's validation) as the migration needs it. */
export function awslogsSpec(spec: AgentSpec): HostSpec {
  return spec as HostSpec;
}

/** The host's own files when it has an awslogs.conf (what the agent really runs with), else the inventory's spec. */
export function translateHost(agentSpec: AgentSpec, conf: HostConf, facts: HostFacts): Translation {
  const spec = awslogsSpec(agentSpec);
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

/** awslogs' sections as the host's configuration holds them (the drains of the way back copy them). */
export function sectionsOf(agentSpec: AgentSpec, conf: HostConf): LogSection[] {
  return conf.main ? readAgentConf(conf.main, conf.dropIns).sections.map((s) => s.spec) : awslogsSpec(agentSpec).logs;
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

/** The host's new inventory variables, with the drains' temporary entries after the translated ones. */
export function inventoryVarsWith(
  translation: Translation,
  drainEntries: Record<string, unknown>[],
): Record<string, unknown> {
  return { ...translation.inventoryVars, cloudwatch_agent_logs: [...translation.entries, ...drainEntries] };
}
