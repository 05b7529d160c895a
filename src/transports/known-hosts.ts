// OpenSSH known_hosts: parse, look a host key up, append a new key atomically.
// Supported: plain names, `[host]:port`, comma lists, `*`/`?` wildcards, `!` negation, hashed `|1|salt|hash`
// entries, the `@revoked` marker (a matching key is refused). `@cert-authority` lines are skipped: the tool
// does not do host certificates, so such a line can neither accept nor refuse a plain host key.
import { createHash, createHmac } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { readRegularFile, replaceFile } from '../local-files/replace.js';

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** Plain patterns (comma list split), or undefined for a hashed entry. */
  patterns?: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
  line: number;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: ignore the line, as OpenSSH does
    }
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) return; // malformed: skipped, as OpenSSH does
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0) return;
    const entry: KnownHostEntry = { keyType, key, line: i + 1 };
    if (marker) entry.marker = marker;
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) return;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',');
    }
    entries.push(entry);
  });
  return entries;
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardRegExp(pattern: string): RegExp {
  return new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
    'i',
  );
}

function wildcard(pattern: string, name: string): boolean {
  return wildcardRegExp(pattern).test(name);
}

export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = hostKeyName(host, port);
  if (entry.hashed) {
    const h = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return h.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const p of entry.patterns ?? []) {
    if (p.startsWith('!')) {
      if (wildcard(p.slice(1), name)) return false;
    } else if (wildcard(p, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/**
 * known_hosts looked up by host in constant time: plain names (the common case, and every line this tool or
 * ssh-keyscan writes) in a map, wildcard and negated patterns with their expressions compiled once, hashed
 * entries checked one by one (each has its own salt, so nothing can index them; OpenSSH scans them too).
 * A run connects to every host of a fleet: a scan per host would make the run quadratic in the fleet's size.
 */
export class KnownHostsIndex {
  private readonly exact = new Map<string, KnownHostEntry[]>();
  private readonly others: { entry: KnownHostEntry; matches: (name: string) => boolean }[] = [];
  private readonly revokedKeys = new Set<string>();

  constructor(readonly entries: KnownHostEntry[]) {
    for (const e of entries) {
      if (e.marker === 'revoked') this.revokedKeys.add(e.key.toString('base64'));
      if (e.marker !== undefined) continue; // revoked keys match any host; cert-authority lines are skipped
      const patterns = e.patterns ?? [];
      if (!e.hashed && patterns.every((p) => !/[*?!]/.test(p))) {
        for (const p of new Set(patterns.map((q) => q.toLowerCase()))) {
          const list = this.exact.get(p);
          if (list) list.push(e);
          else this.exact.set(p, [e]);
        }
      } else if (e.hashed) {
        const { salt, hash } = e.hashed;
        this.others.push({ entry: e, matches: (name) => createHmac('sha1', salt).update(name).digest().equals(hash) });
      } else {
        const negated = patterns.filter((p) => p.startsWith('!')).map((p) => wildcardRegExp(p.slice(1)));
        const positive = patterns.filter((p) => !p.startsWith('!')).map((p) => wildcardRegExp(p));
        this.others.push({
          entry: e,
          matches: (name) => !negated.some((re) => re.test(name)) && positive.some((re) => re.test(name)),
        });
      }
    }
  }

  /** The plain (unmarked) entries recorded for this host. */
  matching(host: string, port: number): KnownHostEntry[] {
    const name = hostKeyName(host, port);
    const found = [...(this.exact.get(name.toLowerCase()) ?? [])];
    for (const o of this.others) if (o.matches(name)) found.push(o.entry);
    return found;
  }

  isRevoked(key: Buffer): boolean {
    return this.revokedKeys.has(key.toString('base64'));
  }
}

function indexOf(entries: KnownHostEntry[] | KnownHostsIndex): KnownHostsIndex {
  return entries instanceof KnownHostsIndex ? entries : new KnownHostsIndex(entries);
}

/**
 * Is this key the host's? `changed` when the host has any recorded key and none is this one: we prefer the
 * recorded key types in negotiation (see preferredHostKeyAlgorithms), so a server that shows another key
 * has either changed its key or is not the host.
 */
export function checkHostKey(
  entries: KnownHostEntry[] | KnownHostsIndex,
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const index = indexOf(entries);
  if (index.isRevoked(key)) return 'revoked';
  const plain = index.matching(host, port);
  if (plain.some((e) => e.key.equals(key))) return 'known';
  return plain.length > 0 ? 'changed' : 'unknown';
}

const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** ssh2's host key algorithm list with the types recorded for this host first, as OpenSSH orders it. */
export function preferredHostKeyAlgorithms(
  entries: KnownHostEntry[] | KnownHostsIndex,
  host: string,
  port: number,
): string[] {
  const types = new Set(
    indexOf(entries)
      .matching(host, port)
      .map((e) => e.keyType),
  );
  const first = DEFAULT_HOST_KEY_ALGORITHMS.filter((a) =>
    a.startsWith('rsa-sha2-') || a === 'ssh-rsa' ? types.has('ssh-rsa') : types.has(a),
  );
  return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${hostKeyName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

/** The file's entries; none when it does not exist or is not a regular file (`/dev/null`: nothing recorded). */
export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  return parseKnownHosts((await readRegularFile(file)) ?? '');
}

const loaded = new Map<string, { signature: string; index: Promise<KnownHostsIndex> }>();

/**
 * The file's index, parsed once per version of the file: every connection of a run shares it. A file that
 * changed since (its inode, size or times differ: a key was appended, someone edited it) is read again.
 */
export async function loadKnownHosts(file: string): Promise<KnownHostsIndex> {
  let signature = 'absent';
  try {
    const s = await stat(file);
    signature = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const hit = loaded.get(file);
  if (hit && hit.signature === signature) return hit.index;
  const index = readKnownHosts(file).then((entries) => new KnownHostsIndex(entries));
  loaded.set(file, { signature, index });
  index.catch(() => loaded.delete(file));
  return index;
}

const appendQueue = new Map<string, Promise<void>>();

/**
 * Append one line to known_hosts atomically: the whole file is rewritten to a temporary file beside it and
 * renamed over it, so a reader never sees half a line; a link is written through, and a known_hosts that is
 * not a regular file (`/dev/null`) is never replaced: the key is then refused (see replaceFile). Appends to
 * the same file within this process are serialised (hosts connect in parallel).
 */
export function appendKnownHost(file: string, line: string): Promise<void> {
  const previous = appendQueue.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => appendNow(file, line));
  appendQueue.set(file, next);
  return next;
}

async function appendNow(file: string, line: string): Promise<void> {
  const current = (await readRegularFile(file)) ?? '';
  if (current.split('\n').some((l) => l.trim() === line)) return;
  await replaceFile(file, current + (current === '' || current.endsWith('\n') ? '' : '\n') + line + '\n');
}
