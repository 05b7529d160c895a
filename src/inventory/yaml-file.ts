// Reading one file of an inventory (the inventory itself, a group_vars or host_vars file) as Ansible reads it —
// JSON first, else YAML 1.1 typed as PyYAML types it, a duplicate key a warning and the last value kept — with the
// limits that keep hostile input cheap, and finding where a node was written.
import { readFileSync, statSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Problem } from '../core/errors.js';
import { CONTROL_CHARACTER_RULE, escapeControlCharacters, hasControlCharacter } from './names.js';
import { isTimestampText, pyyamlTags } from './pyyaml-scalars.js';
import type { SourceLocation } from './types.js';

export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Alias expansions allowed per document; a "billion laughs" file needs far more. */
export const MAX_ALIAS_COUNT = 100;

export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Where a file's problems (refusals) and warnings (Ansible's own warnings, kept) go. */
export interface Findings {
  problems: Problem[];
  warnings: Problem[];
}

const YAML_OPTIONS = {
  prettyErrors: false,
  // The yaml package checks key uniqueness in quadratic time and refuses duplicates; PyYAML keeps the last value
  // (Ansible warns): duplicates are found in linear time below.
  uniqueKeys: false,
  merge: true,
  customTags: pyyamlTags,
} as const;
// Ansible's loader tries json.loads before YAML: a file that is JSON is typed as JSON (1e3 a number).
const JSON_OPTIONS = { prettyErrors: false, uniqueKeys: false, schema: 'json' } as const;

export const TO_JS_OPTIONS = { maxAliasCount: MAX_ALIAS_COUNT } as const;

// PyYAML's reader refuses these characters written raw (escaped in double quotes they are fine).
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
// Tags PyYAML's safe loader builds but the tool does not take.
const UNSUPPORTED_TAGS = ['binary', 'omap', 'pairs', 'set'].map((name) => `tag:yaml.org,2002:${name}`);

export type FileKind = 'inventory file' | 'vars file';

/**
 * Reads and parses `file`; pushes every problem found onto `findings`. Returns the parsed file only when it is
 * sound enough to be read further (no syntax error, no alias bomb, no recursive alias).
 */
export function readYamlFile(file: string, kind: FileKind, findings: Findings): YamlFile | undefined {
  const { problems } = findings;
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
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(
      code === undefined
        ? { file, rule: `the ${kind} is not UTF-8 text`, expected: 'UTF-8, as Ansible reads it' }
        : { file, rule: `cannot read the ${kind} (${code})` },
    );
    return undefined;
  }
  return parseYamlText(file, text, findings);
}

export function parseYamlText(file: string, text: string, findings: Findings): YamlFile | undefined {
  const { problems } = findings;
  const lines = new LineCounter();
  const json = isJson(text);
  if (!json) {
    const bad = rawCharacterProblem(file, text);
    if (bad) {
      problems.push(bad);
      return undefined;
    }
  }
  const doc = parseDocument(text, { ...(json ? JSON_OPTIONS : YAML_OPTIONS), lineCounter: lines });
  const yamlFile: YamlFile = { file, doc, lines };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      const tooDeep = /call stack/i.test(error.message);
      problems.push({
        file,
        line,
        column: col,
        rule: tooDeep ? 'YAML nested too deeply to be read' : `YAML syntax: ${error.message}`,
        found: tooDeep ? 'collections nested inside each other past the parser’s limit' : error.code,
      });
    }
    return undefined;
  }
  const before = problems.length;
  checkNodes(yamlFile, findings);
  if (problems.length > before) return undefined;
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
  return yamlFile;
}

function isJson(text: string): boolean {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[' && first !== '"') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function rawCharacterProblem(file: string, text: string): Problem | undefined {
  const match = NOT_PRINTABLE.exec(text) ?? /\u0085/.exec(text);
  if (!match) return undefined;
  const code = `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const position = lineColumn(text, match.index);
  return match[0] === '\u0085'
    ? {
        file,
        ...position,
        rule: 'a raw U+0085 (NEL) is a line break in YAML 1.1, which Ansible reads and other YAML readers do not',
        expected: 'the character escaped in a double-quoted string ("\\N"), or left out',
        found: code,
      }
    : {
        file,
        ...position,
        rule: 'a control character written raw in a YAML file (Ansible refuses the file too)',
        expected: 'the character escaped in a double-quoted string, or left out',
        found: code,
      };
}

function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: index - start + 1 };
}

/** Duplicate keys (warnings), control characters in keys, tags Ansible cannot read or the tool does not take. */
function checkNodes(yamlFile: YamlFile, { problems, warnings }: Findings): void {
  const { doc } = yamlFile;
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const { line, col } = yamlFile.lines.linePos(warning.pos[0]);
    const tag = /tag: (\S+)/.exec(warning.message)?.[1] ?? '';
    if (tag === '!unsafe' || tag === '!vault') continue;
    problems.push({
      file: yamlFile.file,
      line,
      column: col,
      rule: `unknown YAML tag ${tag}: Ansible cannot read it`,
      expected: 'no tag, or !unsafe',
      found: tag,
    });
  }
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key) || typeof key.value === 'symbol') continue;
        const text = keyIdentity(key.value);
        if (seen.has(text)) {
          warnings.push({
            ...locationOf(yamlFile, key),
            rule: `found a duplicate key (${String(key.value)}); as Ansible does, the last value is used`,
          });
        }
        seen.add(text);
        if (typeof key.value === 'string' && hasControlCharacter(key.value)) {
          problems.push({
            ...locationOf(yamlFile, key),
            rule: CONTROL_CHARACTER_RULE,
            found: JSON.stringify(escapeControlCharacters(key.value)),
          });
        }
      }
    },
    Scalar(_key, node) {
      if (node.tag === '!vault') {
        problems.push({
          ...locationOf(yamlFile, node),
          rule: 'ansible-vault encrypted values are not supported',
          expected: 'a plain value',
          found: '!vault',
        });
      }
    },
  });
  visit(doc, {
    Node(_key, node) {
      if (node.tag && UNSUPPORTED_TAGS.includes(node.tag)) {
        problems.push({
          ...locationOf(yamlFile, node),
          rule: `YAML ${node.tag.replace('tag:yaml.org,2002:', '!!')} values are not supported`,
          expected: 'a string, number, boolean, list or map',
        });
      }
    },
  });
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
 * The entries of a map as PyYAML builds the dict: `<<` merged entries first (a list of sources in reverse), then
 * the map's own; a key keeps the place where it first appears and the value where it last appears, so the map's
 * own keys beat merged ones and earlier merge sources beat later ones.
 */
export function entriesOf(yamlFile: YamlFile, mapNode: Node): Entry[] {
  const result: Entry[] = [];
  const index = new Map<string, number>();
  for (const entry of flatten(yamlFile, mapNode, 0)) {
    const text = keyIdentity(entry.key);
    const at = index.get(text);
    if (at === undefined) {
      index.set(text, result.length);
      result.push(entry);
    } else {
      const first = result[at];
      if (first) result[at] = { ...entry, key: first.key };
    }
  }
  return result;
}

function flatten(yamlFile: YamlFile, mapNode: Node, depth: number): Entry[] {
  if (!isMap(mapNode) || depth > MAX_ALIAS_COUNT) return [];
  const merged: Entry[] = [];
  const own: Entry[] = [];
  for (const pair of mapNode.items) {
    if (!isPair(pair)) continue;
    const keyNode = pair.key as Node;
    if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
      const source = resolveNode(yamlFile, pair.value);
      if (isSeq(source)) {
        const sources = source.items.map((item) => flatten(yamlFile, resolveNode(yamlFile, item) as Node, depth + 1));
        for (const entries of sources.reverse()) merged.push(...entries);
      } else if (source) merged.push(...flatten(yamlFile, source, depth + 1));
      continue;
    }
    own.push({
      key: isScalar(keyNode) ? keyNode.value : keyNode,
      keyNode,
      valueNode: resolveNode(yamlFile, pair.value),
    });
  }
  return [...merged, ...own];
}

/** Keys as Python compares them: 1, 1.0 and true are one key. */
export function keyIdentity(key: unknown): string {
  if (typeof key === 'boolean') return `n:${Number(key)}`;
  if (typeof key === 'number') return `n:${key}`;
  if (typeof key === 'string') return `s:${key}`;
  if (key === null || key === undefined) return 'null';
  return `o:${String(key)}`;
}

/** A map key that is a string as PyYAML types it (not a number, a boolean, null or a timestamp). */
export function stringKey(entry: Entry): string | undefined {
  return stringValue(entry.keyNode);
}

/** A variable's name as Ansible prints it in JSON: true, false, null, numbers and strings; undefined otherwise. */
export function varName(key: unknown): string | undefined {
  if (key === null || key === undefined) return 'null';
  if (typeof key === 'string' || typeof key === 'boolean' || typeof key === 'number') return String(key);
  return undefined;
}

/** The node at `segment` below `node`: a map key or a sequence index. */
export function childNode(yamlFile: YamlFile, node: Node, segment: string | number): Node | null | undefined {
  if (isMap(node)) {
    const entry = entriesOf(yamlFile, node).find((e) => varName(e.key) === String(segment));
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

/** The scalar's value when PyYAML reads it as a string (a plain timestamp is a date there). */
export function stringValue(node: Node | null): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'string') return undefined;
  if (node.type === 'PLAIN' && node.tag === undefined && isTimestampText(node.value)) return undefined;
  return node.value;
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
