// Connection faults on the lab: sshd killed mid-command, the host's link cut before and during a run, a
// listener that accepts TCP and never speaks SSH, a slow (300 ms) link. Each: the timeouts as configured,
// that host reported, every other host finishes, no temp file left, the journal true to what happened, and
// rollback works on whatever was changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labInventoryCopy, labSkipReason, labUp, mustOnHost, onHost, type LabHost } from '../support/lab.js';
import { NET } from '../../src/lab/layout.js';
import type { JournalRun } from '../../src/journal/journal.js';
import { CONF, assertHostClean, assertJournalClean, fileSha, hostOf, provision, statuses } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# connection fault tests skipped: ${skip}`);

const run = promisify(execFile);
const netns = (host: LabHost) => `${NET.netnsPrefix}${host.name}`;
const link = (host: LabHost, state: 'up' | 'down') => run('ip', ['-n', netns(host), 'link', 'set', 'eth0', state]);
const SLOW = 'sleep 9.5';

function journalOf(inventory: string, id: string): JournalRun {
  return JSON.parse(readFileSync(join(dirname(inventory), '.provision', 'runs', `${id}.json`), 'utf8')) as JournalRun;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The sha256 of the config's before-image the run kept on the host (the package's own file: yum ran first). */
async function beforeImage(host: LabHost, runId: string): Promise<string> {
  const b = `/var/lib/awslogs-provision/backups/${runId}`;
  return (
    await mustOnHost(
      host.address,
      `for m in ${b}/*.path; do [ "$(cat $m)" = ${CONF} ] || continue; i=\${m%.path}; if [ "$(cat $i.meta)" = absent ]; then echo absent; else sha256sum < $i.content | cut -c1-64; fi; done`,
    )
  ).trim();
}

async function slowYum(host: LabHost): Promise<void> {
  await mustOnHost(
    host.address,
    `cp -p /usr/bin/yum /root/yum.real && printf '%s\\n' '#!/bin/sh' '${SLOW}' 'exec /root/yum.real "$@"' > /usr/bin/yum`,
  );
}
const realYum = (host: LabHost) => mustOnHost(host.address, 'cp -p /root/yum.real /usr/bin/yum');
const running = async (host: LabHost) => (await onHost(host.address, `pgrep -fx '${SLOW}'`, 5000)).code === 0;
const unlocked = async (host: LabHost) =>
  (await onHost(host.address, 'test -e /var/lib/awslogs-provision/lock', 5000)).code === 1;

/** A TCP proxy that holds every chunk `delayMs` in each direction. */
function delayingProxy(host: string, port: number, delayMs: number): Server {
  return createServer((client) => {
    const upstream = connect(port, host);
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => setTimeout(() => to.write(chunk), delayMs));
      from.on('end', () => setTimeout(() => to.end(), delayMs));
      from.on('error', () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
}

describe('fault: connections', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';
  let silent: Server;
  const sockets: Socket[] = [];

  before(async () => {
    hosts = await labUp(3, 'mixed');
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
    // Accepts TCP, never says a word.
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    silent.close();
    for (const h of hosts) await link(h, 'up').catch(() => undefined);
    await labDown();
  });

  test('sshd killed mid-command: host reported, its script stops itself, the journal says unknown; rollback restores the before-image', async () => {
    const host = hosts[2]!;
    await slowYum(host);
    try {
      const apply = provision(['--inventory', inventory, '--limit', host.name, '--command-timeout', '60']);
      await until('the slow yum step', () => running(host));
      // The session's own sshd: the nearest sshd above the step (never any other sshd on the machine).
      const sshd = await mustOnHost(
        host.address,
        `p=$(pgrep -fx '${SLOW}' | head -1); while [ "$p" -gt 1 ]; do [ "$(cat /proc/$p/comm)" = sshd ] && { echo $p; break; }; p=$(awk '{print $4}' /proc/$p/stat); done`,
      );
      assert.match(sshd.trim(), /^\d+$/);
      await mustOnHost(host.address, `kill -9 ${sshd.trim()}`);
      const result = await apply;
      assert.equal(result.code, 1);
      const h = hostOf(result.json, host.name);
      assert.ok(['failed', 'unreachable'].includes(h?.status ?? ''), result.stdout);
      assert.match(h?.error?.message ?? '', /outcome on the host is unknown/);
      const journal = journalOf(inventory, result.json!.run).hosts.find((x) => x.name === host.name);
      assert.equal(journal?.outcomeUnknown, true);
      assert.ok((journal?.files.length ?? 0) > 0);
      // Under sudo the script may not notice its reader is gone (sudo relays its output): it finishes or
      // undoes itself, its steps bounded, and releases its lock. Either way rollback restores the before-image.
      await until('the script to end', async () => !(await running(host)) && (await unlocked(host)));
      await assertHostClean(host);
      // No backups of the run: it stopped before writing (SIGPIPE); rollback must then leave the host as is.
      const expected = (await beforeImage(host, result.json!.run)) || (await fileSha(host, CONF));
      const rollback = await provision(['rollback', '--inventory', inventory, '--limit', host.name]);
      assert.ok(['ok', 'changed'].includes(hostOf(rollback.json, host.name)?.status ?? ''), rollback.stdout);
      assert.equal(await fileSha(host, CONF), expected, 'not restored');
      await assertHostClean(host);
    } finally {
      await realYum(host);
    }
  });

  test('link cut during a run: the host times out, the others finish; the journal names what may have changed; rollback restores it', async () => {
    const cut = hosts[0]!;
    await slowYum(cut);
    try {
      const t0 = Date.now();
      const apply = provision(['--inventory', inventory, '--command-timeout', '15', '--connect-timeout', '5']);
      await until('the slow yum step', () => running(cut));
      await link(cut, 'down');
      const result = await apply;
      const took = Date.now() - t0;
      await link(cut, 'up');
      assert.equal(result.code, 1);
      assert.ok(took < 90_000, `took ${took} ms`);
      assert.ok(['failed', 'unreachable'].includes(statuses(result.json)[cut.name] ?? ''), result.stdout);
      for (const h of hosts.slice(1)) assert.ok(['ok', 'changed'].includes(statuses(result.json)[h.name] ?? ''));
      const journal = journalOf(inventory, result.json!.run).hosts.find((x) => x.name === cut.name);
      assert.equal(journal?.outcomeUnknown, true);
      assert.deepEqual(journal?.files.map((f) => f.path).sort(), ['/etc/awslogs/awscli.conf', CONF]);
      // Unheard, the script on the host went on (its steps are bounded) and finished.
      await until('the orphaned script to end', () => unlocked(cut), 90_000);
      await assertHostClean(cut);
      const rollback = await provision(['rollback', '--inventory', inventory, '--limit', cut.name]);
      assert.ok(['ok', 'changed'].includes(hostOf(rollback.json, cut.name)?.status ?? ''), rollback.stdout);
      assert.equal(await fileSha(cut, CONF), await beforeImage(cut, result.json!.run), 'not restored');
      await assertHostClean(cut);
    } finally {
      await realYum(cut);
    }
    assertJournalClean(inventory);
  });

  test('link down before a run: that host unreachable within --connect-timeout, the others finish', async () => {
    const down = hosts[1]!;
    for (const h of hosts) await mustOnHost(h.address, `echo '# hand edit' >> ${CONF}`);
    await link(down, 'down');
    try {
      const t0 = Date.now();
      const result = await provision(['--inventory', inventory, '--connect-timeout', '3']);
      assert.equal(result.code, 1);
      assert.equal(statuses(result.json)[down.name], 'unreachable');
      assert.ok(Date.now() - t0 < 60_000);
      for (const h of hosts.filter((x) => x !== down)) assert.equal(statuses(result.json)[h.name], 'changed');
      const journal = journalOf(inventory, result.json!.run).hosts.find((x) => x.name === down.name);
      assert.deepEqual(journal?.files, []);
    } finally {
      await link(down, 'up');
    }
  });

  test('a host that accepts TCP and never answers SSH: unreachable after --connect-timeout; the others finish', async () => {
    const port = (silent.address() as { port: number }).port;
    const withSilent = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      const group = Object.values(doc.all.children)[0]!;
      group.hosts.silent = { ...Object.values(group.hosts)[0], ansible_host: '127.0.0.1', ansible_port: port };
    });
    const t0 = Date.now();
    const result = await provision(['--inventory', withSilent, '--connect-timeout', '3']);
    const took = Date.now() - t0;
    assert.equal(result.code, 1);
    const h = hostOf(result.json, 'silent');
    assert.equal(h?.status, 'unreachable');
    assert.match(h?.error?.message ?? '', /time|handshake/i);
    assert.ok(took < 60_000, `took ${took} ms`);
    for (const x of hosts) assert.ok(['ok', 'changed'].includes(statuses(result.json)[x.name] ?? ''));
  });

  test('a slow host (300 ms round trip): the run completes within the default timeouts', async () => {
    // netem first; this machine's kernel may lack sch_netem, then a proxy that holds every chunk 150 ms
    // each way stands between the tool and the host.
    const slow = hosts[1]!;
    await mustOnHost(slow.address, `echo '# hand edit' >> ${CONF}`);
    const tc = ['netns', 'exec', netns(slow), 'tc', 'qdisc'];
    const netem = await run('ip', [...tc, 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '300ms']).then(
      () => true,
      () => false,
    );
    let proxy: Server | undefined;
    let target = inventory;
    if (!netem) {
      proxy = delayingProxy(slow.address, 22, 150);
      await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
      const port = (proxy.address() as { port: number }).port;
      target = labInventoryCopy((doc) => {
        doc.all.vars.awslogs_credentials = { source: 'env' };
        for (const group of Object.values(doc.all.children))
          if (group.hosts[slow.name])
            Object.assign(group.hosts[slow.name]!, { ansible_host: '127.0.0.1', ansible_port: port });
      });
    }
    try {
      const t0 = Date.now();
      const result = await provision(['--inventory', target, '--limit', slow.name, '--accept-new-host-keys']);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.equal(statuses(result.json)[slow.name], 'changed');
      assert.ok(Date.now() - t0 > 1000, 'the link was not slow');
    } finally {
      if (netem) await run('ip', [...tc, 'del', 'dev', 'eth0', 'root']);
      proxy?.close();
    }
    for (const h of hosts) await assertHostClean(h);
  });
});
