// A seeded generator of Ansible YAML inventories and host patterns that uses every construct where the tool and
// ansible-core could read differently: nested groups with several parents, groups written in several places,
// ranges (zero-padded, letters, steps, reversed), ports on later mentions, colliding vars and priorities,
// group_vars/host_vars in all four forms (and the files Ansible skips), hosts named like groups, empty groups,
// string sections, unknown keys, duplicate keys, merge keys, YAML 1.1 scalars; and patterns over their names.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { empty, map, quoted, scalar, yamlText } from './yaml-text.js';
import type { YamlNode } from './yaml-text.js';

/** mulberry32: small, fast, and the same numbers for the same seed everywhere. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  some<T>(items: readonly T[], max: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    for (let n = this.int(0, Math.min(max, pool.length)); n > 0; n--)
      out.push(...pool.splice(this.int(0, pool.length - 1), 1));
    return out;
  }
}

const GROUP_NAMES = [
  'web',
  'db',
  'app',
  'eu',
  'us',
  'prod',
  'staging',
  'canary',
  'edge',
  'cache',
  'batch',
  'web_a',
  'db-b',
  'g1',
  'g2',
  'lb',
];
const HOST_NAMES = [
  'web1',
  'web2',
  'web3',
  'db1',
  'db2',
  'app1',
  'lb1',
  'cache1',
  'edge1',
  'h1',
  'h2',
  '10.0.0.1',
  'node-a',
  'node-b',
  'web01.example.com',
  'web02.example.com',
  '2001:db8::1',
];
const RANGES = [
  'web[1:3]',
  'db[01:03]',
  'h[a:c]',
  'node[5:3]',
  'x[1:9:4]',
  'app[1:2]-[a:b]',
  'web0[1:2].example.com',
  'n[08:10]',
  'h[1:2]',
];
const PORTED = ['web1:2222', 'db1:2200', '10.0.0.1:2201', 'h1:22', 'app1:0', 'web2:2223', '[2001:db8::2]:2200'];
const VAR_NAMES = [
  'color',
  'size',
  'level',
  'opts',
  'list_var',
  'ansible_port',
  'ansible_host',
  'ansible_user',
  'tier',
  'zone',
  'yes',
  '1',
  '~',
];
// Plain YAML 1.1 scalars PyYAML types in its own way, and a few quoted ones.
const SCALARS = [
  '1_000',
  '1:20',
  '190:20:30',
  '1:20.5',
  '0b101',
  '-0b101',
  '-012',
  '012',
  '0o644',
  '08',
  '09:30',
  '0x1F',
  '+12',
  '-0',
  '00',
  '1e3',
  '1.0e3',
  '1.0e+3',
  '1.5',
  '1.',
  '.5',
  '-.5',
  '1_0.5',
  '.inf',
  '-.inf',
  '.NaN',
  '1.0',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '2002-12-14 21:59:43',
  '2001-1-1 1:02:03',
  'yes',
  'Yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'True',
  'FALSE',
  '~',
  'null',
  'Null',
  '',
  '"quoted 1"',
  "'yes'",
  '"010"',
  'plain text',
  '"a: b"',
  '12345',
  '0',
  '-1',
  '3.25',
  '0.1_',
  '0_7',
];
const PATTERN_NAMES = [
  'all',
  'ungrouped',
  'nosuch',
  'web9',
  'localhost',
  ...GROUP_NAMES.slice(0, 8),
  ...HOST_NAMES.slice(0, 10),
];
const SUBSCRIPTS = [
  '[0]',
  '[-1]',
  '[1:]',
  '[:1]',
  '[0:-1]',
  '[1-2]',
  '[2:0]',
  '[0:2]',
  '[5]',
  '[1]',
  '[-2]',
  '[0:0]',
  '[3:1]',
];
const REGEXES = [
  '~web.*',
  '~(web|db)',
  '~.*1$',
  '~[a-z]+[0-9]',
  '~web\\d',
  '~(?i)WEB',
  '~d',
  '~(?P<n>db)\\d',
  '~.*',
  '~h[12]',
  '~x\\Z',
];
const GLOBS = ['web*', 'db?', '[wd]*', '[!w]*', '*1', 'h*', '*.example.com', 'g?', '*', 'no*', '[a-c]*', 'e[!x]*'];

/** Writes a case's files below `root`; returns the path of its inventory.yml. */
export function writeFiles(root: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return join(root, 'inventory.yml');
}

/** The seed of case `index` of a run: well spread, so runs with nearby seeds share no case. */
export function caseSeed(runSeed: number, index: number): number {
  let h = Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

export interface GeneratedCase {
  /** Relative path → text. */
  files: Record<string, string>;
  patterns: string[];
  /** What this case uses, for the coverage count. */
  features: string[];
}

interface GroupPlan {
  name: string;
  parents: string[];
  fragments: Array<YamlNode & { kind: 'map' }>;
  placed: boolean[];
}

export function generateCase(seed: number, patternsPerCase: number): GeneratedCase {
  const r = new Random(seed);
  const features = new Set<string>();
  const hostPool = [...HOST_NAMES];
  const names = r.some(GROUP_NAMES, 9);
  if (names.length < 2) names.push('web', 'db');
  const groupNames = [...new Set(names)];
  if (r.chance(0.12)) {
    // A host named like one of the groups: Ansible warns and gives its vars to the group.
    hostPool.push(r.pick(groupNames));
    features.add('host named like a group');
  }

  const plans = new Map<string, GroupPlan>();
  groupNames.forEach((name, i) => {
    const candidates = ['all', ...groupNames.slice(0, i)];
    const parents = r.chance(0.25) ? [] : r.some(candidates, 2);
    if (parents.length > 1) features.add('several parents');
    const fragments = Array.from({ length: r.chance(0.3) ? 2 : 1 }, () => map());
    if (fragments.length > 1) features.add('group in several places');
    plans.set(name, { name, parents, fragments, placed: fragments.map(() => false) });
  });

  const anchors: string[] = [];
  const varsMap = (count: number): YamlNode & { kind: 'map' } => {
    const vars = map([], r.chance(0.3));
    if (anchors.length > 0 && r.chance(0.1)) {
      vars.entries.push(['<<', { kind: 'alias', name: r.pick(anchors) }]);
      features.add('merge key');
    }
    for (let i = 0; i < count; i++) vars.entries.push([r.pick(VAR_NAMES), value(r, 0)]);
    if (r.chance(0.06) && vars.entries.length > 0) {
      vars.entries.push([vars.entries[0]![0], value(r, 0)]);
      features.add('duplicate key');
    }
    if (!vars.flow && r.chance(0.08)) {
      const name = `a${anchors.length}`;
      vars.anchor = name;
      anchors.push(name);
    }
    return vars;
  };

  const hostEntry = (): string => {
    const roll = r.next();
    if (roll < 0.15) {
      features.add('range');
      return r.pick(RANGES);
    }
    if (roll < 0.25) {
      features.add('port');
      return r.pick(PORTED);
    }
    return r.pick(hostPool);
  };
  const hostKey = (entry: string): string => (/[:[\]]/.test(entry) || r.chance(0.1) ? quoted(entry) : entry);

  // Each group's fragments: hosts, vars, and (filled below) children.
  for (const plan of plans.values()) {
    for (const fragment of plan.fragments) {
      if (r.chance(0.6)) {
        const hosts = map([], r.chance(0.2));
        for (let n = r.int(0, 4); n > 0; n--) {
          const entry = hostEntry();
          hosts.entries.push([
            hostKey(entry),
            r.chance(0.4) ? varsMap(r.int(0, 3)) : r.chance(0.1) ? scalar('0') : empty,
          ]);
        }
        if (hosts.entries.length === 1 && r.chance(0.3) && !/[:[\]"]/.test(hosts.entries[0]![0])) {
          fragment.entries.push(['hosts', scalar(hosts.entries[0]![0])]);
          features.add('string section');
        } else fragment.entries.push(['hosts', hosts.entries.length === 0 && r.chance(0.5) ? empty : hosts]);
      }
      if (r.chance(0.5)) {
        const vars = varsMap(r.int(0, 3));
        if (r.chance(0.25)) {
          vars.entries.push([
            'ansible_group_priority',
            scalar(r.pick(['1', '2', '5', '"3"', '2.7', 'true', '"10"', '0'])),
          ]);
          features.add('priority');
        }
        fragment.entries.push(['vars', vars]);
      }
      if (r.chance(0.06)) {
        fragment.entries.push([
          r.pick(['host', 'var', 'extra']),
          r.chance(0.5) ? map([['x', scalar('1')]]) : scalar('5'),
        ]);
        features.add('unknown key in a group');
      }
    }
  }

  // Edges: each child appears under one fragment of each parent, defined there or referred to by name.
  const allNode = map();
  const allChildren = map();
  const topLevel: Array<[string, YamlNode]> = [];
  const childrenOf = (fragment: YamlNode & { kind: 'map' }): YamlNode & { kind: 'map' } => {
    const found = fragment.entries.find(([key]) => key === 'children');
    if (found) return found[1] as YamlNode & { kind: 'map' };
    const children = map();
    fragment.entries.push(['children', children]);
    return children;
  };
  const body = (plan: GroupPlan): YamlNode => {
    const index = plan.placed.findIndex((placed) => !placed);
    if (index < 0 || r.chance(0.3)) return r.chance(0.2) ? map() : empty;
    plan.placed[index] = true;
    return plan.fragments[index]!;
  };
  for (const plan of plans.values()) {
    for (const parent of plan.parents) {
      if (parent === 'all') allChildren.entries.push([plan.name, body(plan)]);
      else {
        const parentPlan = plans.get(parent)!;
        childrenOf(r.pick(parentPlan.fragments)).entries.push([plan.name, body(plan)]);
      }
    }
  }
  for (const plan of plans.values()) {
    plan.fragments.forEach((fragment, i) => {
      if (!plan.placed[i] && (fragment.entries.length > 0 || plan.parents.length === 0 || r.chance(0.3))) {
        topLevel.push([plan.name, fragment.entries.length === 0 && r.chance(0.5) ? empty : fragment]);
      }
    });
  }

  if (r.chance(0.3)) {
    const hosts = map();
    for (let n = r.int(1, 3); n > 0; n--)
      hosts.entries.push([hostKey(hostEntry()), r.chance(0.3) ? varsMap(2) : empty]);
    allNode.entries.push(['hosts', hosts]);
    features.add('hosts under all');
  }
  if (r.chance(0.5)) allNode.entries.push(['vars', varsMap(r.int(1, 3))]);
  if (allChildren.entries.length > 0) allNode.entries.push(['children', allChildren]);
  const root = map();
  if (allNode.entries.length > 0 || r.chance(0.5))
    root.entries.push(['all', allNode.entries.length > 0 ? allNode : empty]);
  // Top-level definitions go before or after all:, in any order.
  for (const entry of topLevel) {
    if (r.chance(0.3)) root.entries.unshift(entry);
    else root.entries.push(entry);
  }
  if (r.chance(0.15)) {
    root.entries.push([r.pick(['empty', 'spare']), empty]);
    features.add('empty group');
  }
  if (r.chance(0.1)) {
    root.entries.push(['ungrouped', map([['hosts', map([[r.pick(hostPool), empty]])]])]);
    features.add('ungrouped written');
  }
  if (r.chance(0.05)) {
    root.entries.push(['junk', scalar(r.pick(['5', 'text', '[1, 2]']))]);
    features.add('group that is not a map');
  }
  // Anchors must come before their aliases: drop merge keys whose anchor is not defined earlier in the text.
  let text = yamlText(root);
  for (const name of anchors) {
    if (text.indexOf(`&${name}`) < 0 || text.indexOf(`*${name}`) < text.indexOf(`&${name}`)) {
      text = text
        .replace(new RegExp(`<<: \\*${name}(, )?`, 'g'), '')
        .replace(new RegExp(`\\n *<<: \\*${name}\\n`, 'g'), '\n');
    }
  }

  const files: Record<string, string> = { 'inventory.yml': text };
  varsFiles(r, files, 'group_vars', ['all', 'ungrouped', ...groupNames, 'nosuch'], features);
  varsFiles(r, files, 'host_vars', [...hostPool.slice(0, 8), 'web01.example.com', 'n08', 'x5'], features);
  const patterns = Array.from({ length: patternsPerCase }, () => pattern(r, [...groupNames, ...PATTERN_NAMES]));
  return { files, patterns, features: [...features] };
}

function value(r: Random, depth: number): YamlNode {
  const roll = r.next();
  if (depth < 2 && roll < 0.1)
    return map(
      [
        [r.pick(['a', 'b', 'c']), value(r, depth + 1)],
        ['d', value(r, depth + 1)],
      ],
      true,
    );
  if (depth < 2 && roll < 0.16) return { kind: 'seq', items: [value(r, depth + 1), value(r, depth + 1)], flow: true };
  const text = r.pick(SCALARS);
  return text === '' ? empty : scalar(text);
}

/** group_vars/ or host_vars/ files in the four forms, with the files Ansible skips in a folder. */
function varsFiles(
  r: Random,
  files: Record<string, string>,
  kind: string,
  names: string[],
  features: Set<string>,
): void {
  for (const name of names) {
    if (!r.chance(0.3)) continue;
    const form = r.pick(['yml', 'yaml', 'json', 'none', 'dir', 'dir', 'both']);
    features.add(`${kind} ${form}`);
    const content = (): string => varsFileText(r);
    if (form === 'dir') {
      const dir = `${kind}/${name}`;
      const inside = r.some(
        [
          '10-a.yml',
          '20-b.yaml',
          '30-c.json',
          '40-noext',
          '.hidden.yml',
          'backup.yml~',
          'sub/x.yml',
          'sub.d/y.yml',
          'z.txt',
          'UP.YML',
          'e.yml',
        ],
        6,
      );
      for (const file of inside) files[`${dir}/${file}`] = file.endsWith('.json') ? jsonVarsText(r) : content();
      if (inside.length === 0) files[`${dir}/only.yml`] = content();
    } else if (form === 'both') {
      files[`${kind}/${name}.yml`] = content();
      files[`${kind}/${name}.yaml`] = content();
    } else if (form === 'json') files[`${kind}/${name}.json`] = jsonVarsText(r);
    else files[`${kind}/${name}${form === 'none' ? '' : `.${form}`}`] = content();
  }
}

function varsFileText(r: Random): string {
  const roll = r.next();
  if (roll < 0.05) return '';
  if (roll < 0.08) return '{}\n';
  if (roll < 0.1) return '---\n';
  const vars = map();
  for (let n = r.int(1, 4); n > 0; n--) vars.entries.push([r.pick(VAR_NAMES), value(r, 0)]);
  return yamlText(vars);
}

function jsonVarsText(r: Random): string {
  const vars: Record<string, unknown> = {};
  for (let n = r.int(1, 3); n > 0; n--) {
    vars[r.pick(VAR_NAMES)] = r.pick<unknown>([1000, 1.5, 'yes', true, null, 'text', [1, 'a'], { k: 'v' }, '1e3']);
  }
  // 1e3 written as a JSON number: json.loads reads it as 1000.0, YAML 1.1 would read it as a string.
  return JSON.stringify(vars).replace('1000', '1e3') + '\n';
}

function part(r: Random, names: string[]): string {
  const roll = r.next();
  let text: string;
  if (roll < 0.45) text = r.pick(names);
  else if (roll < 0.6) text = r.pick(GLOBS);
  else if (roll < 0.72) text = r.pick(REGEXES);
  else text = (r.chance(0.2) ? 'all' : r.pick([...names, ...GLOBS.slice(0, 4)])) + r.pick(SUBSCRIPTS);
  const prefix = r.next();
  return prefix < 0.15 ? `&${text}` : prefix < 0.28 ? `!${text}` : text;
}

function pattern(r: Random, names: string[]): string {
  const roll = r.next();
  if (roll < 0.04) return r.pick(['web1:2222', '2001:db8::1', 'h1:22', '::1', 'all', '*', '10.0.0.1', ',', ' ']);
  const parts = Array.from({ length: r.int(1, 4) }, () => part(r, names));
  const separator = r.next();
  if (separator < 0.4) return parts.join(r.chance(0.2) ? ' , ' : ',');
  if (separator < 0.8) return parts.join(':');
  return parts.reduce((text, p) => `${text}${r.pick([',', ':'])}${p}`);
}
