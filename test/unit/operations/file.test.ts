import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileDiff, fileOperation, formatMode } from '../../../src/operations/file.js';
import { MASK } from '../../../src/core/secrets.js';
import fc from 'fast-check';
import { desiredFile, factsWith } from './fixtures.js';

const path = '/etc/awslogs/awscli.conf';
const same = desiredFile();
const onHost = (over: object = {}) =>
  factsWith({
    files: { [path]: { exists: true, content: same.content, mode: 0o600, owner: 'root', group: 'root', ...over } },
  });

test('formatMode: four octal digits, permission bits only', () => {
  assert.equal(formatMode(0o600), '0600');
  assert.equal(formatMode(0o100644), '0644');
  assert.equal(formatMode(0o4755), '4755');
});

test('a file already right is a no-op naming its hash', () => {
  const out = fileOperation(same, onHost());
  assert.ok('noop' in out);
  assert.match(
    out.noop,
    /^\/etc\/awslogs\/awscli\.conf already as desired \(sha256 [0-9a-f]{12}, mode 0600, root:root\)$/,
  );
});

test('a stat mode with file-type bits compares by permission bits', () => {
  assert.ok('noop' in fileOperation(same, onHost({ mode: 0o100600 })));
});

test('an absent file is created, with a diff from /dev/null', () => {
  const out = fileOperation(same, factsWith({ files: { [path]: { exists: false } } }));
  const c = out.changes[0];
  assert.ok(c?.kind === 'file');
  assert.equal(c.action, 'create');
  assert.equal(c.notifies, true);
  assert.ok(c.diff.startsWith('--- /dev/null\n+++ b/etc/awslogs/awscli.conf\n@@ -0,0 +1,4 @@\n'));
  assert.match(c.summary, /create .* \(4 lines, mode 0600, root:root\)/);
});

test('mode only: a mode change with an empty diff, not notifying', () => {
  const out = fileOperation(same, onHost({ mode: 0o644 }));
  const c = out.changes[0];
  assert.ok(c?.kind === 'file');
  assert.deepEqual([c.action, c.summary, c.diff, c.notifies], ['mode', `${path}: mode 0644 → 0600`, '', false]);
});

test('owner only: an owner change', () => {
  const c = fileOperation(same, onHost({ owner: 'ec2-user' })).changes[0];
  assert.ok(c?.kind === 'file');
  assert.deepEqual([c.action, c.summary], ['owner', `${path}: owner ec2-user:root → root:root`]);
});

test('mode and owner: one change naming both', () => {
  const out = fileOperation(same, onHost({ mode: 0o644, group: 'wheel' }));
  assert.equal(out.changes.length, 1);
  const c = out.changes[0];
  assert.ok(c?.kind === 'file');
  assert.equal(c.action, 'mode');
  assert.equal(c.summary, `${path}: mode 0644 → 0600, owner root:wheel → root:root`);
});

test('content and mode: one update naming both', () => {
  const c = fileOperation(same, onHost({ content: '[default]\n', mode: 0o644 })).changes[0];
  assert.ok(c?.kind === 'file');
  assert.equal(c.action, 'update');
  assert.match(c.summary, /content \+\d+ -\d+ lines, mode 0644 → 0600/);
});

test('a symlink is refused, not changed', () => {
  const out = fileOperation(same, onHost({ isSymlink: true, content: 'x' }));
  assert.deepEqual(out.changes, []);
  assert.deepEqual(out.refusals, [`${path}: managed path is a symlink: refused`]);
});

test('a path the probe did not report is refused', () => {
  const out = fileOperation(same, factsWith({ files: {} }));
  assert.deepEqual(out.changes, []);
  assert.equal(out.refusals?.length, 1);
});

test('fileDiff: a changed secret is a changed line, masked on both sides', () => {
  const before = 'aws_access_key_id = AKIA1\naws_secret_access_key = OLDSECRET\n';
  const after = 'aws_access_key_id = AKIA1\naws_secret_access_key = NEWSECRET\n';
  assert.equal(
    fileDiff(path, before, after, ['NEWSECRET']),
    [
      '--- a/etc/awslogs/awscli.conf',
      '+++ b/etc/awslogs/awscli.conf',
      '@@ -1,2 +1,2 @@',
      ' aws_access_key_id = AKIA1',
      `-aws_secret_access_key = ${MASK}`,
      `+aws_secret_access_key = ${MASK}`,
      '',
    ].join('\n'),
  );
});

// Secrets are upper case and digits, other lines lower case: a secret can only appear where it was put.
test('property: no known secret, nor the value of an old secret key on the host, ever appears in a diff', () => {
  const secret = fc.stringMatching(/^[A-Z0-9]{8,40}$/);
  const line = fc.stringMatching(/^[a-z_]{1,12} = [a-z ./{}%:-]{0,20}$/);
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 8 }),
      fc.array(line, { maxLength: 8 }),
      secret,
      secret,
      (a, b, known, old) => {
        const before = [...a, `aws_secret_access_key = ${old}`, ...b].join('\n');
        const after = [...b, `aws_secret_access_key = ${known}`, `note = ${known}`, ...a].join('\n');
        const diff = fileDiff(path, before, after, [known]);
        return !diff.includes(known) && !diff.includes(old);
      },
    ),
  );
});

test('a change carries what the path held when read (absent or the sha256), for the host script to check', () => {
  const created = fileOperation(same, factsWith({ files: { [path]: { exists: false } } })).changes[0];
  assert.ok(created?.kind === 'file');
  assert.equal(created.expectedSha256, 'absent');
  const sha = 'a'.repeat(64);
  const updated = fileOperation(same, onHost({ content: 'old\n', sha256: sha })).changes[0];
  assert.ok(updated?.kind === 'file');
  assert.equal(updated.expectedSha256, sha);
  // Read only in part (truncated, no sha256): nothing to compare against, no expectation.
  const partial = fileOperation(same, onHost({ content: 'old\n', truncated: true })).changes[0];
  assert.ok(partial?.kind === 'file');
  assert.equal(partial.expectedSha256, undefined);
});
