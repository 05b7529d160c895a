// Ansible's YAML inventory → hosts with merged vars, every problem reported at once.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { isMap } from 'yaml';
import type { Node } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Problem } from '../core/errors.js';
import { expandHostEntry } from './host-names.js';
import type {
  DiscoveredInstance,
  Ec2Discovery,
  Ec2Query,
  Inventory,
  InventoryGroup,
  InventoryHost,
  SourceLocation,
} from './types.js';
import {
  childNode,
  describeNode,
  isNothing,
  entriesOf,
  keyName,
  locationOf,
  pathText,
  readYamlFile,
  TO_JS_OPTIONS,
} from './yaml-file.js';
import type { YamlFile } from './yaml-file.js';

/** Where one variable's value was written. */
interface VarSource {
  yamlFile: YamlFile;
  keyNode: Node;
  valueNode: Node | null;
}

type VarLayer = Map<string, { value: unknown; source: VarSource }>;

interface GroupDraft {
  name: string;
  /** Insertion-ordered, so direct hosts keep the order written. */
  hosts: Set<string>;
  children: string[];
  parents: string[];
  vars: VarLayer;
  fileVars: VarLayer;
  priority: number;
}

interface HostDraft {
  name: string;
  declared: SourceLocation;
  directGroups: Set<string>;
  vars: VarLayer;
  fileVars: VarLayer;
}

interface Edge {
  parent: string;
  child: string;
  location: SourceLocation;
  path: string;
}

const GROUP_KEYS = ['vars', 'children', 'hosts', 'ec2'] as const;
const EC2_KEYS = ['region', 'filters', 'address'] as const;
const EC2_ADDRESSES = ['private_ip', 'public_ip', 'private_dns'] as const;
const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

export interface LoadOptions {
  /** Resolves `ec2:` groups; without it such a group is an error. */
  discover?: Ec2Discovery;
}

/** Loads an inventory; throws InputError holding every problem found. */
export async function loadInventory(file: string, options: LoadOptions = {}): Promise<Inventory> {
  const { builder, problems } = begin(file);
  await builder.discover(options.discover);
  return finish(builder, problems);
}

/** Without EC2 discovery: an `ec2:` group is reported as a problem. */
export function loadInventorySync(file: string): Inventory {
  const { builder, problems } = begin(file);
  builder.refuseDiscovery();
  return finish(builder, problems);
}

function begin(file: string): { builder: InventoryBuilder; problems: Problem[] } {
  const absolute = resolve(file);
  const problems: Problem[] = [];
  const yamlFile = readYamlFile(absolute, 'inventory file', problems);
  if (!yamlFile) throw new InputError(problems);
  const builder = new InventoryBuilder(yamlFile, problems);
  builder.parseTopLevel();
  return { builder, problems };
}

function finish(builder: InventoryBuilder, problems: Problem[]): Inventory {
  builder.reconcile();
  builder.loadVarsFiles();
  if (problems.length > 0) throw new InputError(problems);
  return builder.build();
}

interface Ec2Section {
  group: string;
  query: Ec2Query;
  keyNode: Node;
  valueNode: Node | null;
  path: string;
}

class InventoryBuilder {
  private readonly ec2Sections: Ec2Section[] = [];
  private readonly groups = new Map<string, GroupDraft>();
  private readonly hosts = new Map<string, HostDraft>();
  private readonly edges: Edge[] = [];
  private readonly depth = new Map<string, number>();

  constructor(
    private readonly yamlFile: YamlFile,
    private readonly problems: Problem[],
  ) {}

  private get file(): string {
    return this.yamlFile.file;
  }

  private problem(node: Node | null | undefined, path: string, rule: string, expected?: string, found?: string) {
    const problem: Problem = { ...locationOf(this.yamlFile, node), path, rule };
    if (expected !== undefined) problem.expected = expected;
    if (found !== undefined) problem.found = found;
    this.problems.push(problem);
  }

  parseTopLevel(): void {
    const root = this.yamlFile.doc.contents as Node | null;
    if (isNothing(root) || (isMap(root) && root.items.length === 0)) {
      this.problems.push({ file: this.file, rule: 'the inventory is empty', expected: 'a map of groups, e.g. all:' });
      return;
    }
    if (!isMap(root)) {
      this.problem(
        root,
        '',
        'the inventory must be a map of groups',
        'a map such as all: {hosts: ...}',
        describeNode(root),
      );
      return;
    }
    for (const entry of entriesOf(this.yamlFile, root)) {
      const name = keyName(entry.key);
      if (name === undefined || name === '') {
        this.problem(entry.keyNode, '', 'a group name must be a non-empty string', 'a group name', String(entry.key));
        continue;
      }
      this.parseGroup(name, entry.valueNode, name);
    }
  }

  private group(name: string): GroupDraft {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, hosts: new Set(), children: [], parents: [], vars: new Map(), fileVars: new Map(), priority: 1 };
      this.groups.set(name, group);
    }
    return group;
  }

  // Sections are read in the order written, so hosts keep the order they first appear in the file.
  private parseGroup(name: string, node: Node | null, path: string): void {
    const group = this.group(name);
    if (isNothing(node)) return;
    if (!isMap(node)) {
      this.problem(node, path, `group ${name} must be a map`, 'a map with hosts, children or vars', describeNode(node));
      return;
    }
    for (const entry of entriesOf(this.yamlFile, node)) {
      const key = keyName(entry.key);
      if (key === undefined || !(GROUP_KEYS as readonly string[]).includes(key)) {
        this.problem(
          entry.keyNode,
          `${path}.${String(key ?? entry.key)}`,
          `unknown key in group ${name}`,
          'hosts, children, vars or ec2',
          String(key ?? entry.key),
        );
        continue;
      }
      const sectionPath = `${path}.${key}`;
      if (key === 'ec2') this.parseEc2(group, entry.keyNode, entry.valueNode, sectionPath);
      else if (key === 'vars') this.parseGroupVars(group, entry.valueNode, sectionPath);
      else if (key === 'children') this.parseChildren(group, entry.valueNode, sectionPath);
      else this.parseHosts(group, entry.valueNode, sectionPath);
    }
  }

  private parseEc2(group: GroupDraft, keyNode: Node, node: Node | null, path: string): void {
    if (!isMap(node)) {
      this.problem(node ?? keyNode, path, `ec2 of group ${group.name} must be a map`, '{region, filters, address}');
      return;
    }
    const value = node.toJSON() as Record<string, unknown>;
    for (const key of Object.keys(value)) {
      if (!(EC2_KEYS as readonly string[]).includes(key)) {
        this.problem(node, `${path}.${key}`, `unknown key in ec2 of group ${group.name}`, EC2_KEYS.join(', '), key);
      }
    }
    const region = value.region;
    if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
      this.problem(
        node,
        `${path}.region`,
        'ec2.region must be a region name',
        'e.g. ap-northeast-2',
        JSON.stringify(region),
      );
    }
    const address = value.address ?? 'private_ip';
    if (!(EC2_ADDRESSES as readonly unknown[]).includes(address)) {
      this.problem(
        node,
        `${path}.address`,
        'ec2.address names the address to connect to',
        EC2_ADDRESSES.join(' | '),
        JSON.stringify(address),
      );
    }
    const filters: Record<string, string[]> = {};
    const rawFilters = value.filters ?? {};
    if (rawFilters === null || typeof rawFilters !== 'object' || Array.isArray(rawFilters)) {
      this.problem(
        node,
        `${path}.filters`,
        'ec2.filters must be a map of filter names to values',
        "{'tag:Env': prod}",
        JSON.stringify(rawFilters),
      );
    } else {
      for (const [name, v] of Object.entries(rawFilters as Record<string, unknown>)) {
        const values = Array.isArray(v) ? v : [v];
        if (values.length === 0 || !values.every((x) => typeof x === 'string' || typeof x === 'number')) {
          this.problem(
            node,
            `${path}.filters.${name}`,
            'a filter takes a string or a list of strings',
            'e.g. prod',
            JSON.stringify(v),
          );
          continue;
        }
        filters[name] = values.map(String);
      }
    }
    this.ec2Sections.push({
      group: group.name,
      query: { region: String(region), filters, address: address as Ec2Query['address'] },
      keyNode,
      valueNode: node,
      path,
    });
  }

  /** Asks EC2 for the instances of every `ec2:` group and adds them as that group's hosts. */
  async discover(discover: Ec2Discovery | undefined): Promise<void> {
    if (this.ec2Sections.length === 0 || this.problems.length > 0) return;
    if (!discover) return this.refuseDiscovery();
    for (const section of this.ec2Sections) {
      let instances: DiscoveredInstance[];
      try {
        instances = await discover(section.query);
      } catch (error) {
        this.problem(section.keyNode, section.path, `EC2 discovery failed: ${(error as Error).message}`);
        continue;
      }
      const source: VarSource = { yamlFile: this.yamlFile, keyNode: section.keyNode, valueNode: section.keyNode };
      for (const instance of instances) {
        if (!instance.address) {
          this.problem(
            section.keyNode,
            section.path,
            `instance ${instance.instanceId} has no ${section.query.address}`,
          );
          continue;
        }
        const name = this.hosts.has(instance.name) ? instance.instanceId : instance.name;
        const host: HostDraft = {
          name,
          declared: locationOf(this.yamlFile, section.keyNode),
          directGroups: new Set([section.group]),
          vars: new Map(),
          fileVars: new Map(),
        };
        host.vars.set('ansible_host', { value: instance.address, source });
        host.vars.set('instance_id', { value: instance.instanceId, source });
        if (instance.httpTokens)
          host.vars.set('ec2_imdsv2_required', { value: instance.httpTokens === 'required', source });
        this.hosts.set(name, host);
        this.group(section.group).hosts.add(name);
      }
    }
  }

  refuseDiscovery(): void {
    for (const section of this.ec2Sections) {
      this.problem(section.keyNode, section.path, 'an ec2: group needs EC2 discovery, which this command does not do');
    }
  }

  private parseGroupVars(group: GroupDraft, node: Node | null, path: string): void {
    readVars(this.yamlFile, node, path, this.problems, group.vars);
    const priority = group.vars.get('ansible_group_priority');
    if (priority === undefined) return;
    // As in Ansible, the priority orders the group among its siblings and is not itself a variable.
    group.vars.delete('ansible_group_priority');
    if (typeof priority.value === 'number' && Number.isInteger(priority.value)) {
      group.priority = priority.value;
    } else {
      this.problem(
        priority.source.valueNode ?? priority.source.keyNode,
        `${path}.ansible_group_priority`,
        'ansible_group_priority must be an integer',
        'an integer',
        JSON.stringify(priority.value),
      );
    }
  }

  private parseChildren(group: GroupDraft, node: Node | null, path: string): void {
    if (isNothing(node)) return;
    if (!isMap(node)) {
      this.problem(
        node,
        path,
        `children of group ${group.name} must be a map`,
        'a map of group names',
        describeNode(node),
      );
      return;
    }
    for (const entry of entriesOf(this.yamlFile, node)) {
      const child = keyName(entry.key);
      if (child === undefined || child === '') {
        this.problem(entry.keyNode, path, 'a group name must be a non-empty string', 'a group name', String(entry.key));
        continue;
      }
      const childPath = `${path}.${child}`;
      this.edges.push({
        parent: group.name,
        child,
        location: locationOf(this.yamlFile, entry.keyNode),
        path: childPath,
      });
      if (!group.children.includes(child)) group.children.push(child);
      this.parseGroup(child, entry.valueNode, childPath);
    }
  }

  private parseHosts(group: GroupDraft, node: Node | null, path: string): void {
    if (isNothing(node)) return;
    if (!isMap(node)) {
      this.problem(
        node,
        path,
        `hosts of group ${group.name} must be a map`,
        'a map of host names, each with nothing or a map of vars',
        describeNode(node),
      );
      return;
    }
    for (const entry of entriesOf(this.yamlFile, node)) {
      const written = keyName(entry.key);
      if (written === undefined || written === '') {
        this.problem(entry.keyNode, path, 'a host name must be a non-empty string', 'a host name', String(entry.key));
        continue;
      }
      const hostPath = `${path}.${written}`;
      let expanded;
      try {
        expanded = expandHostEntry(written);
      } catch (error) {
        this.problem(entry.keyNode, hostPath, (error as Error).message, undefined, written);
        continue;
      }
      const value = entry.valueNode;
      if (!isNothing(value) && !isMap(value)) {
        this.problem(
          value,
          hostPath,
          `host ${written} must have nothing or a map of vars`,
          'a map of vars',
          describeNode(value),
        );
        continue;
      }
      for (const name of expanded.names) {
        let host = this.hosts.get(name);
        if (!host) {
          host = {
            name,
            declared: locationOf(this.yamlFile, entry.keyNode),
            directGroups: new Set(),
            vars: new Map(),
            fileVars: new Map(),
          };
          this.hosts.set(name, host);
        }
        group.hosts.add(name);
        host.directGroups.add(group.name);
        if (expanded.port !== undefined) {
          host.vars.set('ansible_port', {
            value: expanded.port,
            source: { yamlFile: this.yamlFile, keyNode: entry.keyNode, valueNode: entry.keyNode },
          });
        }
        readVars(this.yamlFile, value, hostPath, this.problems, host.vars);
      }
    }
  }

  /** Breaks cycles (reporting them), hangs parentless groups under all, puts lone hosts in ungrouped. */
  reconcile(): void {
    this.group('all');
    this.group('ungrouped');
    const children = new Map<string, Edge[]>();
    for (const edge of this.edges) {
      if (edge.child === 'all') {
        this.problems.push({
          ...edge.location,
          path: edge.path,
          rule: `group all cannot be a child of ${edge.parent}: it is the ancestor of every group`,
          found: `all under ${edge.parent}`,
        });
        continue;
      }
      const list = children.get(edge.parent) ?? [];
      list.push(edge);
      children.set(edge.parent, list);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const kept: Edge[] = [];
    const visit = (name: string): void => {
      state.set(name, 'visiting');
      stack.push(name);
      for (const edge of children.get(name) ?? []) {
        const seen = state.get(edge.child);
        if (seen === 'visiting') {
          const cycle = [...stack.slice(stack.indexOf(edge.child)), edge.child].join(' → ');
          this.problems.push({
            ...edge.location,
            path: edge.path,
            rule: `group ${edge.child} is its own ancestor`,
            expected: 'groups without cycles',
            found: cycle,
          });
          continue;
        }
        kept.push(edge);
        if (seen === undefined) visit(edge.child);
      }
      stack.pop();
      state.set(name, 'done');
    };
    visit('all');
    for (const name of this.groups.keys()) if (!state.has(name)) visit(name);

    for (const group of this.groups.values()) {
      group.children = [];
      group.parents = [];
    }
    for (const edge of kept) this.link(edge.parent, edge.child);
    for (const group of [...this.groups.values()]) {
      if (group.name !== 'all' && group.parents.length === 0) this.link('all', group.name);
    }
    const ungrouped = this.group('ungrouped');
    for (const host of this.hosts.values()) {
      const inSomeGroup = [...host.directGroups].some((name) => name !== 'all' && name !== 'ungrouped');
      if (inSomeGroup) {
        ungrouped.hosts.delete(host.name);
        host.directGroups.delete('ungrouped');
      } else {
        ungrouped.hosts.add(host.name);
        host.directGroups.add('ungrouped');
      }
    }
    this.computeDepths();
  }

  private link(parent: string, child: string): void {
    const parentGroup = this.group(parent);
    const childGroup = this.group(child);
    if (!parentGroup.children.includes(child)) parentGroup.children.push(child);
    if (!childGroup.parents.includes(parent)) childGroup.parents.push(parent);
  }

  /** Depth = longest path from all, as Ansible computes it. */
  private computeDepths(): void {
    const depthOf = (name: string): number => {
      const known = this.depth.get(name);
      if (known !== undefined) return known;
      const parents = this.groups.get(name)?.parents ?? [];
      const value = parents.length === 0 ? 0 : Math.max(...parents.map((parent) => depthOf(parent) + 1));
      this.depth.set(name, value);
      return value;
    };
    for (const name of this.groups.keys()) depthOf(name);
  }

  loadVarsFiles(): void {
    const groupVars = join(dirname(this.file), 'group_vars');
    const hostVars = join(dirname(this.file), 'host_vars');
    if (existsSync(groupVars)) {
      for (const group of this.groups.values()) {
        for (const file of varsFilesFor(groupVars, group.name)) readVarsFile(file, this.problems, group.fileVars);
      }
    }
    if (existsSync(hostVars)) {
      for (const host of this.hosts.values()) {
        for (const file of varsFilesFor(hostVars, host.name)) readVarsFile(file, this.problems, host.fileVars);
      }
    }
  }

  /** Groups in Ansible's merge order: by depth, then ansible_group_priority, then name. */
  private sorted(names: Iterable<string>): GroupDraft[] {
    return [...names]
      .map((name) => this.group(name))
      .sort(
        (a, b) =>
          (this.depth.get(a.name) ?? 0) - (this.depth.get(b.name) ?? 0) ||
          a.priority - b.priority ||
          (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      );
  }

  private groupsOf(host: HostDraft): string[] {
    const found = new Set<string>(['all']);
    const climb = (name: string): void => {
      if (found.has(name)) return;
      found.add(name);
      for (const parent of this.groups.get(name)?.parents ?? []) climb(parent);
    };
    for (const group of host.directGroups) climb(group);
    return [...found];
  }

  build(): Inventory {
    const inventoryDir = dirname(this.file);
    const hosts: InventoryHost[] = [];
    for (const draft of this.hosts.values()) {
      const groups = this.sorted(this.groupsOf(draft));
      // Ansible's variable precedence: inventory-file group vars, then group_vars files, then inventory-file
      // host vars, then host_vars files; each a top-level key replace (hash_behaviour=replace).
      const layers: VarLayer[] = [
        ...groups.map((group) => group.vars),
        ...groups.map((group) => group.fileVars),
        draft.vars,
        draft.fileVars,
      ];
      const winners = new Map<string, { value: unknown; source: VarSource }>();
      for (const layer of layers) for (const [key, entry] of layer) winners.set(key, entry);
      const vars: Record<string, unknown> = {};
      for (const [key, entry] of winners) vars[key] = structuredClone(entry.value);
      hosts.push({
        name: draft.name,
        groups: groups.map((group) => group.name),
        vars,
        inventoryDir,
        locate: (path) => locate(winners, draft.declared, path),
      });
    }
    const groups: Record<string, InventoryGroup> = {};
    for (const draft of this.groups.values()) {
      const vars: Record<string, unknown> = {};
      for (const layer of [draft.vars, draft.fileVars]) {
        for (const [key, entry] of layer) vars[key] = structuredClone(entry.value);
      }
      groups[draft.name] = { name: draft.name, hosts: [...draft.hosts], children: [...draft.children], vars };
    }
    return { file: this.file, hosts, groups };
  }
}

function locate(
  winners: Map<string, { source: VarSource }>,
  declared: SourceLocation,
  path: ReadonlyArray<string | number>,
): SourceLocation {
  const [first, ...rest] = path;
  const winner = first === undefined ? undefined : winners.get(String(first));
  if (!winner) return declared;
  const { yamlFile, keyNode, valueNode } = winner.source;
  let best = valueNode ?? keyNode;
  let node: Node | null = valueNode;
  for (const segment of rest) {
    if (node === null) break;
    const next = childNode(yamlFile, node, segment);
    if (!next) break;
    best = next;
    node = next;
  }
  return locationOf(yamlFile, best);
}

/** Reads a vars map into `into`, later keys replacing earlier ones. */
function readVars(yamlFile: YamlFile, node: Node | null, path: string, problems: Problem[], into: VarLayer): void {
  if (isNothing(node)) return;
  if (!isMap(node)) {
    problems.push({
      ...locationOf(yamlFile, node),
      path,
      rule: 'vars must be a map',
      expected: 'a map of variable names to values',
      found: describeNode(node),
    });
    return;
  }
  for (const entry of entriesOf(yamlFile, node)) {
    const name = keyName(entry.key);
    if (name === undefined || name === '') {
      problems.push({
        ...locationOf(yamlFile, entry.keyNode),
        path,
        rule: 'a variable name must be a non-empty string',
        found: String(entry.key),
      });
      continue;
    }
    const value = isNothing(entry.valueNode) ? null : entry.valueNode?.toJS(yamlFile.doc, TO_JS_OPTIONS);
    into.set(name, { value, source: { yamlFile, keyNode: entry.keyNode, valueNode: entry.valueNode } });
  }
}

function readVarsFile(file: string, problems: Problem[], into: VarLayer): void {
  const yamlFile = readYamlFile(file, 'vars file', problems);
  if (!yamlFile) return;
  const root = yamlFile.doc.contents as Node | null;
  readVars(yamlFile, root, pathText([]), problems, into);
}

/**
 * The vars files of an entity, as Ansible's host_group_vars plugin finds them: the first of NAME (a folder, or a
 * file without extension), NAME.yml, NAME.yaml, NAME.json; a folder's YAML/JSON files, recursively, in lexical order.
 */
function varsFilesFor(dir: string, name: string): string[] {
  // A name is a file name here, never a path that could leave the folder.
  if (/[/\\\0]/.test(name) || name === '.' || name === '..') return [];
  for (const candidate of [name, ...VARS_EXTENSIONS.map((ext) => name + ext)]) {
    const path = join(dir, candidate);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      continue;
    }
    return stats.isDirectory() ? varsFilesIn(path) : [path];
  }
  return [];
}

function varsFilesIn(dir: string, depth = 0): string[] {
  if (depth > 16) return [];
  const names = readdirSync(dir)
    .filter((name) => !name.startsWith('.') && !name.endsWith('~'))
    .sort();
  const files: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...varsFilesIn(path, depth + 1));
    else if (VARS_EXTENSIONS.includes(extname(name))) files.push(path);
  }
  return files;
}
