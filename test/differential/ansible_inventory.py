#!/usr/bin/python3
"""Reads inventories and host patterns with ansible-core's own InventoryManager and VariableManager, many per
process (an `ansible` command costs a second each): what `ansible-inventory -i INV --list` and
`ansible -i INV all --limit PATTERN --list-hosts` would say, as JSON lines on stdout.

stdin: {"cases": [{"id": ..., "file": "/abs/inventory.yml", "patterns": ["web[0]", ...]}]}
stdout, one line per case: {"id", "parsed", "vars_error"?, "warnings", "groups": {name: {"hosts", "children"}},
  "hosts": {name: {"groups", "vars"}}, "order": [...], "patterns": [{"pattern", "hosts"?, "error"?,
  "warnings", "unstable"}]}

Ansible walks a group's descendants through Python sets of Group objects, so the order of hosts below the
first level of children changes from run to run. Each question is answered twice, walking those sets in
insertion order and in reverse: "order" and each pattern's "hosts" are the insertion-order answer (one of the
orders Ansible may use, the one that follows the file), and "unstable" says the two answers differ.
"""
import datetime
import json
import math
import os
import sys

from ansible.errors import AnsibleError
from ansible.inventory.group import Group
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display
from ansible.vars.manager import VariableManager
from ansible.cli.inventory import INTERNAL_VARS

WARNINGS = []


def capture_warning(self, msg, formatted=False):
    WARNINGS.append(' '.join(str(msg).split()))


Display.warning = capture_warning

REVERSE = [False]


def ordered_walk(self, rel, include_self=False, preserve_ordering=False):
    """Group._walk_relationship with its sets iterated in insertion order (or the reverse)."""
    seen = set()
    unprocessed = list(dict.fromkeys(list(getattr(self, rel)) + ([self] if include_self else [])))
    ordered = ([self] if include_self else []) + list(getattr(self, rel))
    while unprocessed:
        seen.update(unprocessed)
        found = {}
        for group in (reversed(unprocessed) if REVERSE[0] else unprocessed):
            for item in getattr(group, rel):
                found[item] = True
                if item not in seen:
                    ordered.append(item)
        unprocessed = [g for g in found if g not in seen]
    return ordered if preserve_ordering else seen


Group._walk_relationship = ordered_walk


def plain(value):
    """JSON-safe, keeping what JSON cannot say: non-finite floats, big integers, dates as Ansible prints them."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 else {'$bigint': str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {'$float': repr(value)}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {json_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return {'$type': type(value).__name__, 'repr': repr(value)}


def json_key(key):
    # json.dumps turns True into "true", None into "null", 1.5 into "1.5"
    return json.loads(json.dumps({key: 0}))and next(iter(json.loads(json.dumps({key: 0}))))


def clear(inventory):
    inventory.clear_caches()
    for group in inventory.groups.values():
        group._hosts_cache = None


def limit(inventory, pattern):
    """`ansible -i INV all --limit PATTERN --list-hosts` (CLI.get_host_list): the hosts, or Ansible's error."""
    start = len(WARNINGS)
    try:
        no_hosts = len(inventory.list_hosts()) == 0
        inventory.subset(pattern)
        hosts = [h.name for h in inventory.list_hosts('all')]
        if not hosts and not no_hosts:
            raise AnsibleError('Specified inventory, host pattern and/or --limit leaves us with no hosts to target.')
        result = {'hosts': hosts}
    except AnsibleError as error:
        result = {'error': ' '.join(str(error).split())}
    finally:
        inventory.subset(None)
        clear(inventory)
    result['warnings'] = WARNINGS[start:]
    return result


def read(case):
    del WARNINGS[:]
    loader = DataLoader()
    REVERSE[0] = False
    inventory = InventoryManager(loader=loader, sources=[case['file']])
    out = {'id': case['id'], 'parsed': bool(inventory._inventory.processed_sources)}
    out['warnings'] = list(WARNINGS)
    if not out['parsed']:
        return out
    variables = VariableManager(loader=loader, inventory=inventory)
    out['groups'] = {
        name: {'hosts': [h.name for h in g.hosts], 'children': [c.name for c in g.child_groups]}
        for name, g in inventory.groups.items()
    }
    out['hosts'] = {}
    for name, host in inventory.hosts.items():
        try:
            hostvars = variables.get_vars(host=host, include_hostvars=False, stage='all')
        except AnsibleError as error:
            # A group_vars or host_vars file Ansible cannot read: ansible-inventory --list fails on it.
            out['vars_error'] = ' '.join(str(error).split())[:500]
            return out
        for internal in INTERNAL_VARS:
            hostvars.pop(internal, None)
        out['hosts'][name] = {'groups': sorted(g.name for g in host.get_groups()), 'vars': plain(hostvars)}
    out['order'] = [h.name for h in inventory.groups['all'].get_hosts()]
    patterns = []
    for pattern in case.get('patterns', []):
        REVERSE[0] = False
        clear(inventory)
        forward = limit(inventory, pattern)
        REVERSE[0] = True
        clear(inventory)
        backward = limit(inventory, pattern)
        REVERSE[0] = False
        clear(inventory)
        forward['pattern'] = pattern
        forward['unstable'] = sorted(forward.get('hosts', [])) != sorted(backward.get('hosts', [])) or (
            'error' in forward) != ('error' in backward)
        patterns.append(forward)
    out['patterns'] = patterns
    return out


def main():
    cases = json.load(sys.stdin)['cases']
    for case in cases:
        try:
            result = read(case)
        except Exception as error:  # a crash of the harness itself is reported, not hidden
            result = {'id': case['id'], 'crash': '%s: %s' % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(result, allow_nan=False) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
