// Variables as Ansible keeps them: a layer per place they are written (a group's vars in the inventory, its
// group_vars files, a host's vars, its host_vars files), keyed as a Python dict keys them, merged by replacing
// top-level keys (hash_behaviour=replace); and where the winning value was written.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { Problem } from '../core/errors.js';
import { CONTROL_CHARACTER_RULE, escapeControlCharacters, hasControlCharacter } from './names.js';
import type { SourceLocation } from './types.js';
import {
  childNode,
  describeNode,
  entriesOf,
  isNothing,
  keyIdentity,
  locationOf,
  pathText,
  readYamlFile,
  TO_JS_OPTIONS,
  varName,
} from './yaml-file.js';
import type { Entry, Findings, YamlFile } from './yaml-file.js';

/** Where one variable's value was written. */
export interface VarSource {
  yamlFile: YamlFile;
  keyNode: Node;
  valueNode: Node | null;
}

export interface VarEntry {
  /** As Ansible prints the key: the spelling of its first appearance (true, 1 and 1.0 are one key). */
  name: string;
  value: unknown;
  source: VarSource;
}

export class VarLayer {
  private readonly entries = new Map<string, VarEntry>();

  /** `key` as YAML typed it (a string, a number, a boolean, null). */
  set(key: unknown, value: unknown, source: VarSource): void {
    const identity = keyIdentity(key);
    const name = this.entries.get(identity)?.name ?? varName(key) ?? String(key);
    this.entries.set(identity, { name, value, source });
  }

  get size(): number {
    return this.entries.size;
  }

  get(name: string): VarEntry | undefined {
    return this.entries.get(keyIdentity(name));
  }

  delete(name: string): void {
    this.entries.delete(keyIdentity(name));
  }

  values(): IterableIterator<VarEntry> {
    return this.entries.values();
  }

  /** Layers merged in order: a later layer's value wins, the key keeps its first spelling (Python's dict.update). */
  static merge(layers: VarLayer[]): Map<string, VarEntry> {
    const winners = new Map<string, VarEntry>();
    for (const layer of layers) {
      for (const [identity, entry] of layer.entries) {
        const before = winners.get(identity);
        winners.set(identity, before ? { ...entry, name: before.name } : entry);
      }
    }
    return winners;
  }
}

/** The merged variables, each value a copy. */
export function varsOf(winners: Iterable<VarEntry>): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const entry of winners) vars[entry.name] = structuredClone(entry.value);
  return vars;
}

/** Reads a map's entries into `into`, later keys replacing earlier ones. */
export function readVars(
  yamlFile: YamlFile,
  entries: Entry[],
  path: string,
  problems: Problem[],
  into: VarLayer,
): void {
  for (const entry of entries) {
    const name = varName(entry.key);
    if (name === undefined) {
      problems.push({
        ...locationOf(yamlFile, entry.keyNode),
        path,
        rule: 'a variable name must be a string, a number or a boolean',
        found: describeNode(entry.keyNode),
      });
      continue;
    }
    if (hasControlCharacter(name)) {
      problems.push({
        ...locationOf(yamlFile, entry.keyNode),
        path,
        rule: CONTROL_CHARACTER_RULE,
        found: escapeControlCharacters(name),
      });
      continue;
    }
    const value = isNothing(entry.valueNode) ? null : entry.valueNode?.toJS(yamlFile.doc, TO_JS_OPTIONS);
    into.set(entry.key, value, { yamlFile, keyNode: entry.keyNode, valueNode: entry.valueNode });
  }
}

/** Python's truth: nothing, false, 0, "" and an empty list or map. */
export function isFalsy(node: Node | null | undefined): boolean {
  if (isNothing(node)) return true;
  if (isScalar(node)) return node.value === false || node.value === 0 || node.value === '';
  if (isMap(node) || isSeq(node)) return node.items.length === 0;
  return false;
}

/** A vars file as Ansible's host_group_vars reads it: an empty (falsy) file adds nothing, else it is a map. */
export function readVarsFile(file: string, findings: Findings, into: VarLayer): void {
  const yamlFile = readYamlFile(file, 'vars file', findings);
  if (!yamlFile) return;
  const root = yamlFile.doc.contents as Node | null;
  if (isFalsy(root)) return;
  if (!isMap(root)) {
    findings.problems.push({
      ...locationOf(yamlFile, root),
      path: pathText([]),
      rule: 'vars must be a map',
      expected: 'a map of variable names to values',
      found: describeNode(root),
    });
    return;
  }
  readVars(yamlFile, entriesOf(yamlFile, root), pathText([]), findings.problems, into);
}

/** Where the winning value at `path` was written; the nearest located ancestor, else where the host was declared. */
export function locate(
  winners: Map<string, VarEntry>,
  declared: SourceLocation,
  path: ReadonlyArray<string | number>,
): SourceLocation {
  const [first, ...rest] = path;
  const winner = first === undefined ? undefined : [...winners.values()].find((entry) => entry.name === String(first));
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
