// The operator's own agent JSON (`cloudwatch_agent_json_file`): parsed as strictly as Go's encoding/json does
// (no comments, no trailing commas), with the line and column of every value, so that a problem points into the
// JSON file itself. Pure: the text comes in as an argument.
import {
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import type { Problem } from '../../core/errors.js';
import type { ConfigPath, ConfigSource } from './findings.js';

export interface ParsedJson {
  value?: unknown;
  source: ConfigSource;
  /** Syntax problems (the file is then unusable) and duplicate keys (a warning: Go keeps the last). */
  problems: Problem[];
  warnings: Problem[];
}

const SYNTAX: Record<string, string> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a property name in double quotes (a trailing comma is not JSON)',
  ValueExpected: 'a value (a trailing comma is not JSON)',
  ColonExpected: 'a colon',
  CommaExpected: 'a comma',
  CloseBraceExpected: 'a closing }',
  CloseBracketExpected: 'a closing ]',
  EndOfFileExpected: 'the end of the file (one JSON value only)',
  InvalidCommentToken: 'no comment (JSON has none: the agent refuses it)',
  UnexpectedEndOfComment: 'no comment (JSON has none: the agent refuses it)',
  UnexpectedEndOfString: 'a closing double quote',
  UnexpectedEndOfNumber: 'the rest of the number',
  InvalidUnicode: 'a valid \\u escape',
  InvalidEscapeCharacter: 'a valid escape',
  InvalidCharacter: 'no control character inside a string',
};

/** `pathText(p)` of a problem in this file: the JSON pointer the agent's own messages use (`/logs/…`). */
export function pointer(p: ConfigPath): string {
  return p.length === 0 ? '/' : p.map((s) => `/${String(s)}`).join('');
}

export function parseJsonFile(file: string, text: string, label: string): ParsedJson {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // The parser may report two errors at one place (a property, then a value, expected): the first says it.
  const firstAt = errors.filter((e, i) => errors.findIndex((x) => x.offset === e.offset) === i);
  const problems: Problem[] = firstAt.map((e) => ({
    file,
    ...position(e.offset),
    path: label,
    rule: `not valid JSON: expected ${SYNTAX[printParseErrorCode(e.error)] ?? printParseErrorCode(e.error)}`,
    found: JSON.stringify(text.slice(e.offset, e.offset + Math.max(1, Math.min(e.length, 20)))),
  }));
  const source: ConfigSource = {
    locate(p) {
      // The value itself, else its nearest ancestor that is there.
      for (let n = p.length; n >= 0; n--) {
        const node = root && findNodeAtLocation(root, p.slice(0, n) as (string | number)[]);
        if (node) return { file, ...position(keyOrValue(node, n < p.length ? undefined : p[p.length - 1]).offset) };
      }
      return { file };
    },
    pathText: (p) => `${label}:${pointer(p)}`,
    present: (p) => root !== undefined && findNodeAtLocation(root, p as (string | number)[]) !== undefined,
  };
  const warnings: Problem[] = [];
  if (root)
    duplicateKeys(root, [], (p, key, node) => {
      warnings.push({
        file,
        ...position(node.offset),
        path: `${label}:${pointer([...p, key])}`,
        rule: `key "${key}" appears twice in one object: the agent uses the last one`,
      });
    });
  if (problems.length > 0 || !root) return { source, problems, warnings };
  return { value: getNodeValue(root) as unknown, source, problems, warnings };
}

/** A value's node, or for an object key, the property (so a problem about a key points at the key). */
function keyOrValue(node: Node, last: string | number | undefined): Node {
  return typeof last === 'string' && node.parent?.type === 'property' ? node.parent : node;
}

function duplicateKeys(
  node: Node,
  p: (string | number)[],
  report: (p: ConfigPath, key: string, n: Node) => void,
): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const [keyNode, valueNode] = prop.children ?? [];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      if (seen.has(key)) report(p, key, prop);
      seen.add(key);
      if (valueNode) duplicateKeys(valueNode, [...p, key], report);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => duplicateKeys(child, [...p, i], report));
  }
}
