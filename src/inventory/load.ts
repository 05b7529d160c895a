// Ansible's YAML inventory → hosts with merged vars, read as ansible-core 2.14's yaml inventory plugin reads it
// (plugins/inventory/yaml.py, inventory/data.py, inventory/group.py), every problem reported at once. Where the
// tool reads an inventory differently from Ansible on purpose, src/inventory/ansible-differences.ts says so.
import { dirname, resolve } from 'node:path';
import { isMap } from 'yaml';
import type { Node } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Problem } from '../core/errors.js';
import { InventoryTooLarge, MAX_GROUP_DEPTH, MAX_GROUPS, MAX_HOSTS } from './caps.js';
import { hostsOfGroup } from './group-hosts.js';
import { expandHostEntry, HostBudgetError, HostEntryError } from './host-names.js';
import type { HostBudget } from './host-names.js';
import type { Edge } from './group-graph.js';
import { CONTROL_CHARACTER_RULE, escapeControlCharacters, hasControlCharacter } from './names.js';
import type {
  DiscoveredInstance,
  Ec2Discovery,
  Ec2Query,
  Inventory,
  InventoryGroup,
  InventoryHost,
  SourceLocation,
} from './types.js';
import { readEc2Section } from './ec2-section.js';
import { checkGroupGraph, groupDepths } from './group-graph.js';
import { VarsFolder } from './vars-files.js';
import { isFalsy, locate, readVars, readVarsFile, VarLayer, varsOf } from './vars.js';
import type { VarEntry, VarSource } from './vars.js';
import { describeNode, entriesOf, isNothing, locationOf, readYamlFile, stringKey, stringValue } from './yaml-file.js';
import type { Entry, Findings, YamlFile } from './yaml-file.js';

interface GroupDraft {
  name: string;
  declared: SourceLocation;
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

const SECTIONS = ['vars', 'children', 'hosts'] as const;

export interface LoadOptions {
  /** Resolves `ec2:` groups; without it such a group is an error. */
  discover?: Ec2Discovery;
}

/** Loads an inventory; throws InputError holding every problem found. */
export async function loadInventory(file: string, options: LoadOptions = {}): Promise<Inventory> {
  const { builder, findings } = begin(file);
  await builder.discover(options.discover);
  return finish(builder, findings);
}

/** Without EC2 discovery: an `ec2:` group is reported as a problem. */
export function loadInventorySync(file: string): Inventory {
  const { builder, findings } = begin(file);
  builder.refuseDiscovery();
  return finish(builder, findings);
}

function begin(file: string): { builder: InventoryBuilder; findings: Findings } {
  const absolute = resolve(file);
  const findings: Findings = { problems: [], warnings: [] };
  const yamlFile = readYamlFile(absolute, 'inventory file', findings);
  if (!yamlFile) throw new InputError(findings.problems);
  const builder = new InventoryBuilder(yamlFile, findings);
  builder.guarded(() => builder.parseTopLevel());
  return { builder, findings };
}

function finish(builder: InventoryBuilder, findings: Findings): Inventory {
  builder.guarded(() => builder.reconcile());
  if (!builder.capped) builder.loadVarsFiles();
  if (findings.problems.length > 0) throw new InputError(findings.problems);
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
  private readonly budget: HostBudget = { remaining: MAX_HOSTS };
  private readonly problems: Problem[];
  private readonly warnings: Problem[];

  constructor(
    private readonly yamlFile: YamlFile,
    private readonly findings: Findings,
  ) {
    this.problems = findings.problems;
    this.warnings = findings.warnings;
    // As InventoryData starts: all, then ungrouped as its first child.
    const origin = { file: yamlFile.file };
    this.group('all', origin);
    this.group('ungrouped', origin);
    this.link('all', 'ungrouped');
  }

  private get file(): string {
    return this.yamlFile.file;
  }

  /** A cap was reached: nothing more is read. */
  capped = false;

  /** Runs a step unless a cap was reached; a cap reached stops it with its one problem. */
  guarded(step: () => void): void {
    if (this.capped) return;
    try {
      step();
    } catch (error) {
      if (!(error instanceof InventoryTooLarge)) throw error;
      this.problems.push(error.problem);
      this.capped = true;
    }
  }

  private problem(node: Node | null | undefined, path: string, rule: string, expected?: string, found?: string) {
    const problem: Problem = { ...locationOf(this.yamlFile, node), path, rule };
    if (expected !== undefined) problem.expected = expected;
    if (found !== undefined) problem.found = found;
    this.problems.push(problem);
  }

  private warn(node: Node | null | undefined, path: string, rule: string) {
    this.warnings.push({ ...locationOf(this.yamlFile, node), path, rule });
  }

  parseTopLevel(): void {
    const root = this.yamlFile.doc.contents as Node | null;
    if (isFalsy(root)) {
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
    const entries = entriesOf(this.yamlFile, root);
    const plugin = entries.find((entry) => entry.key === 'plugin');
    if (plugin && !isFalsy(plugin.valueNode)) {
      this.problem(
        plugin.keyNode,
        'plugin',
        'this is an inventory plugin configuration, not a YAML inventory (Ansible refuses it as an inventory too)',
      );
      return;
    }
    for (const entry of entries) this.parseGroup(entry, '', 0);
  }

  private group(name: string, declared: SourceLocation): GroupDraft {
    let group = this.groups.get(name);
    if (!group) {
      if (this.groups.size >= MAX_GROUPS) {
        throw new InventoryTooLarge({
          ...declared,
          rule: `the inventory has more than ${MAX_GROUPS} groups`,
          expected: `at most ${MAX_GROUPS} groups`,
        });
      }
      group = {
        name,
        declared,
        hosts: new Set(),
        children: [],
        parents: [],
        vars: new VarLayer(),
        fileVars: new VarLayer(),
        priority: 1,
      };
      this.groups.set(name, group);
    }
    return group;
  }

  /**
   * One group entry, as Ansible's _parse_group reads it. Returns the group's name, even when Ansible skips a
   * definition that is not a map (its parent then links whatever group or host has that name), or undefined when
   * the entry is refused.
   */
  private parseGroup(entry: Entry, parentPath: string, depth: number): string | undefined {
    const written = stringKey(entry);
    const shown = written ?? String(entry.key);
    const path = parentPath ? `${parentPath}.${shown}` : shown;
    const node = entry.valueNode;
    if (!isNothing(node) && !isMap(node)) {
      this.warn(entry.keyNode, path, `skipping '${shown}': not a valid group definition (not a map), as Ansible does`);
      return written ?? shown;
    }
    if (written === undefined || written === '') {
      this.problem(
        entry.keyNode,
        path,
        'a group name must be a non-empty string (Ansible refuses numbers, booleans and dates too)',
        'a group name',
        shown,
      );
      return undefined;
    }
    if (hasControlCharacter(written)) {
      this.problem(entry.keyNode, path, CONTROL_CHARACTER_RULE, undefined, escapeControlCharacters(written));
      return undefined;
    }
    if (depth > MAX_GROUP_DEPTH) {
      throw new InventoryTooLarge({
        ...locationOf(this.yamlFile, entry.keyNode),
        path,
        rule: `groups are nested more than ${MAX_GROUP_DEPTH} deep`,
        expected: `at most ${MAX_GROUP_DEPTH} levels of children`,
      });
    }
    const group = this.group(written, locationOf(this.yamlFile, entry.keyNode));
    if (isNothing(node) || !isMap(node)) return written;
    const entries = entriesOf(this.yamlFile, node);
    // Ansible first checks every section: a string is one name, anything but a map or nothing is refused.
    const sections = new Map<string, Node | null>();
    for (const section of entries) {
      const key = stringKey(section);
      if (key === undefined || !(SECTIONS as readonly string[]).includes(key)) continue;
      const value = section.valueNode;
      if (isNothing(value) || isMap(value) || stringValue(value) !== undefined) {
        sections.set(key, value);
        continue;
      }
      this.problem(
        value,
        `${path}.${key}`,
        `${key} of group ${written} must be a map`,
        key === 'vars' ? 'a map of variable names to values' : `a map of ${key === 'hosts' ? 'host' : 'group'} names`,
        describeNode(value),
      );
      sections.set(key, null);
    }
    for (const section of entries) {
      const key = stringKey(section);
      const name = key ?? String(section.key);
      const sectionPath = `${path}.${name}`;
      const value = section.valueNode;
      if (key !== undefined && sections.has(key)) {
        const checked = sections.get(key) ?? null;
        if (checked === null || isNothing(checked)) continue;
        if (key === 'vars') this.parseGroupVars(group, checked, sectionPath);
        else if (key === 'children') this.parseChildren(group, checked, sectionPath, depth);
        else this.parseHosts(group, checked, sectionPath);
      } else if (key === 'ec2') {
        // The tool's own section (Ansible would skip it with a warning): refused when malformed.
        if (isMap(value)) this.parseEc2(group, section.keyNode, value, sectionPath);
        else this.problem(value ?? section.keyNode, sectionPath, `ec2 of group ${written} must be a map`);
      } else if (isMap(value)) {
        this.warn(
          section.keyNode,
          sectionPath,
          `skipping unexpected key (${name}) in group (${written}): only vars, children and hosts are valid, as in Ansible`,
        );
      } else if (!isNothing(value)) {
        this.warn(
          section.keyNode,
          sectionPath,
          `skipping key (${name}) in group (${written}): it is ${describeNode(value)}, not a map, as Ansible does`,
        );
      }
    }
    return written;
  }

  /** A string section (`hosts: web1`) is one name with nothing under it, as Ansible reads it. */
  private sectionEntries(node: Node): Entry[] {
    if (isMap(node)) return entriesOf(this.yamlFile, node);
    return [{ key: stringValue(node), keyNode: node, valueNode: null }];
  }

  private parseEc2(group: GroupDraft, keyNode: Node, node: Node, path: string): void {
    const query = readEc2Section(node.toJSON() as Record<string, unknown>, group.name, (at, rule, expected, found) =>
      this.problem(node, at ? `${path}.${at}` : path, rule, expected, found),
    );
    this.ec2Sections.push({ group: group.name, query, keyNode, valueNode: node, path });
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
        if (this.budget.remaining < 1) {
          this.problem(section.keyNode, section.path, `the inventory has more than ${MAX_HOSTS} hosts`);
          return;
        }
        this.budget.remaining--;
        // A Name tag that is taken (by a host or a group) or unprintable gives way to the instance id.
        const taken = (name: string) => this.hosts.has(name) || this.groups.has(name) || hasControlCharacter(name);
        const name = taken(instance.name) ? instance.instanceId : instance.name;
        if (taken(name)) {
          this.problem(section.keyNode, section.path, `instance ${JSON.stringify(name)} is already a host or a group`);
          continue;
        }
        const host: HostDraft = {
          name,
          declared: locationOf(this.yamlFile, section.keyNode),
          directGroups: new Set([section.group]),
          vars: new VarLayer(),
          fileVars: new VarLayer(),
        };
        host.vars.set('ansible_host', instance.address, source);
        host.vars.set('instance_id', instance.instanceId, source);
        if (instance.httpTokens) host.vars.set('ec2_imdsv2_required', instance.httpTokens === 'required', source);
        this.hosts.set(name, host);
        this.groups.get(section.group)?.hosts.add(name);
      }
    }
  }

  refuseDiscovery(): void {
    for (const section of this.ec2Sections) {
      this.problem(section.keyNode, section.path, 'an ec2: group needs EC2 discovery, which this command does not do');
    }
  }

  private parseGroupVars(group: GroupDraft, node: Node, path: string): void {
    readVars(this.yamlFile, this.sectionEntries(node), path, this.problems, group.vars);
    const priority = group.vars.get('ansible_group_priority');
    if (priority === undefined) return;
    // As in Ansible, the priority orders the group among its siblings and is not itself a variable; Python's
    // int() reads it: "10" and 10.7 are 10, true is 1.
    group.vars.delete('ansible_group_priority');
    const value = pythonIntOf(priority.value);
    if (value !== undefined) group.priority = value;
    else {
      this.problem(
        priority.source.valueNode ?? priority.source.keyNode,
        `${path}.ansible_group_priority`,
        'ansible_group_priority must be an integer (Ansible reads it with int() and fails too)',
        'an integer, or a string or float int() reads',
        JSON.stringify(priority.value) ?? String(priority.value),
      );
    }
  }

  private parseChildren(group: GroupDraft, node: Node, path: string, depth: number): void {
    for (const entry of this.sectionEntries(node)) {
      const child = this.parseGroup(entry, path, depth + 1);
      if (child === undefined) continue;
      const childPath = `${path}.${child}`;
      if (!this.groups.has(child)) {
        // Ansible links a skipped definition to a group or a host of that name made earlier, else fails.
        const host = this.hosts.get(child);
        if (host) {
          group.hosts.add(child);
          host.directGroups.add(group.name);
        } else {
          this.problem(
            entry.keyNode,
            childPath,
            `${child} is not a known group or host (its definition is not a map, and none of that name came before)`,
          );
        }
        continue;
      }
      this.edges.push({
        parent: group.name,
        child,
        location: locationOf(this.yamlFile, entry.keyNode),
        path: childPath,
      });
    }
  }

  private parseHosts(group: GroupDraft, node: Node, path: string): void {
    for (const entry of this.sectionEntries(node)) {
      const written = stringKey(entry);
      const shown = written ?? String(entry.key);
      const hostPath = `${path}.${shown}`;
      if (written === undefined) {
        this.problem(
          entry.keyNode,
          hostPath,
          'a host name must be a string (Ansible refuses numbers, booleans and dates too: quote them)',
          'a host name',
          shown,
        );
        continue;
      }
      if (hasControlCharacter(written)) {
        this.problem(entry.keyNode, path, CONTROL_CHARACTER_RULE, undefined, escapeControlCharacters(written));
        continue;
      }
      let expanded;
      try {
        expanded = expandHostEntry(written, this.budget);
      } catch (error) {
        if (error instanceof HostBudgetError) {
          throw new InventoryTooLarge({
            ...locationOf(this.yamlFile, entry.keyNode),
            path: hostPath,
            rule: `the inventory expands to more than ${MAX_HOSTS} host names (counted over every entry)`,
            expected: `at most ${MAX_HOSTS} host names after range expansion`,
            found: `${MAX_HOSTS - this.budget.remaining} before this entry, which adds ${error.wanted}`,
          });
        }
        if (!(error instanceof HostEntryError)) throw error;
        this.problem(entry.keyNode, hostPath, error.message, undefined, written);
        continue;
      }
      if (expanded.names.includes('')) {
        this.problem(entry.keyNode, hostPath, 'a host name must not be empty', 'a host name', JSON.stringify(written));
        continue;
      }
      if (expanded.names.length === 0) {
        this.warn(entry.keyNode, hostPath, `${written} expands to no host (a range whose end is before its begin)`);
      }
      const value = entry.valueNode;
      if (!isFalsy(value) && !isMap(value)) {
        this.problem(
          value,
          hostPath,
          `host ${written} must have nothing or a map of vars`,
          'a map of vars',
          describeNode(value),
        );
        continue;
      }
      const vars = isMap(value) ? entriesOf(this.yamlFile, value) : [];
      const declared = locationOf(this.yamlFile, entry.keyNode);
      for (const name of expanded.names) {
        let host = this.hosts.get(name);
        if (!host) {
          host = {
            name,
            declared,
            directGroups: new Set(),
            vars: new VarLayer(),
            fileVars: new VarLayer(),
          };
          this.hosts.set(name, host);
          // The port of the entry that makes the host; a later mention's port is ignored, as in Ansible.
          if (expanded.port) {
            host.vars.set('ansible_port', expanded.port, {
              yamlFile: this.yamlFile,
              keyNode: entry.keyNode,
              valueNode: entry.keyNode,
            });
          }
        }
        group.hosts.add(name);
        host.directGroups.add(group.name);
        if (vars.length > 0) readVars(this.yamlFile, vars, hostPath, this.problems, host.vars);
      }
    }
  }

  /**
   * As Ansible's reconcile_inventory: every parentless group under all, lone hosts in ungrouped. Cycles, depth
   * and names used for both a host and a group are checked here, without recursion.
   */
  reconcile(): void {
    const graphProblems = checkGroupGraph(this.edges, ['all', ...this.groups.keys()]);
    this.problems.push(...graphProblems);
    if (graphProblems.length > 0) return;
    for (const edge of this.edges) this.link(edge.parent, edge.child);
    for (const group of [...this.groups.values()]) {
      if (group.name !== 'all' && group.parents.length === 0) this.link('all', group.name);
    }
    if (!this.computeDepths()) return;
    const ungrouped = this.groups.get('ungrouped');
    if (!ungrouped) return;
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
    for (const host of this.hosts.values()) {
      const group = this.groups.get(host.name);
      if (!group) continue;
      this.problems.push({
        ...host.declared,
        rule:
          `${host.name} is both a host and a group: Ansible warns, then gives this host's vars to the whole group ` +
          `${host.name} and reads the pattern ${host.name} as the host alone; rename one of them`,
        found: `group ${host.name} at ${[group.declared.file, group.declared.line].filter(Boolean).join(':')}`,
      });
    }
  }

  private link(parent: string, child: string): void {
    const parentGroup = this.groups.get(parent);
    const childGroup = this.groups.get(child);
    if (!parentGroup || !childGroup) return;
    if (!parentGroup.children.includes(child)) parentGroup.children.push(child);
    if (!childGroup.parents.includes(parent)) childGroup.parents.push(parent);
  }

  /** Depth = longest path from all, as Ansible computes it; past MAX_GROUP_DEPTH nothing more is built. */
  private computeDepths(): boolean {
    const { depths, tooDeep } = groupDepths(this.groups, MAX_GROUP_DEPTH);
    for (const [name, depth] of depths) this.depth.set(name, depth);
    if (!tooDeep) return true;
    this.problems.push({
      ...(this.groups.get(tooDeep.name)?.declared ?? { file: this.file }),
      rule: `groups are nested more than ${MAX_GROUP_DEPTH} deep (group ${tooDeep.name} is ${tooDeep.depth} below all)`,
      expected: `at most ${MAX_GROUP_DEPTH} levels of groups`,
    });
    return false;
  }

  /**
   * The group_vars/ and host_vars/ files, read as Ansible reads them: for a host's vars, so only those of groups
   * that hold a host (a broken file of an empty group is never read, by Ansible or the tool).
   */
  loadVarsFiles(): void {
    const base = dirname(this.file);
    const read = (files: string[], into: VarLayer) => {
      for (const file of files) readVarsFile(file, this.findings, into);
    };
    const groupVars = VarsFolder.open(base, 'group_vars');
    if (groupVars) {
      const used = new Set<string>();
      for (const host of this.hosts.values()) for (const group of this.groupsOf(host)) used.add(group);
      for (const group of this.groups.values()) {
        if (used.has(group.name)) read(groupVars.filesFor(group.name), group.fileVars);
      }
    }
    const hostVars = VarsFolder.open(base, 'host_vars');
    if (hostVars) for (const host of this.hosts.values()) read(hostVars.filesFor(host.name), host.fileVars);
  }

  /** Groups in Ansible's merge order: by depth, then ansible_group_priority, then name. */
  private sorted(names: Iterable<string>): GroupDraft[] {
    return [...names]
      .map((name) => this.groups.get(name))
      .filter((group): group is GroupDraft => group !== undefined)
      .sort(
        (a, b) =>
          (this.depth.get(a.name) ?? 0) - (this.depth.get(b.name) ?? 0) ||
          a.priority - b.priority ||
          (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      );
  }

  private groupsOf(host: HostDraft): string[] {
    const found = new Set<string>(['all']);
    const pending = [...host.directGroups];
    while (pending.length > 0) {
      const name = pending.pop() ?? '';
      if (found.has(name) && name !== 'all') continue;
      found.add(name);
      for (const parent of this.groups.get(name)?.parents ?? []) if (!found.has(parent)) pending.push(parent);
    }
    return [...found];
  }

  build(): Inventory {
    const inventoryDir = dirname(this.file);
    const shapes = new Map(
      [...this.groups.values()].map((group) => [group.name, { hosts: [...group.hosts], children: group.children }]),
    );
    const hosts: InventoryHost[] = [];
    // Hosts in the same groups share their groups' sorted list and merged vars (100,000 hosts load in seconds).
    const byGroups = new Map<string, { groups: GroupDraft[]; layers: VarLayer[]; merged?: Map<string, VarEntry> }>();
    // Ansible's order of all's hosts; a host no group reaches (only odd ungrouped nesting makes one) comes last.
    for (const name of new Set([...hostsOfGroup(shapes, 'all'), ...this.hosts.keys()])) {
      const draft = this.hosts.get(name);
      if (!draft) continue;
      const signature = [...draft.directGroups].join('\0');
      let shared = byGroups.get(signature);
      if (!shared) {
        const sorted = this.sorted(this.groupsOf(draft));
        // Ansible's variable precedence: inventory-file group vars, then group_vars files, then inventory-file
        // host vars, then host_vars files; each a top-level key replace (hash_behaviour=replace).
        shared = { groups: sorted, layers: [...sorted.map((g) => g.vars), ...sorted.map((g) => g.fileVars)] };
        byGroups.set(signature, shared);
      }
      const groups = shared.groups;
      let winners: Map<string, VarEntry>;
      if (draft.vars.size === 0 && draft.fileVars.size === 0) {
        shared.merged ??= VarLayer.merge(shared.layers);
        winners = shared.merged;
      } else winners = VarLayer.merge([...shared.layers, draft.vars, draft.fileVars]);
      hosts.push({
        name: draft.name,
        groups: groups.map((group) => group.name),
        vars: varsOf(winners.values()),
        inventoryDir,
        locate: (path) => locate(winners, draft.declared, path),
      });
    }
    const groups: Record<string, InventoryGroup> = {};
    for (const draft of this.groups.values()) {
      const vars = varsOf(VarLayer.merge([draft.vars, draft.fileVars]).values());
      groups[draft.name] = { name: draft.name, hosts: [...draft.hosts], children: [...draft.children], vars };
    }
    const order = { hosts: [...this.hosts.keys()], groups: [...this.groups.keys()] };
    return { file: this.file, hosts, groups, order, warnings: this.warnings };
  }
}

/** Python's int() of a YAML value: integers, floats truncated, booleans, and strings int() reads. */
function pythonIntOf(value: unknown): number | undefined {
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === 'string' && /^\s*[-+]?[0-9]+(?:_[0-9]+)*\s*$/.test(value)) {
    return Number(value.replace(/[\s_]/g, ''));
  }
  return undefined;
}
