import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/core/errors.js';
import { loadInventorySync } from '../../../src/inventory/load.js';
import { selectHosts, selection, splitPattern } from '../../../src/inventory/patterns.js';
import { FIXTURES } from './temp-inventory.js';

const inventory = loadInventorySync(join(FIXTURES, 'patterns', 'inventory.yml'));
const ALL = ['proxy', 'web1.example.com', 'web2.example.com', 'db1.example.com', 'db2.example.com'];

const selections: Array<{ pattern: string | undefined; hosts: string[]; why: string }> = [
  { pattern: undefined, hosts: ALL, why: 'no pattern selects every host' },
  { pattern: 'all', hosts: ALL, why: 'the group all' },
  { pattern: '*', hosts: ALL, why: 'a lone star' },
  { pattern: 'web', hosts: ['web1.example.com', 'web2.example.com'], why: 'a group name' },
  { pattern: 'proxy', hosts: ['proxy'], why: 'a host name' },
  { pattern: 'ungrouped', hosts: ['proxy'], why: 'the implicit ungrouped group' },
  { pattern: 'eu', hosts: ['web2.example.com', 'db2.example.com'], why: 'a group through its child groups' },
  { pattern: 'db:web', hosts: ALL.slice(1), why: 'a:b union, in inventory order' },
  { pattern: 'db,web', hosts: ALL.slice(1), why: 'a,b union' },
  { pattern: 'db, proxy', hosts: ['proxy', 'db1.example.com', 'db2.example.com'], why: 'spaces around parts' },
  { pattern: 'web:&staging', hosts: ['web2.example.com'], why: 'a:&b intersection' },
  { pattern: 'all:!staging', hosts: ['proxy', 'web1.example.com', 'db1.example.com'], why: 'a:!b exclusion' },
  {
    pattern: '!staging',
    hosts: ['proxy', 'web1.example.com', 'db1.example.com'],
    why: 'exclusion alone starts from all',
  },
  { pattern: '&staging', hosts: ['web2.example.com', 'db2.example.com'], why: 'intersection alone starts from all' },
  {
    pattern: 'web:db:&staging:!db2.example.com',
    hosts: ['web2.example.com'],
    why: 'unions first, then intersections, then exclusions, whatever the order written',
  },
  { pattern: '!db2.example.com:web:&staging:db', hosts: ['web2.example.com'], why: 'order of parts does not matter' },
  { pattern: 'web*.example.com', hosts: ['web1.example.com', 'web2.example.com'], why: 'a glob over host names' },
  { pattern: 'db?.example.com', hosts: ['db1.example.com', 'db2.example.com'], why: '? matches one character' },
  { pattern: 'w*', hosts: ['web1.example.com', 'web2.example.com'], why: 'a glob over group and host names' },
  {
    pattern: '[dp]*',
    hosts: ['proxy', 'db1.example.com', 'db2.example.com'],
    why: 'a glob character set',
  },
  { pattern: '[!adpuw]*', hosts: ['web2.example.com', 'db2.example.com'], why: 'a negated set: staging and eu' },
  { pattern: '~web\\d', hosts: ['web1.example.com', 'web2.example.com'], why: 'a regex over host names' },
  {
    pattern: '~(db|proxy)',
    hosts: ['proxy', 'db1.example.com', 'db2.example.com'],
    why: 'a regex over group and host names',
  },
  {
    pattern: '~.*2\\.example',
    hosts: ['web2.example.com', 'db2.example.com'],
    why: 'a regex is matched from the start',
  },
  { pattern: 'web[0]', hosts: ['web1.example.com'], why: 'a subscript' },
  { pattern: 'web[-1]', hosts: ['web2.example.com'], why: 'a negative subscript' },
  { pattern: 'all[1:2]', hosts: ['web1.example.com', 'web2.example.com'], why: 'an inclusive subscript range' },
  { pattern: 'all[3:]', hosts: ['db1.example.com', 'db2.example.com'], why: 'an open subscript range' },
];

for (const s of selections) {
  test(`selectHosts ${JSON.stringify(s.pattern)}: ${s.why}`, () => {
    assert.deepEqual(
      selectHosts(inventory, s.pattern).map((h) => h.name),
      s.hosts,
    );
  });
}

const refusals: Array<{ pattern: string; message: RegExp; why: string }> = [
  { pattern: 'nope', message: /host pattern 'nope' selects no host .*ignoring: nope/, why: 'an unknown name' },
  {
    pattern: 'web:nope:&zilch',
    message: /selects no host .*ignoring: nope; .*ignoring: zilch/,
    why: 'an intersection with nothing leaves nothing; every unmatched part is named',
  },
  {
    pattern: 'all:!nope',
    message: /'!nope' matches no host and no group .* Ansible would warn and exclude nothing/,
    why: 'an exclusion that matches nothing (stricter than Ansible)',
  },
  { pattern: '~example', message: /selects no host .*ignoring: ~example/, why: 'a regex is anchored at the start' },
  {
    pattern: 'web[5]',
    message: /no hosts matched the subscripted pattern 'web\[5\]'/,
    why: 'a subscript past the end',
  },
  { pattern: 'web:&db', message: /host pattern 'web:&db' selects no host/, why: 'an empty intersection' },
  { pattern: '~(', message: /'~\(' is not a valid regular expression/, why: 'an invalid regex' },
  { pattern: ' , ', message: /is empty/, why: 'an empty pattern' },
];

for (const r of refusals) {
  test(`selectHosts refuses ${JSON.stringify(r.pattern)}: ${r.why}`, () => {
    assert.throws(
      () => selectHosts(inventory, r.pattern),
      (error: unknown) => error instanceof UsageError && error.exitCode === 2 && r.message.test(error.message),
    );
  });
}

test("splitPattern is Ansible's split_host_pattern", () => {
  assert.deepEqual(splitPattern('2001:db8::1'), ['2001:db8::1'], 'an IPv6 address is one part');
  assert.deepEqual(splitPattern('web1:2222'), ['web1:2222'], 'so is a name with a port');
  assert.deepEqual(splitPattern('web[0:2]:db'), ['web[0:2]', 'db'], 'a bracket is kept whole');
  assert.deepEqual(splitPattern('a,b:!c'), ['a', 'b:!c'], 'with a comma, the colon is part of a name');
  assert.deepEqual(splitPattern('~h1:h2'), ['~h1', 'h2'], 'a regex ends at a colon when there is no comma');
  assert.deepEqual(splitPattern(' a , b '), ['a', 'b']);
  assert.deepEqual(splitPattern('a b'), ['a', 'b'], 'without a comma, spaces separate too');
});

test('selection() returns what Ansible would warn about', () => {
  const result = selection(inventory, 'web,wbe1,web[0-1]');
  assert.deepEqual(
    result.hosts.map((h) => h.name),
    ['web1.example.com', 'web2.example.com'],
  );
  assert.match(result.warnings.join('\n'), /ignoring: wbe1/);
  assert.match(result.warnings.join('\n'), /\[x:y\]/);
});

test('@FILE reads the parts from a file, one a line', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'limit-')), 'retry');
  writeFileSync(file, 'web1.example.com\n\ndb*\n');
  assert.deepEqual(
    selectHosts(inventory, `@${file}`).map((h) => h.name),
    ['web1.example.com', 'db1.example.com', 'db2.example.com'],
  );
  assert.throws(() => selectHosts(inventory, '@/nonexistent/retry'), /unable to find limit file/);
});
