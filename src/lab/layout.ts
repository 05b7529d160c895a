// Where the lab lives: its fixed names on the machine, its state folder and the files it writes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Flavour = 'amzn1' | 'amzn2' | 'amzn2023';
export const FLAVOURS: readonly Flavour[] = ['amzn1', 'amzn2', 'amzn2023'];
/** Hosts that boot systemd (the others run the lab's SysV init). */
export const SYSTEMD_FLAVOURS: readonly Flavour[] = ['amzn2', 'amzn2023'];

/** The repository this module belongs to (dist/src/lab/ → three levels up). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Shell scripts and package payloads ship as source, beside the TypeScript. */
export const LAB_SOURCE = path.join(REPO_ROOT, 'src', 'lab');

/**
 * Several labs can live side by side on one machine (one per checkout or CI job): AWSLOGS_LAB_SLOT=0..9
 * picks the names and the subnet; slot 0 is the default.
 */
export const LAB_SLOT = labSlot(process.env.AWSLOGS_LAB_SLOT);

function labSlot(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d$/.test(value)) throw new Error(`AWSLOGS_LAB_SLOT must be a digit 0-9, got ${JSON.stringify(value)}`);
  return Number(value);
}

const slotTag = LAB_SLOT === 0 ? '' : String(LAB_SLOT);

/** Machine-wide names of this slot's lab. */
export const NET = {
  bridge: `awslab${LAB_SLOT}`,
  /** 10.213.7.0/24 for slot 0 (10.213.(7+slot).0/24 otherwise): bridge .1, hosts .11 upwards. */
  prefix: `10.213.${7 + LAB_SLOT}`,
  prefixLength: 24,
  firstHost: 11,
  maxHosts: 200,
  netnsPrefix: `awslab${slotTag}-`,
  vethPrefix: `awslab${slotTag}-v`,
} as const;

export const CGROUP_V2_MOUNTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'] as const;
export const CGROUP_PARENT = `awslab${slotTag}`;

/** The lab's AWS endpoint as the tool and the hosts reach it: SSM Run Command there, the rest forwarded to moto. */
export const AWS_PORT = 5000;
/** moto itself, behind that endpoint. */
export const MOTO_PORT = 5001;
export const AWS_REGION = 'ap-northeast-2';

export function bridgeAddress(): string {
  return `${NET.prefix}.1`;
}

export function endpointUrl(): string {
  return `http://${bridgeAddress()}:${AWS_PORT}`;
}

export function motoUrl(): string {
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
  /** The same fleet as `ec2:` groups, discovered from the lab's EC2 (moto). */
  ec2Inventory: string;
  /** The same fleet over SSM Run Command (`ansible_connection: aws_ssm`). */
  ssmInventory: string;
}

export function labPaths(repo = REPO_ROOT): Paths {
  // Each slot keeps its own state and inventory, so labs side by side never share a file.
  const stateDir = path.join(repo, `.lab${slotTag}`);
  return {
    stateDir,
    stateFile: path.join(stateDir, 'state.json'),
    lockFile: path.join(stateDir, 'lock'),
    hostsDir: path.join(stateDir, 'hosts'),
    key: path.join(stateDir, 'ssh', 'id_ed25519'),
    knownHosts: path.join(stateDir, 'ssh', 'known_hosts'),
    inventory: path.join(repo, 'inventories', `lab${slotTag}.yml`),
    ec2Inventory: path.join(repo, 'inventories', `lab${slotTag}-ec2.yml`),
    ssmInventory: path.join(repo, 'inventories', `lab${slotTag}-ssm.yml`),
  };
}

export function hostName(index: number): string {
  return `lab${String(index).padStart(2, '0')}`;
}

export function hostAddress(index: number): string {
  return `${NET.prefix}.${NET.firstHost - 1 + index}`;
}

/**
 * `mixed` covers the three flavours in a cycle of four: lab01 amzn2, lab02 amzn1, lab03 amzn2, lab04 amzn2023,
 * lab05 amzn2, … (so a mixed lab of up to three hosts stays awslogs-only, as it was before amzn2023).
 */
export function flavourOf(os: Flavour | 'mixed', index: number): Flavour {
  if (os !== 'mixed') return os;
  const cycle: Flavour[] = ['amzn2023', 'amzn2', 'amzn1', 'amzn2'];
  return cycle[index % 4]!;
}
