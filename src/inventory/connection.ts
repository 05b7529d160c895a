// How to reach a host, read from Ansible's connection variables.
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Problem } from '../core/errors.js';
import type { InventoryHost } from './types.js';

export interface HostConnection {
  address: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  become: boolean;
  knownHostsFile?: string;
}

export interface ConnectionDefaults {
  /** Used when the host sets no ansible_user; Ansible's default is the local user. */
  user?: string;
  /** Folder relative key paths resolve against; defaults to the host's inventory folder. */
  inventoryDir?: string;
}

/**
 * Reads ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file, ansible_become and
 * ssh_known_hosts_file (plus the older ansible_ssh_host/_port/_user spellings). Throws InputError with every
 * problem, each located where the bad value was written.
 */
export function connectionOf(host: InventoryHost, defaults: ConnectionDefaults = {}): HostConnection {
  const problems: Problem[] = [];
  const vars = host.vars;
  const report = (key: string, rule: string, expected: string): void => {
    problems.push({
      ...host.locate([key]),
      path: `hosts.${host.name}.${key}`,
      rule,
      expected,
      found: JSON.stringify(vars[key]) ?? String(vars[key]),
    });
  };
  const pick = (...keys: string[]): string | undefined =>
    keys.find((key) => vars[key] !== undefined && vars[key] !== null);

  let address = host.name;
  const addressKey = pick('ansible_host', 'ansible_ssh_host');
  if (addressKey) {
    const value = vars[addressKey];
    if (typeof value === 'string' && value.trim() !== '') address = value.trim();
    else report(addressKey, `${addressKey} must be a host name or address`, 'a non-empty string');
  }

  let port = 22;
  const portKey = pick('ansible_port', 'ansible_ssh_port');
  if (portKey) {
    // Ansible reads the port with int(): "2222" is 2222.
    const raw = vars[portKey];
    const value = typeof raw === 'string' && /^\s*\+?[0-9]+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) port = value;
    else report(portKey, `${portKey} must be a TCP port`, 'an integer from 1 to 65535');
  }

  let user = defaults.user ?? localUser();
  const userKey = pick('ansible_user', 'ansible_ssh_user');
  if (userKey) {
    // A number is a name to Ansible too (user 1000 is "1000").
    const raw = vars[userKey];
    const value = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
    if (typeof value === 'string' && value.trim() !== '') user = value.trim();
    else report(userKey, `${userKey} must be a user name`, 'a non-empty string');
  }

  let become = false;
  if (pick('ansible_become')) {
    // The words Ansible's boolean() names; anything else it reads as false, which the tool refuses instead.
    const value = booleanOf(vars['ansible_become']);
    if (value !== undefined) become = value;
    else report('ansible_become', 'ansible_become must be a boolean', 'true or false (or yes/no, on/off, 1/0)');
  }

  const baseDir = defaults.inventoryDir ?? host.inventoryDir ?? dirname(host.locate([]).file);
  const pathVar = (key: string): string | undefined => {
    if (!pick(key)) return undefined;
    const value = vars[key];
    if (typeof value === 'string' && value.trim() !== '') return resolvePath(value.trim(), baseDir);
    report(key, `${key} must be a file path`, 'a non-empty string');
    return undefined;
  };
  const privateKeyFile = pathVar('ansible_ssh_private_key_file') ?? pathVar('ansible_private_key_file');
  const knownHostsFile = pathVar('ssh_known_hosts_file');

  if (problems.length > 0) throw new InputError(problems);
  const connection: HostConnection = { address, port, user, become };
  if (privateKeyFile !== undefined) connection.privateKeyFile = privateKeyFile;
  if (knownHostsFile !== undefined) connection.knownHostsFile = knownHostsFile;
  return connection;
}

const TRUE_WORDS = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE_WORDS = ['n', 'no', 'off', '0', 'false', 'f'];

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return TRUE_WORDS.includes(word) ? true : FALSE_WORDS.includes(word) ? false : undefined;
}

function resolvePath(path: string, baseDir: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}
