// The two places an awslogs configuration comes from, as the translation's input: the inventory's validated spec,
// or a host's own awslogs.conf and config/*.conf as the agent reads them. Pure.
import type { AgentConf } from '../../awslogs/conf-files.js';
import type { CredentialsSpec, HostSpec } from '../../awslogs/spec.js';
import type { TranslateInput } from './types.js';

export function fromHostSpec(spec: HostSpec): TranslateInput {
  const input: TranslateInput = {
    origin: { kind: 'inventory' },
    general: spec.general,
    logs: spec.logs.map((l) => ({ spec: l })),
    region: spec.region,
    credentials: spec.credentials,
  };
  if (spec.endpointUrl !== undefined) input.endpointUrl = spec.endpointUrl;
  return input;
}

/** A host's own files; region, endpoint and credentials come from the inventory (awscli.conf's keys are never read). */
export function fromAgentConf(
  conf: AgentConf,
  files: string[],
  context: { region?: string; endpointUrl?: string; credentials?: CredentialsSpec },
): TranslateInput {
  return {
    origin: { kind: 'host', files },
    general: conf.general,
    generalIgnored: conf.generalIgnored,
    logs: conf.sections.map((s) => ({ spec: s.spec, ignored: s.ignored, unknown: s.unknown })),
    ...context,
  };
}
