// Faults on the operator's side of a run, on the lab: a hostile host name reaching the rendered files, a
// known_hosts that is a device or a link, what a dry-run writes on this machine, a run killed with SIGKILL
// (the write-ahead journal and its rollback), a corrupt journal, old secrets in a host's awscli.conf outside
// its `key = value` lines, and terminal escapes from hosts and inventories in human output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CLI, runCli } from '../support/cli.js';
import {
  labAwsEnv,
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  onHost,
  type LabHost,
} from '../support/lab.js';
import type { JournalRun } from '../../src/journal/journal.js';
import { RESET_SCRIPT } from '../../bench/hosts.js';
import {
  CLI_CONF,
  CONF,
  ENV,
  SECRET,
  assertHostClean,
  assertJournalClean,
  fileSha,
  hostOf,
  provision,
} from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# local fault tests skipped: ${skip}`);

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function journalFiles(inventory: string): string[] {
  try {
    return readdirSync(join(dirname(inventory), '.provision', 'runs')).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

function readJournal(inventory: string, file: string): JournalRun {
  return JSON.parse(readFileSync(join(dirname(inventory), '.provision', 'runs', file), 'utf8')) as JournalRun;
}

/** Everything under a folder, as relative paths. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('fault: the operator side (lab)', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';
  let first: LabHost;
  let second: LabHost;

  before(async () => {
    hosts = await labUp(2, 'mixed');
    [first, second] = hosts as [LabHost, LabHost];
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
  });
  after(async () => {
    await labDown();
  });

  test('a host name holding a newline (legal YAML) injects no section: refused with exit 2, the host untouched', async () => {
    const hostile = `${first.name}\n[exfil]\nfile = /root/only-root-reads-this\nlog_group_name = not-in-the-inventory\nlog_stream_name = x\n#`;
    const named = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      for (const group of Object.values(doc.all.children)) {
        const vars = group.hosts[first.name];
        if (!vars) continue;
        delete group.hosts[first.name];
        group.hosts[hostile] = vars;
      }
    });
    const before = await fileSha(first, CONF);
    for (const argv of [
      ['--inventory', named],
      ['--dry-run', '--inventory', named],
    ]) {
      const result = await provision(argv);
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stdout}${result.stderr}`);
      // Refused by the rendering (or, earlier, by the inventory's own check of names).
      assert.match(result.stderr, /control character|newline|line break/i);
      assert.doesNotMatch(result.stderr, /\n\[exfil\]/, 'the name was printed raw');
    }
    assert.equal(await fileSha(first, CONF), before);
    const found = await onHost(first.address, `grep -rl not-in-the-inventory /etc/awslogs 2>/dev/null`);
    assert.equal(found.stdout.trim(), '');
    // The same name through `render`: refused, never rendered.
    const render = await runCli(['render', '--inventory', named, '--host', hostile], { env: ENV });
    assert.equal(render.code, 2, render.stdout);
    assert.doesNotMatch(render.stdout, /exfil/);
  });

  test('known_hosts that is a device: never replaced, the new key refused with the reason; a dry run writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-kh-'));
    // A device node like /dev/null, made in the test's own folder: the machine's /dev/null is never at risk.
    const device = join(dir, 'null');
    execFileSync('mknod', [device, 'c', '1', '3']);
    const withDevice = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      doc.all.vars.ssh_known_hosts_file = device;
    });
    for (const dry of [true, false]) {
      const argv = ['--inventory', withDevice, '--limit', second.name, '--accept-new-host-keys'];
      const result = await provision(dry ? ['--dry-run', ...argv] : argv);
      assert.ok(lstatSync(device).isCharacterDevice(), `${dry ? 'dry run' : 'apply'}: known_hosts was replaced`);
      if (dry) {
        // A dry run records nothing: the key is taken for this run only, and the host is read.
        assert.equal(result.code, 0, result.stdout + result.stderr);
      } else {
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(hostOf(result.json, second.name)?.error?.message ?? '', /not a regular file/);
      }
    }
    assert.deepEqual(tree(dir), ['null']);
  });

  test('known_hosts that is a link: the key is written through it, the link kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-kh-'));
    mkdirSync(join(dir, 'dotfiles'));
    const target = join(dir, 'dotfiles', 'known_hosts');
    writeFileSync(target, '# managed elsewhere\n', { mode: 0o644 });
    const link = join(dir, 'known_hosts');
    symlinkSync(target, link);
    const withLink = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      doc.all.vars.ssh_known_hosts_file = link;
    });
    const result = await provision(['--inventory', withLink, '--limit', second.name, '--accept-new-host-keys']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a file');
    const text = readFileSync(target, 'utf8');
    assert.ok(text.startsWith('# managed elsewhere\n'));
    assert.match(text, new RegExp(`^${second.address.replaceAll('.', '\\.')} ssh-ed25519 `, 'm'));
    assert.equal(lstatSync(target).mode & 0o777, 0o644);
  });

  test('a dry run writes nothing on this machine: no known_hosts, no journal, no lock', async () => {
    const file = labInventoryCopy();
    const dir = dirname(file);
    const doc = parse(readFileSync(file, 'utf8')) as { all: { vars: Record<string, unknown> } };
    doc.all.vars.awslogs_credentials = { source: 'env' };
    doc.all.vars.ssh_known_hosts_file = join(dir, 'ssh', 'known_hosts');
    writeFileSync(file, stringify(doc));
    const result = await provision(['--dry-run', '--inventory', file, '--accept-new-host-keys']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(result.json!.hosts.every((h) => h.status !== 'unreachable'));
    const human = await runCli(['--dry-run', '--inventory', file, '--accept-new-host-keys'], { env: ENV });
    assert.equal(human.code, 0, human.stderr);
    assert.deepEqual(tree(dir), ['inventory.yml']);
  });

  test('a run killed with SIGKILL during verify: in the journal, picked by a plain rollback, and --run of it works', async () => {
    // The second host carries an earlier run's config; the killed run changes it and is in verify when killed.
    // The first host is mid-script (a slow yum) at that moment: its outcome is unknown.
    const earlier = await provision(['--inventory', inventory, '--limit', second.name]);
    assert.equal(earlier.code, 0, earlier.stderr);
    const configA = await fileSha(second, CONF);
    const slow = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      for (const log of doc.all.vars.awslogs_logs as { buffer_duration: number }[]) log.buffer_duration = 30_000;
    });
    const dir = dirname(slow);
    // The earlier run's journal beside the new inventory, so that a plain rollback has two runs to choose from.
    mkdirSync(join(dir, '.provision', 'runs'), { recursive: true });
    for (const f of journalFiles(inventory))
      writeFileSync(
        join(dir, '.provision', 'runs', f),
        readFileSync(join(dirname(inventory), '.provision', 'runs', f)),
      );
    const earlierFiles = journalFiles(slow);
    assert.equal(earlierFiles.length, 1);
    const SLOW = 'sleep 20';
    // The first host as before any install, whatever the tests before did: its apply script runs yum.
    await mustOnHost(first.address, RESET_SCRIPT);
    await mustOnHost(
      first.address,
      `cp -p /usr/bin/yum /root/yum.real && printf '%s\\n' '#!/bin/sh' '${SLOW}' 'exec /root/yum.real "$@"' > /usr/bin/yum`,
    );
    try {
      const child = spawn(process.execPath, [CLI, '--inventory', slow, '--json', '--command-timeout', '120'], {
        env: { ...process.env, CI: 'true', ...ENV, ...labAwsEnv() },
        stdio: 'ignore',
      });
      const exited = new Promise((r) => child.on('close', r));
      await until(
        'verify on the second host while the first is in yum',
        async () =>
          (await onHost(second.address, `grep -q awslogs-provision-verify- /var/log/messages`, 5000)).code === 0 &&
          (await onHost(first.address, `pgrep -fx '${SLOW}'`, 5000)).code === 0,
      );
      child.kill('SIGKILL');
      await exited;

      const fresh = journalFiles(slow).filter((f) => !earlierFiles.includes(f));
      assert.equal(fresh.length, 1, 'the killed run left no journal');
      const killedFile = fresh[0]!;
      const killed = readJournal(slow, killedFile);
      assert.equal(killed.finishedAt, undefined, 'a killed run cannot have finished');
      const mid = killed.hosts.find((h) => h.name === first.name);
      assert.equal(mid?.outcomeUnknown, true, JSON.stringify(killed));
      assert.ok((mid?.files.length ?? 0) > 0);
      const done = killed.hosts.find((h) => h.name === second.name);
      assert.equal(done?.status, 'changed', JSON.stringify(killed));
      assert.ok(done?.files.some((f) => f.path === CONF && /^[0-9a-f]{64}$/.test(f.sha256After)));

      // The orphaned script on the first host ends (finishes or undoes itself) and frees its lock.
      await until(
        'the first host’s script to end',
        async () =>
          (await onHost(first.address, `pgrep -fx '${SLOW}'`, 5000)).code === 1 &&
          (await onHost(first.address, 'test -e /var/lib/awslogs-provision/lock', 5000)).code === 1,
      );

      const plain = await provision(['rollback', '--inventory', slow, '--limit', second.name]);
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      assert.equal((plain.json as unknown as { restores: string }).restores, killed.run);
      assert.equal(await fileSha(second, CONF), configA, 'the earlier config is not back');

      const named = await provision(['rollback', '--inventory', slow, '--run', killed.run, '--limit', first.name]);
      assert.equal(named.code, 0, named.stdout + named.stderr);
      assert.ok(['ok', 'changed'].includes(hostOf(named.json, first.name)?.status ?? ''), named.stdout);
    } finally {
      await mustOnHost(first.address, 'cp -p /root/yum.real /usr/bin/yum');
    }
    for (const h of hosts) await assertHostClean(h);
    assertJournalClean(slow);
  });

  test('old keys in comments, ; comments, continuation lines and other sections of awscli.conf: masked everywhere', async () => {
    const applied = await provision(['--inventory', inventory, '--limit', second.name]);
    assert.equal(applied.code, 0, applied.stderr);
    const OLD = ['OLDcommentedKEY', 'OLDsemicolonKEY', 'OLDcontinuedKEY', 'OLDprofileKEY', 'OLDpasswordKEY'].map(
      (k) => `${k}${'x'.repeat(40 - k.length)}`,
    );
    const planted = [
      '[plugins]',
      'cwlogs = cwlogs',
      `# aws_secret_access_key = ${OLD[0]}`,
      `;aws_secret_access_key=${OLD[1]}`,
      '[default]',
      'region = ap-northeast-2',
      'aws_access_key_id = AKIAOLD0000000000000',
      'aws_secret_access_key = first-half',
      `  ${OLD[2]}`,
      '[profile old]',
      `aws_secret_access_key = ${OLD[3]}`,
      `password = ${OLD[4]}`,
      '',
    ].join('\n');
    await mustOnHost(second.address, `printf '%s' '${planted}' > ${CLI_CONF} && chmod 600 ${CLI_CONF}`);
    const outputs: string[] = [];
    const dry = await provision(['--dry-run', '--inventory', inventory, '--limit', second.name]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(
      dry.json!.hosts[0]!.changes.some((c) => c.path === CLI_CONF && c.diff),
      'no diff of awscli.conf',
    );
    outputs.push(dry.stdout, dry.stderr);
    const human = await runCli(['--dry-run', '--no-verify', '--inventory', inventory, '--limit', second.name], {
      env: ENV,
    });
    outputs.push(human.stdout, human.stderr);
    assert.match(human.stdout, /awscli\.conf/);
    const apply = await provision(['--inventory', inventory, '--limit', second.name]);
    assert.equal(apply.code, 0, apply.stderr);
    outputs.push(apply.stdout, apply.stderr);
    const rollback = await provision(['rollback', '--inventory', inventory, '--limit', second.name]);
    assert.equal(rollback.code, 0, rollback.stderr);
    outputs.push(rollback.stdout, rollback.stderr);
    for (const f of journalFiles(inventory))
      outputs.push(readFileSync(join(dirname(inventory), '.provision', 'runs', f), 'utf8'));
    for (const text of outputs) for (const old of OLD) assert.ok(!text.includes(old), `${old} shown:\n${text}`);
    // Put the tool's own file back for the tests after this one.
    assert.equal((await provision(['--inventory', inventory, '--limit', second.name])).code, 0);
  });

  test('terminal escapes from a host and from an inventory are shown escaped in human output', async () => {
    const ESC = '\u001b';
    const app = '/var/log/app/app.log';
    await mustOnHost(second.address, `mkdir -p /var/log/app; cp -p ${app} /root/app.log.saved 2>/dev/null || :`);
    // A log line forging a window title, a cleared screen and a green "all hosts ok".
    await mustOnHost(
      second.address,
      `printf '\\033]0;FAKE: all hosts ok\\007\\033[2J\\033[1;32mFAKE: all hosts ok\\033[0m\\n' > ${app}`,
    );
    try {
      const named = labInventoryCopy((doc) => {
        doc.all.vars.awslogs_credentials = { source: 'env' };
        const group = doc.all.children[second.os]!;
        group.hosts[`${second.name}${ESC}[2J`] = group.hosts[second.name]!;
        delete group.hosts[second.name];
        (doc.all.children as Record<string, unknown>)[`web${ESC}]0;FAKE${ESC}\\`] = { hosts: {} };
      });
      const runs = [
        await runCli(['--dry-run', '--no-verify', '--inventory', inventory, '--limit', second.name], { env: ENV }),
        await runCli(['doctor', '--preflight', '--inventory', inventory, '--limit', second.name], { env: ENV }),
        await runCli(['inventory', '--inventory', named], { env: ENV }),
        await runCli(['doctor', '--preflight', '--inventory', named], { env: ENV }),
        await runCli(['--dry-run', '--no-verify', '--inventory', named], { env: ENV }),
      ];
      assert.match(runs[0]!.stdout, /sample: .*FAKE: all hosts ok/, runs[0]!.stdout);
      for (const r of runs) {
        assert.ok(!RAW_CONTROL.test(r.stdout), `raw control character on stdout:\n${JSON.stringify(r.stdout)}`);
        assert.ok(!RAW_CONTROL.test(r.stderr), `raw control character on stderr:\n${JSON.stringify(r.stderr)}`);
        assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
      }
    } finally {
      await mustOnHost(second.address, `cp -p /root/app.log.saved ${app} 2>/dev/null || : > ${app}`);
    }
  });
});

describe('fault: a corrupt or inconsistent journal', () => {
  function setup(): { inventory: string; runs: string } {
    const dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-journal-'));
    const inventory = join(dir, 'inventory.yml');
    writeFileSync(
      inventory,
      stringify({
        all: {
          vars: {
            aws_region: 'ap-northeast-2',
            awslogs_logs: [{ file: '/var/log/messages', log_group_name: 'm', log_stream_name: '{hostname}' }],
          },
          // Never contacted: port 9 on loopback.
          hosts: { h1: { ansible_host: '127.0.0.1', ansible_port: 9 } },
        },
      }),
    );
    const runs = join(dir, '.provision', 'runs');
    mkdirSync(runs, { recursive: true });
    return { inventory, runs };
  }
  const entry = (run: string) => ({
    run,
    command: 'apply',
    inventory: 'x',
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
    hosts: [
      {
        name: 'h1',
        status: 'changed',
        changes: [],
        files: [{ path: CONF, sha256Before: 'absent', sha256After: 'a'.repeat(64) }],
      },
    ],
  });

  test('a truncated journal file: a clear error naming the file, exit 2, for --run and for a plain rollback', async () => {
    const { inventory, runs } = setup();
    const id = '20260101T000000Z-aaaaaa';
    const file = join(runs, `${id}.json`);
    writeFileSync(file, JSON.stringify(entry(id), null, 2).slice(0, 80));
    for (const argv of [['--run', id], []]) {
      const r = await runCli(['rollback', '--inventory', inventory, ...argv], { env: ENV });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes(file), r.stderr);
      assert.match(r.stderr, /corrupt|not valid JSON/i);
      assert.doesNotMatch(r.stderr, /no run .* in the journal/);
    }
  });

  test('a journal file whose run field names another run: refused naming the file; no host contacted', async () => {
    const { inventory, runs } = setup();
    const other = '20260101T000000Z-aaaaaa';
    const id = '20260102T000000Z-bbbbbb';
    const file = join(runs, `${id}.json`);
    writeFileSync(file, JSON.stringify(entry(other), null, 2));
    for (const argv of [['--run', id], []]) {
      const r = await runCli(['rollback', '--inventory', inventory, ...argv], { env: ENV });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes(file), r.stderr);
      assert.match(r.stderr, new RegExp(other));
    }
  });
});
