// What `log_stream_name` placeholders resolve to on this host. The instance id comes from cloud-init's cache
// file, never from a metadata address (the lab has none and must never call one). `{ip_address}` is what the
// agent computes: gethostbyname(gethostname()), the address the host's own name resolves to (loopback where
// /etc/hosts says so), resolved once at start (resolveIpAddress) since the config is read synchronously.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from './log.js';

export interface HostFacts {
  instanceIdFile: string;
  /** gethostbyname(gethostname()), or the socket error Python would raise. */
  ipAddress?: string | Error;
}

export function readInstanceId(file: string): string | undefined {
  try {
    const id = readFileSync(file, 'utf8').trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

/** gethostbyname(gethostname()): the first IPv4 address the hostname resolves to (files, then DNS). */
export async function resolveIpAddress(name = hostname()): Promise<string | Error> {
  try {
    return (await lookup(name, { family: 4 })).address;
  } catch {
    // socket.gaierror, as Python words it for a name that does not resolve.
    return new Error('[Errno -2] Name or service not known');
  }
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
  if (out.includes('{ip_address}')) {
    const ip = facts.ipAddress ?? new Error('[Errno -2] Name or service not known');
    if (ip instanceof Error) throw ip;
    out = out.split('{ip_address}').join(ip);
  }
  return out;
}
