// Where the lab lives: its fixed names on the machine, its state folder and the files it writes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Flavour = 'amzn1' | 'amzn2';
export const FLAVOURS: readonly Flavour[] = ['amzn1', 'amzn2'];

/** The repository this module belongs to (dist/src/lab/ → three levels up). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Shell scripts and package payloads ship as source, beside the TypeScript. */
export const LAB_SOURCE = path.join(REPO_ROOT, 'src', 'lab');

/** Machine-wide names: one lab per machine, whoever started it. */
export const NET = {
  bridge: 'awslab0',
  /** 10.213.7.0/24: bridge .1, hosts .11 upwards. */
  prefix: '10.213.7',
  prefixLength: 24,
  firstHost: 11,
  maxHosts: 200,
  netnsPrefix: 'awslab-',
  vethPrefix: 'awslab-v',
} as const;

export const CGROUP_V2_MOUNTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'] as const;
export const CGROUP_PARENT = 'awslab';

export const MOTO_PORT = 5000;
export const AWS_REGION = 'ap-northeast-2';

export function bridgeAddress(): string {
  return `${NET.prefix}.1`;
}

export function endpointUrl(): string {
  return `http://${bridgeAddress()}:${MOTO_PORT}`;
}

export interface Paths {
  stateDir: string;
  stateFile: string;
  lockFile: string;
  hostsDir: string;
  key: string;
  knownHosts: string;
  inventory: string;
}

export function labPaths(repo = REPO_ROOT): Paths {
  const stateDir = path.join(repo, '.lab');
  return {
    stateDir,
    stateFile: path.join(stateDir, 'state.json'),
    lockFile: path.join(stateDir, 'lock'),
    hostsDir: path.join(stateDir, 'hosts'),
    key: path.join(stateDir, 'ssh', 'id_ed25519'),
    knownHosts: path.join(stateDir, 'ssh', 'known_hosts'),
    inventory: path.join(repo, 'inventories', 'lab.yml'),
  };
}

export function hostName(index: number): string {
  return `lab${String(index).padStart(2, '0')}`;
}

export function hostAddress(index: number): string {
  return `${NET.prefix}.${NET.firstHost - 1 + index}`;
}

/** `mixed` alternates, starting with amzn2: lab01 amzn2, lab02 amzn1, … */
export function flavourOf(os: Flavour | 'mixed', index: number): Flavour {
  if (os !== 'mixed') return os;
  return index % 2 === 1 ? 'amzn2' : 'amzn1';
}
