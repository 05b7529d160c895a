// The shape every other layer sees of an inventory. The loader in this folder produces it.
import type { Problem } from '../core/errors.js';

/** Where a value came from, for error messages: file, 1-based line and column. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface InventoryHost {
  name: string;
  /** Every group the host belongs to, ancestors included, `all` first. */
  groups: string[];
  /** Merged variables, precedence all < parent group < child group < host (host_vars last). */
  vars: Record<string, unknown>;
  /**
   * Where the winning value at `path` (e.g. ['awslogs_logs', 0, 'buffer_duration']) was written;
   * falls back to the nearest located ancestor, then to the inventory file.
   */
  locate(path: ReadonlyArray<string | number>): SourceLocation;
  /** Absolute folder of the inventory file: relative paths in vars (key files) resolve against it. */
  inventoryDir?: string;
}

export interface InventoryGroup {
  name: string;
  /** Direct hosts and child groups, as written. */
  hosts: string[];
  children: string[];
  vars: Record<string, unknown>;
}

export interface Inventory {
  /** Absolute path of the inventory file. */
  file: string;
  /** In Ansible's order of the group all: its own hosts, then its children's, level by level. */
  hosts: InventoryHost[];
  /** Every group, all and ungrouped included, in the order Ansible made them. */
  groups: Record<string, InventoryGroup>;
  /** Hosts and groups in the order Ansible made them (first mention), which host patterns use. */
  order?: { hosts: string[]; groups: string[] };
  /** What Ansible warns about and reads anyway (a duplicate key, an unexpected key in a group, ...). */
  warnings?: Problem[];
}

/** An inventory group that comes from EC2 instead of a list (as Ansible's aws_ec2 plugin does). */
export interface Ec2Query {
  region: string;
  /** EC2 DescribeInstances filters, e.g. `{ 'tag:Env': 'prod' }`; only running instances are taken. */
  filters: Record<string, string[]>;
  /** Which address the tool connects to. */
  address: 'private_ip' | 'public_ip' | 'private_dns';
}

/** One instance found by a query. */
export interface DiscoveredInstance {
  /** The Name tag when it is a usable host name, else the instance id. */
  name: string;
  instanceId: string;
  /** The address `query.address` asked for; undefined when the instance has none. */
  address?: string;
  /** MetadataOptions.HttpTokens: `required` means IMDSv2 only. */
  httpTokens?: 'required' | 'optional';
}

/** The port through which the loader asks EC2 (an adapter in src/clouds/aws implements it). */
export type Ec2Discovery = (query: Ec2Query) => Promise<DiscoveredInstance[]>;
