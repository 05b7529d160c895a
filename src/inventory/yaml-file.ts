// Reading one YAML file of an inventory (the inventory itself, a group_vars or host_vars file) with the limits
// that keep hostile input cheap, and finding where a node was written.
import { readFileSync, statSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Scalar, ScalarTag, Tags } from 'yaml';
import type { Problem } from '../core/errors.js';
import type { SourceLocation } from './types.js';

export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Alias expansions allowed per document; a "billion laughs" file needs far more. */
export const MAX_ALIAS_COUNT = 100;

export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

// Ansible reads YAML with PyYAML (YAML 1.1): yes/no/on/off are booleans and 0644 is octal. The yaml package's
// 1.1 schema also turns y/n into booleans, which PyYAML does not, so the 1.2 core schema gets these two tags.
const pyyamlBool: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text) => /^(?:y|Y|on|On|ON)/.test(text),
};
const pyyamlOctal: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^0[0-7]+$/,
  resolve: (text) => parseInt(text, 8),
};

export const PARSE_OPTIONS = {
  prettyErrors: false,
  // The yaml package checks key uniqueness in quadratic time; duplicateKeys() does it in linear time.
  uniqueKeys: false,
  merge: true,
  customTags: (tags: Tags): Tags => [pyyamlOctal, pyyamlBool, ...tags],
} as const;

export const TO_JS_OPTIONS = { maxAliasCount: MAX_ALIAS_COUNT } as const;

export type FileKind = 'inventory file' | 'vars file';

/**
 * Reads and parses `file`; pushes every problem found onto `problems`. Returns the parsed file only when it is
 * sound enough to be read further (no syntax error, no alias bomb, no recursive alias).
 */
export function readYamlFile(file: string, kind: FileKind, problems: Problem[]): YamlFile | undefined {
  let size: number;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) {
      problems.push({ file, rule: `the ${kind} is a directory`, expected: 'a YAML file', found: 'a directory' });
      return undefined;
    }
    size = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const rule = code === 'ENOENT' ? `${kind} not found` : `cannot read the ${kind} (${code ?? String(error)})`;
    problems.push({ file, rule, expected: 'a readable YAML file' });
    return undefined;
  }
  if (size > MAX_FILE_BYTES) {
    problems.push({
      file,
      rule: `the ${kind} is too large`,
      expected: `at most ${MAX_FILE_BYTES} bytes (4 MiB)`,
      found: `${size} bytes`,
    });
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({ file, rule: `cannot read the ${kind} (${code ?? String(error)})` });
    return undefined;
  }
  return parseYamlText(file, text, problems);
}

export function parseYamlText(file: string, text: string, problems: Problem[]): YamlFile | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const yamlFile: YamlFile = { file, doc, lines };
  const duplicates = duplicateKeys(yamlFile);
  if (doc.errors.length > 0 || duplicates.length > 0) {
    const found: Problem[] = [];
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      found.push({ file, line, column: col, rule: `YAML syntax: ${error.message}`, found: error.code });
    }
    for (const key of duplicates) {
      found.push({
        ...locationOf(yamlFile, key),
        rule: 'YAML syntax: Map keys must be unique',
        found: `${JSON.stringify(key.value)} again`,
      });
    }
    found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    problems.push(...found);
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS(TO_JS_OPTIONS);
  } catch (error) {
    if (error instanceof ReferenceError) {
      let firstAlias: Node | undefined;
      visit(doc, {
        Alias(_key, node) {
          firstAlias = node;
          return visit.BREAK;
        },
      });
      problems.push({
        ...locationOf(yamlFile, firstAlias),
        rule: 'too many YAML alias expansions (an alias bomb?)',
        expected: `at most ${MAX_ALIAS_COUNT} alias expansions`,
      });
    } else {
      problems.push({ file, rule: `YAML: ${(error as Error).message}` });
    }
    return undefined;
  }
  if (hasCycle(data)) {
    problems.push({ file, rule: 'a YAML alias refers to a node that contains it', expected: 'no recursive aliases' });
    return undefined;
  }
  let sound = true;
  visit(doc, {
    Scalar(_key, node) {
      if (node.tag === '!vault') {
        problems.push({
          ...locationOf(yamlFile, node),
          rule: 'ansible-vault encrypted values are not supported',
          expected: 'a plain value',
          found: '!vault',
        });
        sound = false;
      }
    },
  });
  return sound ? yamlFile : undefined;
}

function duplicateKeys(yamlFile: YamlFile): Scalar[] {
  const found: Scalar[] = [];
  visit(yamlFile.doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || typeof pair.key.value === 'symbol') continue;
        if (seen.has(pair.key.value)) found.push(pair.key);
        seen.add(pair.key.value);
      }
    },
  });
  return found;
}

function hasCycle(root: unknown): boolean {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const walk = (value: unknown): boolean => {
    if (value === null || typeof value !== 'object') return false;
    if (onPath.has(value)) return true;
    if (done.has(value)) return false;
    onPath.add(value);
    const children = value instanceof Map ? [...value.values()] : Object.values(value);
    for (const child of children) if (walk(child)) return true;
    onPath.delete(value);
    done.add(value);
    return false;
  };
  return walk(root);
}

export function locationOf(yamlFile: YamlFile, node: Node | null | undefined): SourceLocation {
  const offset = node?.range?.[0];
  if (offset === undefined) return { file: yamlFile.file };
  const { line, col } = yamlFile.lines.linePos(offset);
  return { file: yamlFile.file, line, column: col };
}

/** Follows aliases to the node they name. */
export function resolveNode(yamlFile: YamlFile, node: unknown): Node | null {
  let current = node;
  for (let hops = 0; isAlias(current) && hops <= MAX_ALIAS_COUNT; hops++) {
    current = current.resolve(yamlFile.doc) ?? null;
  }
  return (current as Node | null | undefined) ?? null;
}

export interface Entry {
  key: unknown;
  keyNode: Node;
  valueNode: Node | null;
}

/**
 * The entries of a map as YAML resolves them: explicit keys win over `<<` merged ones, and earlier merge
 * sources win over later ones.
 */
export function entriesOf(yamlFile: YamlFile, mapNode: Node, depth = 0): Entry[] {
  if (!isMap(mapNode) || depth > MAX_ALIAS_COUNT) return [];
  const explicit: Entry[] = [];
  const merged: Entry[] = [];
  for (const pair of mapNode.items) {
    const keyNode = pair.key as Node;
    if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
      const source = resolveNode(yamlFile, pair.value);
      const sources = isSeq(source) ? source.items.map((item) => resolveNode(yamlFile, item)) : [source];
      for (const one of sources) if (one) merged.push(...entriesOf(yamlFile, one, depth + 1));
      continue;
    }
    explicit.push({
      key: isScalar(keyNode) ? keyNode.value : keyNode,
      keyNode,
      valueNode: resolveNode(yamlFile, pair.value),
    });
  }
  const seen = new Set(explicit.map((entry) => keyText(entry.key)));
  const result = [...explicit];
  for (const entry of merged) {
    const text = keyText(entry.key);
    if (seen.has(text)) continue;
    seen.add(text);
    result.push(entry);
  }
  return result;
}

function keyText(key: unknown): string {
  return typeof key === 'object' && key !== null ? `\0${String(key)}` : String(key);
}

/** A map key as a name, or undefined when the key is not a scalar (or is null). */
export function keyName(key: unknown): string | undefined {
  if (key === null || key === undefined || typeof key === 'object' || typeof key === 'symbol') return undefined;
  return String(key);
}

/** The node at `segment` below `node`: a map key or a sequence index. */
export function childNode(yamlFile: YamlFile, node: Node, segment: string | number): Node | null | undefined {
  if (isMap(node)) {
    const entry = entriesOf(yamlFile, node).find((e) => keyName(e.key) === String(segment));
    return entry ? (entry.valueNode ?? entry.keyNode) : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    return resolveNode(yamlFile, node.items[segment]) ?? undefined;
  }
  return undefined;
}

/** An absent value or an explicit null (`key:`, `key: ~`, `key: null`). */
export function isNothing(node: Node | null | undefined): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

export function describeNode(node: Node | null): string {
  if (node === null) return 'nothing (null)';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'nothing (null)';
    return `${typeof value} ${JSON.stringify(value)}`;
  }
  return 'an unsupported YAML node';
}

/** `a.b[0].c` from path segments. */
export function pathText(segments: ReadonlyArray<string | number>): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}
