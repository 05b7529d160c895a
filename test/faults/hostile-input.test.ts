// Hostile input: any string in any of the agent's variables, and any host or group name, either renders into
// an awslogs.conf and awscli.conf that Python's configparser reads back to exactly the intended sections and
// keys, or is refused (exit 2 through `provision render`) — never a crash. Any string as a host name, group name
// or key loads as written or is refused (control characters always are), never reaching a host. YAML bombs, huge
// files and inventories past the size caps (a million hosts from 2.6 KB, 5,000 nested groups) are refused within
// bounds of time and memory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { prepare } from '../../src/runs/fleet/prepare.js';
import { InputError, UsageError } from '../../src/core/errors.js';
import { loadInventorySync } from '../../src/inventory/load.js';
import { CLI, runCli } from '../support/cli.js';
import { ENV, SECRET } from './support.js';
import { AWSCLI_CONF_PATH, AWSLOGS_CONF_PATH } from '../../src/agents/awslogs/desired.js';
import type { AgentFiles } from '../../src/core/agent-plugin.js';

/** The text a prepared host's file gets (its agent's files, by path). */
const fileText = (files: AgentFiles, path: string): string => files.files.find((f) => f.path === path)!.content;

const KEYS = ['file', 'log_group_name', 'log_stream_name', 'datetime_format', 'multi_line_start_pattern'] as const;
const BASE = {
  file: '/var/log/messages',
  log_group_name: '/var/log/messages',
  log_stream_name: '{instance_id}',
  datetime_format: '%b %d %H:%M:%S %Y',
};

function inventory(dir: string, key: string, value: string): string {
  const file = join(dir, `inv-${Math.random().toString(36).slice(2)}.yml`);
  const log = { ...BASE, [key]: value };
  const doc = {
    all: {
      vars: { aws_region: 'ap-northeast-2', awslogs_credentials: { source: 'env' }, awslogs_logs: [log] },
      hosts: { h1: { ansible_host: '127.0.0.1' } },
    },
  };
  writeFileSync(file, stringify(doc));
  return file;
}

/** A host (or the group holding it) named `name`; the agent's variables as in BASE. */
function namedInventory(dir: string, where: 'host' | 'group', name: string): string {
  const file = join(dir, `inv-${Math.random().toString(36).slice(2)}.yml`);
  const vars = { aws_region: 'ap-northeast-2', awslogs_credentials: { source: 'env' }, awslogs_logs: [BASE] };
  const host = { ansible_host: '127.0.0.1' };
  const doc =
    where === 'host'
      ? { all: { vars, hosts: { [name]: host } } }
      : { all: { vars, children: { [name]: { hosts: { h1: host } } } } };
  writeFileSync(file, stringify(doc));
  return file;
}

/**
 * configparser (raw, strict) reads each file: its sections and each section's keys and values. A value of
 * exactly `""` is read as empty, as Python 2.7's ConfigParser (the agent's) does.
 */
function parseWithPython(files: string[]): Record<string, Record<string, string>>[] {
  const script = `
import configparser, json, sys
out = []
for text in json.load(sys.stdin):
    p = configparser.RawConfigParser(strict=True)
    p.optionxform = str
    try:
        p.read_string(text)
        out.append({s: {k: ('' if v.strip() == '""' else v) for k, v in p.items(s)} for s in p.sections()})
    except Exception as e:
        out.append({"__error__": {"error": repr(e)}})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(files) }).toString());
}

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^[\s\S]{0,40}$/),
  fc
    .array(
      fc.constantFrom(
        '\n',
        '\r',
        '[',
        ']',
        '=',
        ':',
        ';',
        '#',
        '%',
        '{',
        '}',
        '\\',
        ' ',
        '\t',
        'a',
        '/',
        '\u0000',
        '\u2028',
        '\u001b',
        '"',
      ),
      {
        maxLength: 20,
      },
    )
    .map((a) => a.join('')),
  fc.constantFrom('""', ' "" ', '"', '\u001b[2J', 'web1\n[exfil]\nfile = /etc/shadow'),
);

describe('fault: hostile input', () => {
  test('any string in any variable: rendered and read back exactly, or refused — never a crash', async () => {
    process.env.AWS_ACCESS_KEY_ID = ENV.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = ENV.AWS_SECRET_ACCESS_KEY;
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const samples = fc.sample(fc.tuple(fc.constantFrom(...KEYS), hostile), { numRuns: 300, seed: 7 });
    const accepted: { key: string; value: string; conf: string }[] = [];
    for (const [key, value] of samples) {
      try {
        const prepared = await prepare(inventory(dir, key, value));
        accepted.push({ key, value, conf: fileText(prepared.hosts[0]!.files, AWSLOGS_CONF_PATH) });
      } catch (err) {
        assert.ok(
          err instanceof InputError || err instanceof UsageError,
          `crash for ${key}=${JSON.stringify(value)}: ${String(err)}`,
        );
      }
    }
    const parsed = parseWithPython(accepted.map((a) => a.conf));
    accepted.forEach(({ key, value }, i) => {
      const sections = parsed[i]!;
      assert.ok(!sections.__error__, `${key}=${JSON.stringify(value)}: configparser: ${sections.__error__?.error}`);
      assert.deepEqual(Object.keys(sections).length, 2, `${key}=${JSON.stringify(value)}: ${JSON.stringify(sections)}`);
      const log = Object.entries(sections).find(([name]) => name !== 'general')![1];
      assert.equal(log[key], value, `${key}=${JSON.stringify(value)} was read back as ${JSON.stringify(log[key])}`);
      for (const [k, v] of Object.entries(BASE)) if (k !== key) assert.equal(log[k], v);
    });
    assert.ok(accepted.length > 10, `only ${accepted.length} accepted: the property tests refusal only`);
  });

  test('any host or group name: both files read back exactly, or refused — never a crash', async () => {
    process.env.AWS_ACCESS_KEY_ID = ENV.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = ENV.AWS_SECRET_ACCESS_KEY;
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const samples = fc.sample(fc.tuple(fc.constantFrom('host' as const, 'group' as const), hostile), {
      numRuns: 200,
      seed: 11,
    });
    const accepted: { where: string; name: string; files: string[] }[] = [];
    for (const [where, name] of samples) {
      try {
        const prepared = await prepare(namedInventory(dir, where, name));
        const files = prepared.hosts[0]!.files;
        accepted.push({ where, name, files: [fileText(files, AWSLOGS_CONF_PATH), fileText(files, AWSCLI_CONF_PATH)] });
      } catch (err) {
        assert.ok(
          err instanceof InputError || err instanceof UsageError,
          `crash for ${where} ${JSON.stringify(name)}: ${String(err)}`,
        );
      }
    }
    const parsed = parseWithPython(accepted.flatMap((a) => a.files));
    accepted.forEach(({ where, name }, i) => {
      const what = `${where} ${JSON.stringify(name)}`;
      const [agent, cli] = [parsed[2 * i]!, parsed[2 * i + 1]!];
      assert.deepEqual(agent, { general: { state_file: '/var/lib/awslogs/agent-state' }, [BASE.file]: BASE }, what);
      assert.deepEqual(
        cli,
        {
          plugins: { cwlogs: 'cwlogs' },
          default: {
            region: 'ap-northeast-2',
            aws_access_key_id: ENV.AWS_ACCESS_KEY_ID,
            aws_secret_access_key: ENV.AWS_SECRET_ACCESS_KEY,
          },
        },
        what,
      );
    });
    assert.ok(accepted.length > 10, `only ${accepted.length} accepted: the property tests refusal only`);
  });

  test('through the CLI: a refused value exits 2 with the place and the rule, no stack trace, no secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    for (const [key, value] of [
      ['log_group_name', 'a\n[general]\nstate_file = /etc/shadow'],
      ['file', '/var/log/x\u0000y'],
      ['datetime_format', '%b\r\n[x]'],
      ['log_stream_name', '""'],
    ] as const) {
      const result = await runCli(['render', '--inventory', inventory(dir, key, value), '--host', 'h1'], { env: ENV });
      assert.equal(result.code, 2, `${key}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, new RegExp(`${key}`));
      assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m);
      assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET));
    }
  });

  function measured(
    file: string,
    args = ['render', '--inventory', file, '--host', 'h1'],
  ): { code: number; ms: number; maxRssKb: number; stderr: string } {
    const t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, CLI, ...args], {
      env: { ...process.env, ...ENV, CI: 'true' },
      timeout: 60_000,
    });
    const stderr = r.stderr.toString();
    return {
      code: r.status ?? -1,
      ms: Date.now() - t0,
      maxRssKb: Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? 0),
      stderr,
    };
  }

  test('a YAML bomb (nested anchors and aliases) is refused within 20 s and 400 MB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    lines.push('all:', '  vars:', '    bomb: *a9', '  hosts:', '    h1: {ansible_host: 127.0.0.1}');
    const file = join(dir, 'bomb.yml');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = measured(file);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /alias/);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
    assert.ok(r.maxRssKb > 0 && r.maxRssKb < 400_000, `max RSS ${r.maxRssKb} kB`);
  });

  test('a huge inventory (64 MiB) is refused by its size within 20 s and 400 MB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const file = join(dir, 'huge.yml');
    writeFileSync(file, `all:\n  vars:\n    x: "${'x'.repeat(64 * 1024 * 1024)}"\n`);
    const r = measured(file);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /4 MiB/);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
    assert.ok(r.maxRssKb > 0 && r.maxRssKb < 400_000, `max RSS ${r.maxRssKb} kB`);
  });

  test('100 ranges of [0:9999] (2.6 KB, a million hosts) are refused by the inventory cap within 20 s and 400 MB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const file = join(dir, 'ranges.yml');
    const lines = ['all:', '  hosts:'];
    for (let i = 0; i < 100; i++) lines.push(`    h${i}-[0:9999]:`);
    writeFileSync(file, lines.join('\n') + '\n');
    const r = measured(file, ['inventory', '--inventory', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ranges\.yml:13:5: .*expands to more than 100000 host names/);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
    assert.ok(r.maxRssKb > 0 && r.maxRssKb < 400_000, `max RSS ${r.maxRssKb} kB`);
  });

  test('5,000 nested groups (chained, or nested in the YAML): exit 2 with the rule, never a stack overflow', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const chained: string[] = [];
    for (let i = 0; i < 5000; i++) chained.push(`g${i}:`, '  children:', `    g${i + 1}:`);
    chained.push('g5000:', '  hosts:', '    h1:');
    const nested = `all: ${'{children: {g: '.repeat(5000)}{hosts: {h1: }}${'}}'.repeat(5000)}`;
    for (const [name, text] of [
      ['chained.yml', chained.join('\n')],
      ['nested.yml', nested],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text + '\n');
      const r = measured(file, ['inventory', '--inventory', file]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /nested more than 100 deep|nested too deeply/, name);
      assert.doesNotMatch(r.stderr, /Maximum call stack|RangeError|^\s+at /m, name);
      assert.ok(r.ms < 20_000 && r.maxRssKb < 400_000, `${name}: ${r.ms} ms, ${r.maxRssKb} kB`);
    }
  });

  test('any string as a group name, host name or key: loaded as written, or refused with its place (never a crash)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    const samples = fc.sample(fc.tuple(hostile, hostile, hostile), { numRuns: 300, seed: 11 });
    let accepted = 0;
    for (const [group, host, key] of samples) {
      // JSON, which Ansible (and the tool) reads before YAML: every string arrives exactly as written.
      const file = join(dir, `names-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ [group]: { hosts: { [host]: { [key]: 'v' } } } }));
      // eslint-disable-next-line no-control-regex -- the characters the loader must refuse, written out again
      const controls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
      let inventory;
      try {
        inventory = loadInventorySync(file);
      } catch (err) {
        assert.ok(err instanceof InputError, `crash for ${JSON.stringify([group, host, key])}: ${String(err)}`);
        for (const problem of err.problems) assert.equal(problem.file, file);
        continue;
      }
      accepted++;
      const all = [group, key, ...inventory.hosts.map((h) => h.name)];
      assert.ok(!all.some((name) => controls.test(name)), `a control character got through: ${JSON.stringify(all)}`);
      assert.ok(inventory.groups[group], `group ${JSON.stringify(group)} is there under its own name`);
      for (const h of inventory.hosts) assert.ok(key in h.vars, `key ${JSON.stringify(key)} is there as written`);
    }
    assert.ok(accepted > 10, `only ${accepted} accepted: the property tests refusal only`);
  });

  test('a host name with a newline: exit 2 naming file, line and rule, and no host is contacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-hostile-'));
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const file = join(dir, 'newline.yml');
      const log = { ...BASE };
      const hostVars = { ansible_host: '127.0.0.1', ansible_port: port };
      writeFileSync(
        file,
        stringify({
          all: {
            vars: { aws_region: 'ap-northeast-2', awslogs_credentials: { source: 'env' }, awslogs_logs: [log] },
            hosts: { good: hostVars, 'evil\n[general]\nstate_file = /etc/shadow': hostVars },
          },
        }),
      );
      for (const args of [['--dry-run'], ['--yes', '--no-verify']]) {
        const result = await runCli(['--inventory', file, ...args], { env: ENV });
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, /newline\.yml:\d+:\d+: .*control characters .* are not allowed/);
        assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m);
      }
      assert.equal(connections, 0, 'no host was contacted');
    } finally {
      server.close();
    }
  });
});
