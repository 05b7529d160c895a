import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import {
  checkHostKey,
  entryMatches,
  fingerprint,
  hostKeyName,
  keyTypeOf,
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
