import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { REPO_ROOT, runCli } from '../../support/cli.js';

const EXAMPLE = join(REPO_ROOT, 'inventories/example.yml');

/** Python's configparser, as the agent reads its files: sections → keys → values. */
function configparser(text: string): Record<string, Record<string, string>> {
  const script = `
import configparser, json, sys
p = configparser.ConfigParser(interpolation=None)
p.read_string(sys.stdin.read())
print(json.dumps({s: dict(p.items(s, raw=True)) for s in p.sections()}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' }));
}

test('render of the example inventory: configparser reads back exactly the sections and keys it gave', async () => {
  const result = await runCli([
    'render',
    '--inventory',
    EXAMPLE,
    '--host',
    'web1',
    '--file',
    '/etc/awslogs/awslogs.conf',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const parsed = configparser(result.stdout);
  const vars = parse(readFileSync(EXAMPLE, 'utf8')).all.vars;
  const expectedSections = [
    'general',
    ...vars.awslogs_logs.map((l: { section?: string; file: string }) => l.section ?? l.file),
  ];
  assert.deepEqual(Object.keys(parsed), expectedSections);
  for (const [key, value] of Object.entries(vars.awslogs_general)) assert.equal(parsed.general?.[key], String(value));
  for (const log of vars.awslogs_logs as Record<string, unknown>[]) {
    const section = parsed[(log.section as string | undefined) ?? (log.file as string)];
    const { section: _name, ...options } = log;
    assert.deepEqual(section, Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)])));
  }
});

test('render prints each file under a tail-style header', async () => {
  const result = await runCli(['render', '--inventory', EXAMPLE, '--host', 'web1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^==> \/etc\/awslogs\/awslogs\.conf <==\n/);
  assert.match(result.stdout, /\n==> \/etc\/awslogs\/awscli\.conf <==\n(#.*\n)*\[plugins\]\ncwlogs = cwlogs\n/);
  const cli = configparser(result.stdout.split('==> /etc/awslogs/awscli.conf <==\n')[1] ?? '');
  assert.deepEqual(cli, { plugins: { cwlogs: 'cwlogs' }, default: { region: 'ap-northeast-2' } });
});

test('an unknown host is a usage error (exit 2)', async () => {
  const result = await runCli(['render', '--inventory', EXAMPLE, '--host', 'nope']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no host "nope"/);
});

test('unknown flags are errors (exit 2) and every command has --help', async () => {
  const bad = await runCli(['render', '--inventory', EXAMPLE, '--host', 'web1', '--bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option '--bogus'/);
  for (const command of ['apply', 'rollback', 'render', 'inventory']) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, /--inventory/);
  }
});
