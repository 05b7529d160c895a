// The CLI as a new operator meets it, without the lab: usage, mistyped commands, -i everywhere, --json on
// error, a missing SSH key, plain progress lines that name the host and mark an unreachable one ✖.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../../support/cli.js';

const EXAMPLE = join(REPO_ROOT, 'inventories/example.yml');

/** An inventory of one host on a closed local port, with a real key so that only the connection fails. */
function closedPortInventory(keyFile?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-usage-'));
  const key = keyFile ?? join(dir, 'id_ed25519');
  if (!keyFile) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  writeFileSync(join(dir, 'known_hosts'), '');
  const file = join(dir, 'inventory.yml');
  writeFileSync(
    file,
    [
      'all:',
      '  vars:',
      '    aws_region: ap-northeast-2',
      '    awslogs_credentials: { source: instance_profile }',
      `    ansible_ssh_private_key_file: ${key}`,
      `    ssh_known_hosts_file: ${join(dir, 'known_hosts')}`,
      '    awslogs_logs:',
      '      - { file: /var/log/messages, log_group_name: /var/log/messages, log_stream_name: "{hostname}" }',
      '  hosts:',
      '    closed1: { ansible_host: 127.0.0.1, ansible_port: 1 }',
      '',
    ].join('\n'),
  );
  return file;
}

test('bare provision prints the usage on stderr, exit 2', async () => {
  const result = await runCli([]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^Usage: provision /m);
  assert.match(result.stderr, /^ {2}apply \[options\]/m);
});

test('a mistyped command is named, with the nearest one, exit 2', async () => {
  const result = await runCli(['aplly', '-i', EXAMPLE]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^error: unknown command 'aplly' \(did you mean apply\?\)/m);
  const sub = await runCli(['rollbak', '--inventory', EXAMPLE]);
  assert.match(sub.stderr, /unknown command 'rollbak' \(did you mean rollback\?\)/);
});

test('--version is the package version; every command takes -i', async () => {
  const version = await runCli(['--version']);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
  for (const command of [['iam', 'setup'], ['metrics', 'test'], ['metrics', 'apply'], ['inventory'], ['verify']]) {
    const result = await runCli([...command, '-i', '/nonexistent/inventory.yml']);
    assert.equal(result.code, 2, `${command.join(' ')}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /unknown option/, command.join(' '));
    assert.match(result.stderr, /inventory file not found/, command.join(' '));
  }
});

test('--json prints one JSON document on stdout when the command fails before its report', async () => {
  const missing = await runCli(['--inventory', '/nonexistent/inventory.yml', '--json']);
  assert.equal(missing.code, 2);
  const doc = JSON.parse(missing.stdout);
  assert.equal(doc.command, 'apply');
  assert.equal(doc.exitCode, 2);
  assert.equal(doc.error.problems[0].rule, 'inventory file not found');
  const usage = await runCli(['verify', '--json']);
  assert.equal(usage.code, 2);
  assert.deepEqual(Object.keys(JSON.parse(usage.stdout)), ['command', 'error', 'exitCode']);
  assert.equal(JSON.parse(usage.stdout).command, 'verify');
  const iam = await runCli(['iam', 'setup', '-i', '/nonexistent/inventory.yml', '--json']);
  assert.equal(JSON.parse(iam.stdout).command, 'iam setup');
});

test('a missing SSH key file: exit 2 before any contact, naming the path and where it is written', async () => {
  const file = closedPortInventory('/nonexistent/keys/fleet.pem');
  const result = await runCli(['--inventory', file, '--no-verify']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `${file}:5:\\d+: hosts\\.closed1\\.ansible_ssh_private_key_file: the SSH private key file does not exist; .*found /nonexistent/keys/fleet\\.pem`,
    ),
  );
  assert.doesNotMatch(result.stderr, /connecting|unreachable/);
});

test('plain progress names the host on every line; an unreachable host is marked ✖, exit 1', async () => {
  const file = closedPortInventory();
  const result = await runCli(['--inventory', file, '--no-verify', '--connect-timeout', '5']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^closed1: connecting$/m);
  assert.match(result.stderr, /^closed1: ✖ unreachable: /m);
  assert.doesNotMatch(result.stderr, /✔/);
  assert.doesNotMatch(result.stderr, /^\s*›/m);
  const json = await runCli(['--inventory', file, '--no-verify', '--json']);
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stdout).hosts[0].status, 'unreachable');
  assert.doesNotMatch(json.stderr, /closed1: /, 'no progress with --json');
});
