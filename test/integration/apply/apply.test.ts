// The SSH apply end to end on the lab (amzn1 and amzn2): first apply, no-change re-run, dry-run diffs,
// rollback, host keys, an unreachable host, a config the agent rejects, a hostile path.
// The agent's credentials come from the environment here; verify (AWS) is exercised by its own tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '../../support/cli.js';
import { CLI_CONF, CONF, ENV, SECRET, runJson, statuses, type JsonRun } from '../../support/provision.js';
import {
  agentActive,
  agentPid,
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  onHost,
  type LabHost,
} from '../../support/lab.js';

const skip = labSkipReason();
if (skip) console.log(`# apply tests skipped: ${skip}`);

function provision(inventory: string, ...args: string[]) {
  return runJson(['--inventory', inventory, '--no-verify', '--json', ...args]);
}

async function fileState(host: LabHost, path: string): Promise<string> {
  return (await mustOnHost(host.address, `stat -c '%a %U %G %Y' ${path} && sha256sum ${path} | cut -c1-64`)).trim();
}

describe('apply over SSH on the lab', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';

  before(async () => {
    hosts = await labUp(3, 'mixed');
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
  });
  after(async () => {
    await labDown();
  });

  test('the lab has both flavours', () => {
    assert.deepEqual(new Set(hosts.map((h) => h.os)), new Set(['amzn1', 'amzn2']));
  });

  test('first apply: every host changed, files in place with their modes, agent running', async () => {
    const result = await provision(inventory);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(statuses(result.json), Object.fromEntries(hosts.map((h) => [h.name, 'changed'])));
    for (const host of hosts) {
      assert.match(await fileState(host, CONF), /^644 root root /);
      assert.match(await fileState(host, CLI_CONF), /^600 root root /);
      assert.ok(await agentActive(host), `agent not running on ${host.name}`);
      const cli = await mustOnHost(host.address, `cat ${CLI_CONF}`);
      assert.match(cli, new RegExp(`aws_secret_access_key = ${SECRET}`));
      assert.match(cli, /region = ap-northeast-2/);
      // Nothing but the credential file holds the secret: not the journal, not the backups' metadata.
      const leaks = await onHost(
        host.address,
        `grep -rl ${SECRET} /etc /var/lib/awslogs-provision /var/log 2>/dev/null`,
      );
      assert.deepEqual(leaks.stdout.trim().split('\n').filter(Boolean), [CLI_CONF]);
    }
    const journal = readFileSync(join(dirname(inventory), '.provision', 'runs', `${result.json?.run}.json`), 'utf8');
    assert.ok(!journal.includes(SECRET));
    assert.match(journal, /"sha256After"/);
  });

  test('no-change re-run: every host ok, no file touched, agent not restarted', async () => {
    const before = await Promise.all(
      hosts.map(async (h) => [await fileState(h, CONF), await fileState(h, CLI_CONF), await agentPid(h)]),
    );
    const result = await provision(inventory);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(statuses(result.json), Object.fromEntries(hosts.map((h) => [h.name, 'ok'])));
    assert.ok(result.json?.hosts.every((h) => h.changes.length === 0));
    const after = await Promise.all(
      hosts.map(async (h) => [await fileState(h, CONF), await fileState(h, CLI_CONF), await agentPid(h)]),
    );
    assert.deepEqual(after, before);
  });

  test('a hand edit on one host: dry-run shows exactly that diff and exits 3; apply restores it', async () => {
    const [edited, ...others] = hosts as [LabHost, ...LabHost[]];
    const original = await mustOnHost(edited.address, `cat ${CONF}`);
    await mustOnHost(edited.address, `echo 'hand_edit = yes' >> ${CONF}`);
    const dry = await provision(inventory, '--dry-run', '--detailed-exitcode');
    assert.equal(dry.code, 3, dry.stderr);
    const host = dry.json?.hosts.find((h) => h.name === edited.name);
    assert.equal(host?.status, 'changed');
    const fileChanges = host?.changes.filter((c) => c.kind === 'file') ?? [];
    assert.equal(fileChanges.length, 1);
    assert.equal(fileChanges[0]?.path, CONF);
    const diffLines = (fileChanges[0]?.diff ?? '').split('\n').filter((l) => /^[-+](?![-+])/.test(l));
    assert.deepEqual(diffLines, ['-hand_edit = yes']);
    assert.ok(host?.changes.some((c) => c.kind === 'service' && /restart/.test(c.summary)));
    for (const other of others) assert.equal(dry.json?.hosts.find((h) => h.name === other.name)?.status, 'ok');
    assert.match(await mustOnHost(edited.address, `cat ${CONF}`), /hand_edit = yes/, 'dry-run changed the host');

    const apply = await provision(inventory);
    assert.equal(apply.code, 0, apply.stderr);
    assert.equal(statuses(apply.json)[edited.name], 'changed');
    assert.equal(await mustOnHost(edited.address, `cat ${CONF}`), original);
    assert.ok(await agentActive(edited));
  });

  test('rollback restores the previous content, mode and owner, and the agent runs', async () => {
    const [host] = hosts as [LabHost];
    await mustOnHost(host.address, `chmod 640 ${CONF} && echo 'before_rollback = 1' >> ${CONF}`);
    const handEdited = await fileState(host, CONF);
    const apply = await provision(inventory);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(await fileState(host, CONF), /^644 /);

    const rollback = await runCli(['rollback', '--inventory', inventory, '--json'], { env: ENV });
    assert.equal(rollback.code, 0, rollback.stderr);
    const report = JSON.parse(rollback.stdout) as JsonRun & { restores: string };
    assert.equal(report.restores, apply.json?.run);
    assert.equal(statuses(report)[host.name], 'changed');
    for (const other of hosts.slice(1)) assert.equal(statuses(report)[other.name], 'ok');
    assert.equal(
      (await fileState(host, CONF)).split(' ').slice(0, 3).join(' '),
      handEdited.split(' ').slice(0, 3).join(' '),
    );
    assert.match(await mustOnHost(host.address, `cat ${CONF}`), /before_rollback = 1/);
    assert.ok(await agentActive(host));
    // Put the host back for the tests after this one.
    assert.equal((await provision(inventory)).code, 0);
  });

  test('an unknown host key is refused; --accept-new-host-keys records new keys', async () => {
    const dir = dirname(inventory);
    const knownHosts = join(dir, 'empty_known_hosts');
    writeFileSync(knownHosts, '');
    const strict = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      doc.all.vars.ssh_known_hosts_file = knownHosts;
    });
    const refused = await provision(strict);
    assert.equal(refused.code, 1);
    for (const h of refused.json?.hosts ?? []) {
      assert.equal(h.status, 'unreachable');
      assert.match(h.error?.message ?? '', /not in|unknown|not known/i);
    }
    const accepted = await provision(strict, '--accept-new-host-keys');
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(readFileSync(knownHosts, 'utf8').trim().split('\n').length >= hosts.length, true);
  });

  test('an unreachable host is reported; every other host finishes', async () => {
    const withGhost = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      const group = Object.values(doc.all.children)[0]!;
      // Port 1 on loopback: nothing listens, the connection is refused at once.
      group.hosts.ghost = {
        ansible_host: '127.0.0.1',
        ansible_port: 1,
        ansible_user: 'ec2-user',
        ansible_become: true,
      };
    });
    const result = await provision(withGhost);
    assert.equal(result.code, 1);
    const s = statuses(result.json);
    assert.equal(s.ghost, 'unreachable');
    for (const host of hosts) assert.equal(s[host.name], 'ok');
    assert.equal(result.json?.summary.unreachable, 1);
  });

  test('a config the agent rejects: that host is rolled back on the spot and reported failed', async () => {
    const [victim, ...others] = hosts as [LabHost, ...LabHost[]];
    const before = await mustOnHost(victim.address, `cat ${CONF}`);
    const rejected = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      for (const group of Object.values(doc.all.children)) {
        const vars = group.hosts[victim.name];
        // Valid to the tool's rules, but the agent cannot open a state file in a folder that does not exist.
        if (vars) vars.awslogs_general = { state_file: '/nonexistent/awslogs/agent-state' };
      }
    });
    const result = await provision(rejected);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const host = result.json?.hosts.find((h) => h.name === victim.name);
    assert.equal(host?.status, 'failed');
    assert.match(host?.error?.message ?? '', /rolled back/);
    assert.ok((host?.error?.hint ?? '').length > 0, 'the agent log lines are shown');
    assert.equal(await mustOnHost(victim.address, `cat ${CONF}`), before);
    assert.ok(await agentActive(victim), 'the agent runs again with the previous config');
    for (const other of others) assert.equal(statuses(result.json)[other.name], 'ok');
  });

  test('a hostile path in the inventory runs nothing on any host', async () => {
    const hostile = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      doc.all.vars.awslogs_logs = [
        { file: '/var/log/$(touch /tmp/pwned)', log_group_name: '/lab/hostile', log_stream_name: '{hostname}' },
      ];
    });
    const result = await provision(hostile);
    assert.ok([0, 2].includes(result.code), `exit ${result.code}: ${result.stderr}`);
    for (const host of hosts) {
      assert.equal((await onHost(host.address, 'test -e /tmp/pwned')).code, 1, `pwned on ${host.name}`);
    }
    assert.equal(existsSync('/tmp/pwned'), false);
    // Back to the lab's own config.
    assert.equal((await provision(inventory)).code, 0);
  });
});
