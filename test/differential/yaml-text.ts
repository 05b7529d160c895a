// A small YAML writer for generated inventories: the generator needs what a YAML library will not write —
// duplicate keys, anchors and merge keys, plain YAML 1.1 scalars written as they are, flow and block styles.

export type YamlNode =
  | { kind: 'map'; entries: Array<[string, YamlNode]>; flow?: boolean; anchor?: string }
  | { kind: 'seq'; items: YamlNode[]; flow?: boolean }
  | { kind: 'scalar'; text: string }
  | { kind: 'alias'; name: string }
  | { kind: 'empty' };

export const empty: YamlNode = { kind: 'empty' };
export const scalar = (text: string): YamlNode => ({ kind: 'scalar', text });
export const map = (entries: Array<[string, YamlNode]> = [], flow = false): YamlNode & { kind: 'map' } => ({
  kind: 'map',
  entries,
  flow,
});

/** A key or value written so that YAML reads exactly this string. */
export function quoted(text: string): string {
  return JSON.stringify(text);
}

function flowText(node: YamlNode): string {
  switch (node.kind) {
    case 'empty':
      return '';
    case 'scalar':
      return node.text;
    case 'alias':
      return `*${node.name}`;
    case 'seq':
      return `[${node.items.map(flowText).join(', ')}]`;
    case 'map': {
      const anchor = node.anchor ? `&${node.anchor} ` : '';
      const body = node.entries.map(([k, v]) => (v.kind === 'empty' ? `${k}: ` : `${k}: ${flowText(v)}`)).join(', ');
      return `${anchor}{${body}}`;
    }
  }
}

/** Lines of `node` as the value of a key at `indent` (or the document when indent is 0 and it is a map). */
function blockLines(node: YamlNode, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (node.kind === 'map' && !node.flow && node.entries.length > 0) {
    const lines: string[] = [];
    for (const [key, value] of node.entries) {
      if (value.kind === 'map' && !value.flow && value.entries.length > 0) {
        lines.push(`${pad}${key}:${value.anchor ? ` &${value.anchor}` : ''}`);
        lines.push(...blockLines(value, indent + 2));
      } else if (value.kind === 'seq' && !value.flow && value.items.length > 0) {
        lines.push(`${pad}${key}:`);
        lines.push(...blockLines(value, indent + 2));
      } else {
        const text = flowText(value);
        lines.push(text === '' ? `${pad}${key}:` : `${pad}${key}: ${text}`);
      }
    }
    return lines;
  }
  if (node.kind === 'seq' && !node.flow && node.items.length > 0) {
    return node.items.map((item) => `${pad}- ${flowText(item)}`);
  }
  return [`${pad}${flowText(node)}`];
}

export function yamlText(root: YamlNode): string {
  return blockLines(root, 0).join('\n') + '\n';
}
