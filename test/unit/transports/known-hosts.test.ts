import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KnownHostsIndex,
  appendKnownHost,
  checkHostKey,
  entryMatches,
  fingerprint,
  hostKeyName,
  keyTypeOf,
  loadKnownHosts,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from '../../../src/transports/known-hosts.js';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const b = Buffer.from(body);
  const out = Buffer.alloc(8 + t.length + b.length);
  out.writeUInt32BE(t.length, 0);
  t.copy(out, 4);
  out.writeUInt32BE(b.length, 4 + t.length);
  b.copy(out, 8 + t.length);
  return out;
}
const A = blob('ssh-ed25519', 'key-a');
const B = blob('ssh-ed25519', 'key-b');
const R = blob('ssh-rsa', 'key-r');
const line = (hosts: string, k: Buffer, marker = ''): string =>
  `${marker}${hosts} ${keyTypeOf(k)} ${k.toString('base64')} comment`;

test('host names: port 22 plain, other ports bracketed', () => {
  assert.equal(hostKeyName('web1', 22), 'web1');
  assert.equal(hostKeyName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('plain, bracketed, comma lists, wildcards and negation', () => {
  const [e1, e2, e3] = parseKnownHosts(
    [line('web1,10.0.0.1', A), line('[10.0.0.1]:2222', A), line('*.prod,!bad.prod', A)].join('\n'),
  );
  assert.ok(e1 && e2 && e3);
  assert.ok(entryMatches(e1, '10.0.0.1', 22));
  assert.ok(entryMatches(e1, 'WEB1', 22));
  assert.ok(!entryMatches(e1, '10.0.0.1', 2222));
  assert.ok(entryMatches(e2, '10.0.0.1', 2222));
  assert.ok(entryMatches(e3, 'a.prod', 22));
  assert.ok(!entryMatches(e3, 'bad.prod', 22));
  assert.ok(!entryMatches(e3, 'a.prodx', 22));
});

test('hashed entries', () => {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update('[h]:2200').digest();
  const [e] = parseKnownHosts(
    `|1|${salt.toString('base64')}|${hash.toString('base64')} ssh-ed25519 ${A.toString('base64')}`,
  );
  assert.ok(e);
  assert.ok(entryMatches(e, 'h', 2200));
  assert.ok(!entryMatches(e, 'h', 22));
});

test('verdicts: known, unknown, changed, revoked; comments, blanks, junk and @cert-authority ignored', () => {
  const entries = parseKnownHosts(
    [
      '# comment',
      '',
      'garbage',
      line('web1', A),
      line('*', B, '@cert-authority '),
      line('web2', R),
      line('*', R, '@revoked '),
    ].join('\n'),
  );
  assert.equal(entries.length, 4);
  assert.equal(checkHostKey(entries, 'web1', 22, A), 'known');
  assert.equal(checkHostKey(entries, 'web1', 22, B), 'changed');
  assert.equal(checkHostKey(entries, 'web3', 22, B), 'unknown');
  assert.equal(checkHostKey(entries, 'web2', 22, R), 'revoked');
});

test('recorded key types come first in negotiation', () => {
  const entries = parseKnownHosts(line('web2', R));
  const algos = preferredHostKeyAlgorithms(entries, 'web2', 22);
  assert.deepEqual(algos.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  assert.equal(preferredHostKeyAlgorithms([], 'x', 22)[0], 'ssh-ed25519');
});

test('fingerprints look like ssh-keygen -l', () => {
  assert.match(fingerprint(A), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('the index finds exactly the unmarked entries entryMatches finds, for every kind of pattern', () => {
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[h3]:2200').digest('base64')}`;
  const entries = parseKnownHosts(
    [
      line('web1,10.0.0.1', A),
      line('WEB2', B),
      line('web1', B),
      line('[10.0.0.1]:2222', A),
      line('*.prod,!bad.prod', A),
      line('db?', R),
      line(hashed, B),
      line('web1', R, '@revoked '),
    ].join('\n'),
  );
  const index = new KnownHostsIndex(entries);
  const names: [string, number][] = [
    ['web1', 22],
    ['Web2', 22],
    ['10.0.0.1', 22],
    ['10.0.0.1', 2222],
    ['a.prod', 22],
    ['bad.prod', 22],
    ['db1', 22],
    ['db12', 22],
    ['h3', 2200],
    ['h3', 22],
    ['nobody', 22],
  ];
  for (const [host, port] of names) {
    const expected = entries.filter((e) => e.marker === undefined && entryMatches(e, host, port)).map((e) => e.line);
    const found = index.matching(host, port).map((e) => e.line);
    assert.deepEqual([...found].sort(), [...expected].sort(), `${host}:${port}`);
  }
  assert.ok(index.isRevoked(R));
  assert.ok(!index.isRevoked(A));
});

test('loadKnownHosts parses a file once, and again once it changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'known-hosts-'));
  const file = join(dir, 'known_hosts');
  assert.equal(checkHostKey(await loadKnownHosts(file), 'web1', 22, A), 'unknown');
  writeFileSync(file, line('web1', A) + '\n');
  const first = await loadKnownHosts(file);
  assert.equal(await loadKnownHosts(file), first, 'an unchanged file is not parsed again');
  assert.equal(checkHostKey(first, 'web1', 22, A), 'known');
  await appendKnownHost(file, line('web2', B));
  const second = await loadKnownHosts(file);
  assert.notEqual(second, first);
  assert.equal(checkHostKey(second, 'web2', 22, B), 'known');
});
