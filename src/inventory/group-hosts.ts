// The hosts of a group in Ansible's order (Group.get_hosts): its own hosts, then its children's, then theirs, level
// by level, each host once. Ansible walks the levels below the first through Python sets, so its order there
// changes from run to run; the tool walks them in the order they were written, which is one of Ansible's orders.

export interface GroupShape {
  /** Direct hosts, in the order written. */
  hosts: readonly string[];
  children: readonly string[];
}

export function hostsOfGroup(groups: ReadonlyMap<string, GroupShape>, name: string): string[] {
  const group = groups.get(name);
  if (!group) return [];
  const ordered: string[] = [name, ...group.children];
  const seen = new Set<string>();
  let level = [...new Set([...group.children, name])];
  while (level.length > 0) {
    for (const member of level) seen.add(member);
    const found = new Set<string>();
    for (const member of level) {
      for (const child of groups.get(member)?.children ?? []) {
        found.add(child);
        if (!seen.has(child)) ordered.push(child);
      }
    }
    level = [...found].filter((child) => !seen.has(child));
  }
  const hosts = new Set<string>();
  for (const member of ordered) for (const host of groups.get(member)?.hosts ?? []) hosts.add(host);
  return [...hosts];
}
