// The stream name the agent will use on a host: placeholders resolved from the host's facts, the way
// the agent resolves them (its {instance_id} falls back to the hostname when no id can be had).
export interface HostIdentity {
  hostname: string;
  ipAddress: string;
  instanceId?: string;
}

export function resolveStreamName(template: string, host: HostIdentity): string {
  return template
    .replaceAll('{instance_id}', host.instanceId ?? host.hostname)
    .replaceAll('{hostname}', host.hostname)
    .replaceAll('{ip_address}', host.ipAddress);
}
