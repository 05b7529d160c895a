// What `log_stream_name`/`log_group_name` placeholders resolve to on this host. The instance id comes from
// cloud-init's cache file, never from a metadata address (the lab has none and must never call one).
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import type { Logger } from './log.js';

export interface HostFacts {
  instanceIdFile: string;
}

export function readInstanceId(file: string): string | undefined {
  try {
    const id = readFileSync(file, 'utf8').trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

/** The first non-loopback IPv4 address of the host's interfaces (the agent resolves its hostname). */
export function ipAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Replaces `{instance_id}`, `{hostname}`, `{ip_address}` as the agent's StreamConfig._normalize does. */
export function resolvePlaceholders(text: string, facts: HostFacts, log: Logger): string {
  let out = text;
  if (out.includes('{instance_id}')) {
    let id = readInstanceId(facts.instanceIdFile);
    if (id === undefined) {
      id = hostname();
      log.warning(`Unable to get instance id, use ${id} instead.`);
    }
    out = out.split('{instance_id}').join(id);
  }
  if (out.includes('{hostname}')) out = out.split('{hostname}').join(hostname());
  if (out.includes('{ip_address}')) out = out.split('{ip_address}').join(ipAddress());
  return out;
}
