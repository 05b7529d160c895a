// Everything from a host is bounded (issue 10, item 3): a log "file" that never ends (a link to
// /proc/self/pagemap, a FIFO), `state_file: /dev/zero`, a command that prints without end, a host step that
// hangs under `doctor`, and a backtracking multi_line_start_pattern fed one long line by any user. Each: a
// clear host failure within the time asked, the CLI's memory flat, and SIGINT (twice) ends a run at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { connectSsh } from '../../src/transports/ssh.js';
import { CLI, REPO_ROOT } from '../support/cli.js';
import {
  LAB_KEY,
  LAB_KNOWN_HOSTS,
  labDown,
  labSkipReason,
  labUp,
  mustOnHost,
  onHost,
  type LabHost,
} from '../support/lab.js';
import { LAB_AWS_ENV, logSection, stamp, type Json } from '../integration/doctor/support.js';
import { assertHostClean, fileSha, logsInventory, CONF } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# bound tests skipped: ${skip}`);

/** A backtracking pattern (exponential on a line of word characters that ends in something else). */
const EVIL = '^(\\w+\\s?)+$';

interface Measured {
  code: number;
  ms: number;
  maxRssKb: number;
  stdout: string;
  stderr: string;
  json?: Json;
}

/**
 * The CLI under /usr/bin/time with a 300 MB heap (so that an unbounded read fails fast instead of taking the
 * machine's memory), killed after `killAfterMs`; `sigints` sends SIGINT at those times after the start.
 */
function measured(args: string[], killAfterMs: number, sigints: number[] = []): Promise<Measured> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, CLI, ...args, '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...LAB_AWS_ENV, CI: 'true', NODE_OPTIONS: '--max-old-space-size=300' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // time(1) passes no signal on: SIGINT goes to node itself (time's child), as a terminal's ^C would reach it.
    const timers = sigints.map((at) =>
      setTimeout(() => {
        const pid = execFileSync('pgrep', ['-P', String(child.pid)])
          .toString()
          .trim()
          .split('\n')[0];
        if (pid) process.kill(Number(pid), 'SIGINT');
      }, at),
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      timers.forEach(clearTimeout);
      let json: Json | undefined;
      try {
        json = JSON.parse(stdout) as Json;
      } catch {
        json = undefined;
      }
      const maxRssKb = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? 0);
      resolve({ code: code ?? -1, ms: Date.now() - t0, maxRssKb, stdout, stderr, json });
    });
  });
}

describe('fault: everything from a host is bounded', { skip }, () => {
  let host: LabHost;

  before(async () => {
    [host] = (await labUp(1, 'amzn2')) as [LabHost];
    await mustOnHost(host.address, 'id mallory >/dev/null 2>&1 || useradd -M -s /bin/sh mallory');
  });
  after(async () => {
    await labDown();
  });

  test('a log file that never ends (a link to /proc/self/pagemap) or never begins (a FIFO): refused within bounds', async () => {
    await mustOnHost(
      host.address,
      'mkdir -p /var/log/odd && ln -sfn /proc/self/pagemap /var/log/odd/pagemap.log && rm -f /var/log/odd/fifo.log && mkfifo /var/log/odd/fifo.log',
    );
    const inv = logsInventory([
      logSection('pagemap', '/var/log/odd/pagemap.log', '/lab/pagemap'),
      logSection('fifo', '/var/log/odd/fifo.log', '/lab/fifo'),
    ]);
    const r = await measured(['--dry-run', '--inventory', inv], 120_000);
    assert.doesNotMatch(r.stderr, /Invalid string length|heap out of memory/);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
    assert.ok(r.maxRssKb > 0 && r.maxRssKb < 400_000, `max RSS ${r.maxRssKb} kB`);
    const checks = r.json!.hosts[0]!.preflight!;
    const file = (log: string) => checks.find((c) => c.check === 'file' && c.log === log)!;
    assert.equal(file('pagemap').level, 'error');
    assert.match(file('pagemap').message, /\/proc\/.*not a log file/);
    assert.equal(file('fifo').level, 'error');
    assert.match(file('fifo').message, /not a file/);
  });

  test('doctor: state_file /dev/zero or a FIFO, and a host step that hangs: clear errors within --command-timeout', async () => {
    await mustOnHost(
      host.address,
      'mkdir -p /var/lib/odd && rm -f /var/lib/odd/fifo-state && mkfifo /var/lib/odd/fifo-state',
    );
    for (const stateFile of ['/dev/zero', '/var/lib/odd/fifo-state']) {
      const inv = logsInventory([logSection('app', '/var/log/app/app.log', '/lab/app')], { state_file: stateFile });
      const r = await measured(['doctor', '--inventory', inv, '--command-timeout', '20'], 120_000);
      assert.doesNotMatch(r.stderr, /Invalid string length|heap out of memory/);
      assert.ok(r.json, `${stateFile}: ${r.stdout}${r.stderr}`);
      assert.ok(r.ms < 45_000, `${stateFile}: took ${r.ms} ms`);
      assert.ok(r.maxRssKb > 0 && r.maxRssKb < 400_000, `${stateFile}: max RSS ${r.maxRssKb} kB`);
      const state = (r.json.hosts[0] as { state?: { error?: string } }).state;
      assert.match(state?.error ?? '', /not a regular file/, `${stateFile}: ${JSON.stringify(state)}`);
    }
    // rpm (the probe asks it whether the package is installed) hangs: the doctor ends the host at its timeout.
    await mustOnHost(
      host.address,
      `cp -p /usr/bin/rpm /root/rpm.real && printf '%s\\n' '#!/bin/sh' 'echo $$ > /root/rpm.pid' 'exec sleep 3000' > /usr/bin/rpm`,
    );
    try {
      const inv = logsInventory([logSection('app', '/var/log/app/app.log', '/lab/app')]);
      const r = await measured(['doctor', '--inventory', inv, '--command-timeout', '8'], 120_000);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.ok(r.ms < 40_000, `took ${r.ms} ms`);
      assert.match(r.json?.hosts[0]?.error?.message ?? '', /timed out/, r.stdout);
      // The probe was ended on the host too: nothing of it is left running.
      const until = Date.now() + 20_000;
      let left = await onHost(host.address, 'kill -0 "$(cat /root/rpm.pid)"');
      while (left.code === 0 && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 500));
        left = await onHost(host.address, 'kill -0 "$(cat /root/rpm.pid)"');
      }
      assert.notEqual(left.code, 0, 'the hung rpm is still running on the host');
    } finally {
      await onHost(host.address, 'kill "$(cat /root/rpm.pid)" 2>/dev/null; cp -p /root/rpm.real /usr/bin/rpm');
    }
  });

  test('the SSH transport: a command that prints without end fails the host past the cap, memory flat', async () => {
    const transport = await connectSsh(
      { name: host.name, host: host.address, port: 22, user: 'root', privateKeyFile: LAB_KEY, become: false },
      { knownHostsFile: LAB_KNOWN_HOSTS, acceptNewHostKeys: false, connectTimeoutMs: 10_000, commandTimeoutMs: 60_000 },
    );
    try {
      const rss0 = process.memoryUsage().rss;
      const t0 = Date.now();
      await assert.rejects(transport.run('cat /dev/zero'), (err: Error) => {
        assert.equal(err.name, 'OutputTooLarge');
        assert.match(err.message, /printed more than 16 MiB/);
        return true;
      });
      assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
      assert.ok(process.memoryUsage().rss - rss0 < 100 * 1024 * 1024, 'memory grew by 100 MB or more');
      // The connection is still usable for the next command.
      assert.equal((await transport.run('echo ok')).stdout, 'ok\n');
    } finally {
      await transport.close();
    }
  });

  test('a backtracking multi_line_start_pattern and one long line any user wrote: the run ends within --command-timeout', async () => {
    await mustOnHost(
      host.address,
      `printf '%s\\n' '${stamp()} INFO start' > /var/log/app/evil.log && chmod 666 /var/log/app/evil.log
       setpriv --reuid=mallory --regid=mallory --clear-groups sh -c "printf '%s!\\n' $(printf 'a%.0s' $(seq 1 60)) >> /var/log/app/evil.log"`,
    );
    const inv = logsInventory([
      logSection('evil', '/var/log/app/evil.log', '/lab/evil', { multi_line_start_pattern: EVIL }),
    ]);
    const r = await measured(['--dry-run', '--inventory', inv, '--command-timeout', '10'], 90_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.ms < 40_000, `took ${r.ms} ms`);
    const check = r.json!.hosts[0]!.preflight!.find((c) => c.log === 'evil' && c.level === 'error');
    assert.match(
      check?.message ?? '',
      /multi_line_start_pattern .* did not finish within 10 s/,
      JSON.stringify(r.json),
    );
  });

  test('SIGINT twice ends a run held by such a pattern at once, and the host is left as it was', async () => {
    const inv = logsInventory([
      logSection('evil', '/var/log/app/evil.log', '/lab/evil', { multi_line_start_pattern: EVIL }),
    ]);
    const before = await fileSha(host, CONF);
    // Preflight starts within a few seconds; the default --command-timeout (300 s) would hold it long after.
    const r = await measured(['--inventory', inv, '--no-verify'], 90_000, [6_000, 6_300]);
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
    assert.equal(await fileSha(host, CONF), before);
    assert.equal((await onHost(host.address, 'test -e /var/lib/awslogs-provision/lock')).code, 1, 'lock left');
    await assertHostClean(host);
  });
});
