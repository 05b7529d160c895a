// The graph of groups, checked without recursion (an inventory may chain 5,000 groups): all is nobody's child, no
// group is its own ancestor, and each group's depth is its longest path from all, as Ansible computes it.
import type { Problem } from '../core/errors.js';
import type { SourceLocation } from './types.js';

/** A `children:` entry: `child` written under `parent`. */
export interface Edge {
  parent: string;
  child: string;
  location: SourceLocation;
  path: string;
}

/** Every edge that puts all under a group or closes a cycle, as a problem located where it was written. */
export function checkGroupGraph(edges: readonly Edge[], roots: Iterable<string>): Problem[] {
  const problems: Problem[] = [];
  const children = new Map<string, Edge[]>();
  for (const edge of edges) {
    if (edge.child === 'all') {
      problems.push({
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
  for (const root of roots) {
    if (state.has(root)) continue;
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (!frame) break;
      const edge = children.get(frame.name)?.[frame.next++];
      if (!edge) {
        state.set(frame.name, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(edge.child);
      if (seen === 'visiting') {
        const names = stack.map((f) => f.name);
        problems.push({
          ...edge.location,
          path: edge.path,
          rule: `group ${edge.child} is its own ancestor`,
          expected: 'groups without cycles',
          found: [...names.slice(names.indexOf(edge.child)), edge.child].join(' → '),
        });
      } else if (seen === undefined) {
        state.set(edge.child, 'visiting');
        stack.push({ name: edge.child, next: 0 });
      }
    }
  }
  return problems;
}

/**
 * Each group's longest path from a group without parents (all), in topological order. Stops at the first group
 * deeper than `limit` and names it.
 */
export function groupDepths(
  groups: ReadonlyMap<string, { parents: readonly string[]; children: readonly string[] }>,
  limit: number,
): { depths: Map<string, number>; tooDeep?: { name: string; depth: number } } {
  const depths = new Map<string, number>();
  const waiting = new Map<string, number>();
  const ready: string[] = [];
  for (const [name, group] of groups) {
    waiting.set(name, group.parents.length);
    if (group.parents.length === 0) {
      depths.set(name, 0);
      ready.push(name);
    }
  }
  while (ready.length > 0) {
    const name = ready.pop() ?? '';
    const depth = depths.get(name) ?? 0;
    if (depth > limit) return { depths, tooDeep: { name, depth } };
    for (const child of groups.get(name)?.children ?? []) {
      depths.set(child, Math.max(depths.get(child) ?? 0, depth + 1));
      const left = (waiting.get(child) ?? 1) - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return { depths };
}
