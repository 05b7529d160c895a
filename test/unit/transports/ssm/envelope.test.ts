// The SSM output envelope, run for real with /bin/sh (its spool folder moved to a temp folder): what a script
// prints comes back whole — small or in parts, text or bytes, stdout and stderr apart, with its exit code —
// and an answer cut short is seen, never taken for the whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  MAX_COMPRESSED_BYTES,
  PART_BYTES,
  PartProblem,
  SPOOL_ROOT,
  SSM_STDOUT_LIMIT,
  envelopeScript,
  parseFirstPart,
  parsePart,
  partCount,
  partScript,
  unpack,
} from '../../../../src/transports/ssm/envelope.js';

const root = mkdtempSync(join(tmpdir(), 'ssm-envelope-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** Runs command text as the SSM agent would (sh), with the spool under the temp folder. */
function agent(text: string): { stdout: string; code: number } {
  const r = spawnSync('sh', ['-c', text.replaceAll(SPOOL_ROOT, root)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { stdout: r.stdout, code: r.status ?? -1 };
}

let seq = 0;
function roundTrip(script: string): { stdout: Buffer; stderr: Buffer; code: number; parts: number; exit: number } {
  const token = `abcdef01-${++seq}`;
  const first = agent(envelopeScript(script, token));
  assert.ok(first.stdout.length < SSM_STDOUT_LIMIT, `first part is ${first.stdout.length} characters`);
  const head = parseFirstPart(first.stdout);
  assert.ok(head.part, 'within the limit');
  const parts = [head.part];
  for (let i = 1; i < partCount(head.compressedBytes); i++) {
    const next = agent(partScript(token, i));
    assert.ok(next.stdout.length < SSM_STDOUT_LIMIT);
    parts.push(parsePart(next.stdout, i, head.compressedBytes));
  }
  return { ...unpack(parts), code: head.code, parts: parts.length, exit: first.code };
}

test('a small script: stdout, stderr and exit code come back apart, in one part; nothing left on the host', () => {
  const r = roundTrip('echo out; echo err >&2; printf "no newline"; exit 3\n');
  assert.equal(r.stdout.toString(), 'out\nno newline');
  assert.equal(r.stderr.toString(), 'err\n');
  assert.equal(r.code, 3);
  assert.equal(r.exit, 3, 'the command exits as the script did (SSM counts it Failed)');
  assert.equal(r.parts, 1);
  assert.deepEqual(readdirSync(join(root, 'ssm')), []);
});

test('exit codes the SSM agent reads as reboots or as its own stop (137, 168, 169, 194) are not passed on', () => {
  for (const code of [137, 168, 169, 194]) {
    const r = roundTrip(`exit ${code}\n`);
    assert.equal(r.code, code, 'the envelope still reports the real code');
    assert.equal(r.exit, 1);
  }
});

test('output far over 24,000 characters comes back whole, in parts, byte for byte', () => {
  // Random bytes do not compress: 120 KB make several parts.
  const bytes = randomBytes(120_000);
  const file = join(root, 'blob');
  writeFileSync(file, bytes);
  const r = roundTrip(`cat '${file}'\n`);
  assert.ok(r.stdout.equals(bytes), 'the bytes are the ones printed');
  assert.ok(r.parts >= 7, `${r.parts} parts`);
  assert.deepEqual(readdirSync(join(root, 'ssm')), [], 'the last part removed the spool');
});

test('a script whose heredocs and quotes would trip a wrapper runs as written', () => {
  const script = "cat <<'EOF'\n$HOME `id` \"x\" 'y'\nEOF\ncase a in a) echo case ;; esac\n";
  assert.equal(roundTrip(script).stdout.toString(), '$HOME `id` "x" \'y\'\ncase\n');
});

test('an output over what the transport brings back is refused before any of it is sent', () => {
  const token = `abcdef01-${++seq}`;
  const size = MAX_COMPRESSED_BYTES + 50_000;
  const first = agent(envelopeScript(`head -c ${size} /dev/urandom\n`, token));
  const head = parseFirstPart(first.stdout);
  assert.equal(head.part, undefined);
  assert.ok(head.compressedBytes > MAX_COMPRESSED_BYTES);
  assert.ok(first.stdout.length < 200);
  assert.equal(existsSync(join(root, 'ssm', token)), false);
});

test('an answer cut short, or not from the envelope, is a PartProblem with the reason', () => {
  const first = agent(envelopeScript('echo hello\n', `abcdef01-${++seq}`)).stdout;
  const lines = first.split('\n');
  const cut = [lines[0], lines[1]!.slice(0, -4)].join('\n');
  assert.throws(() => parseFirstPart(cut), PartProblem);
  assert.throws(() => parseFirstPart(first.replace('@@ssm-end', '')), /cut/);
  assert.throws(() => parseFirstPart('x'.repeat(SSM_STDOUT_LIMIT)), /keeps 24000 characters/);
  assert.throws(() => parseFirstPart('@@ssm-error /var/lib/awslogs-provision is not a folder'), /not a folder/);
  assert.throws(() => unpack([Buffer.from('not gzip')]), /does not unpack/);
});

test('a part asked for after the host lost the spool says so', () => {
  const r = agent(partScript('abcdef01-999', 1));
  assert.equal(r.code, 70);
  assert.throws(() => parsePart(r.stdout, 1, PART_BYTES * 2), /gone/);
});

test('the spool refuses a folder that is a symlink (root never follows a path others control)', () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'ssm-elsewhere-'));
  rmSync(join(root, 'ssm'), { recursive: true, force: true });
  execFileSync('ln', ['-s', elsewhere, join(root, 'ssm')]);
  try {
    const r = agent(envelopeScript('echo hi\n', `abcdef01-${++seq}`));
    assert.equal(r.code, 70);
    assert.throws(() => parseFirstPart(r.stdout), /not a folder/);
    assert.deepEqual(readdirSync(elsewhere), []);
  } finally {
    rmSync(join(root, 'ssm'), { force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
