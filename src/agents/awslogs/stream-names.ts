// The stream name the agent will use on a host: placeholders resolved from the host's facts, the way
// the agent resolves them (its {instance_id} falls back to the hostname when no id can be had; its
// {ip_address} is gethostbyname(gethostname()), the host's primary address only when the name resolves to it).
export interface HostIdentity {
  hostname: string;
  ipAddress: string;
  instanceId?: string;
  /** gethostbyname(gethostname()), when the probe could resolve it. */
  hostnameAddress?: string;
}

export function resolveStreamName(template: string, host: HostIdentity): string {
  return template
    .replaceAll('{instance_id}', host.instanceId ?? host.hostname)
    .replaceAll('{hostname}', host.hostname)
    .replaceAll('{ip_address}', host.hostnameAddress ?? host.ipAddress);
}
