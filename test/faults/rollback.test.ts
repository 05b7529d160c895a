// Before-images and rollback (issue 10, items 7 and 10): the operator's own awscli.conf and awslogs.conf are
// kept as they were before the package install replaced them; rollback of a first install stops and disables
// the agent it started and says the package stays; failed runs' backups are pruned as the others; rollback
// names every file it restored with its mode, warns about a credentials file others can read, and says when
// it restarts the agent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labDown, labInventoryCopy, labSkipReason, labUp, mustOnHost, onHost, type LabHost } from '../support/lab.js';
import { agentActive } from '../support/lab.js';
import { CLI_CONF, CONF, fileSha, hostOf, provision } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# rollback tests skipped: ${skip}`);

const BACKUPS = '/var/lib/awslogs-provision/backups';
const OPERATOR_SECRET = 'operatorOwnSecretKeyNeverToBePrinted0123';
const OPERATOR_CLI = `[plugins]\ncwlogs = cwlogs\n[default]\nregion = eu-west-1\naws_access_key_id = AKIAOPERATOROWN00001\naws_secret_access_key = ${OPERATOR_SECRET}\n`;
const OPERATOR_CONF = `[general]\nstate_file = /var/lib/awslogs/agent-state\n\n[/var/log/messages]\nfile = /var/log/messages\nlog_group_name = operator-group\nlog_stream_name = {hostname}\n`;

type Report = NonNullable<Awaited<ReturnType<typeof provision>>['json']>['hosts'][number] & { warnings?: string[] };

async function agentEnabled(host: LabHost): Promise<boolean> {
  const command =
    host.os === 'amzn2' ? 'systemctl is-enabled --quiet awslogsd' : 'chkconfig --list awslogs | grep -q "3:on"';
  return (await onHost(host.address, command)).code === 0;
}

/** Writes FILE with CONTENT and MODE as the operator would by hand. */
const handWrite = (host: LabHost, file: string, content: string, mode: string) =>
  mustOnHost(
    host.address,
    `mkdir -p /etc/awslogs && printf '%s' '${content.replace(/'/g, "'\\''")}' > ${file} && chmod ${mode} ${file}`,
  );

describe('fault: before-images and rollback', { skip }, () => {
  let amzn1: LabHost;
  let amzn2: LabHost;
  let inventory = '';

  before(async () => {
    const hosts = await labUp(2, 'mixed');
    amzn1 = hosts.find((h) => h.os === 'amzn1')!;
    amzn2 = hosts.find((h) => h.os === 'amzn2')!;
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
  });
  after(async () => {
    await labDown();
  });

  test('first install over the operator’s own files: rollback puts them back byte for byte, stops and disables the agent, and says the package stays', async () => {
    const host = amzn2;
    await handWrite(host, CLI_CONF, OPERATOR_CLI, '0664');
    await handWrite(host, CONF, OPERATOR_CONF, '0644');
    const before = { cli: await fileSha(host, CLI_CONF), conf: await fileSha(host, CONF) };
    const apply = await provision(['--inventory', inventory, '--limit', host.name]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.equal((await mustOnHost(host.address, `stat -c %a ${CLI_CONF}`)).trim(), '600');
    assert.equal(await agentActive(host), true);

    const rollback = await provision(['rollback', '--inventory', inventory, '--limit', host.name]);
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.ok(!(rollback.stdout + rollback.stderr).includes(OPERATOR_SECRET), 'the operator’s secret was printed');
    assert.equal(await fileSha(host, CLI_CONF), before.cli, 'the operator’s awscli.conf was not put back');
    assert.equal(await fileSha(host, CONF), before.conf, 'the operator’s awslogs.conf was not put back');
    assert.equal((await mustOnHost(host.address, `stat -c '%a %U %G' ${CLI_CONF}`)).trim(), '664 root root');
    assert.equal(await agentActive(host), false, 'the agent the run started still runs');
    assert.equal(await agentEnabled(host), false, 'the agent the run enabled is still enabled');
    assert.equal((await onHost(host.address, 'rpm -q awslogs')).code, 0, 'the package was removed');
    const h = hostOf(rollback.json, host.name) as Report;
    assert.equal(h.status, 'changed');
    const summaries = h.changes.map((c) => `${c.kind} ${c.path ?? ''}: ${c.summary}`);
    assert.ok(
      summaries.some((s) => /^file \/etc\/awslogs\/awscli\.conf: restored .*mode 0664 root:root/.test(s)),
      summaries.join('\n'),
    );
    assert.ok(summaries.some((s) => /^file \/etc\/awslogs\/awslogs\.conf: restored .*mode 0644 root:root/.test(s)));
    assert.ok(
      summaries.some((s) => /^service : stop awslogsd/.test(s)),
      summaries.join('\n'),
    );
    assert.ok(
      summaries.some((s) => /^service : disable awslogsd/.test(s)),
      summaries.join('\n'),
    );
    assert.ok(
      h.warnings?.some((w) => /the awslogs package stays installed/.test(w)),
      JSON.stringify(h.warnings),
    );
  });

  test('a failed run’s backups are pruned like the others: no more than 10 runs kept', async () => {
    const host = amzn1;
    const old = Array.from({ length: 12 }, (_, i) => `${BACKUPS}/20200101T0000${String(i).padStart(2, '0')}Z-abcdef`);
    await mustOnHost(
      host.address,
      `mkdir -p ${old.join(' ')} && for d in ${old.join(' ')}; do echo x > $d/0.path; done`,
    );
    await mustOnHost(
      host.address,
      `cp -p /usr/bin/yum /root/yum.real && printf '%s\\n' '#!/bin/sh' 'exit 1' > /usr/bin/yum`,
    );
    try {
      const result = await provision(['--inventory', inventory, '--limit', host.name]);
      assert.equal(result.code, 1);
      assert.match(hostOf(result.json, host.name)?.error?.message ?? '', /^package failed/);
      const left = (await mustOnHost(host.address, `ls -1 ${BACKUPS}`)).trim().split('\n');
      assert.ok(left.length <= 10, `${left.length} backup folders left:\n${left.join('\n')}`);
      assert.ok(left.includes(result.json!.run), 'the failed run’s own backups were pruned');
    } finally {
      await mustOnHost(host.address, 'cp -p /root/yum.real /usr/bin/yum');
    }
  });

  test('rollback names each file with its mode, warns of a credentials file others can read, and says it restarts the agent', async () => {
    const host = amzn1;
    const first = await provision(['--inventory', inventory, '--limit', host.name]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    await handWrite(host, CLI_CONF, OPERATOR_CLI, '0664');
    const apply = await provision(['--inventory', inventory, '--limit', host.name]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const rollback = await provision(['rollback', '--inventory', inventory, '--limit', host.name]);
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.equal((await mustOnHost(host.address, `stat -c '%a %U %G' ${CLI_CONF}`)).trim(), '664 root root');
    const h = hostOf(rollback.json, host.name) as Report;
    const summaries = h.changes.map((c) => `${c.kind} ${c.path ?? ''}: ${c.summary}`);
    assert.ok(
      summaries.some((s) => /^file \/etc\/awslogs\/awscli\.conf: restored .*mode 0664 root:root/.test(s)),
      summaries.join('\n'),
    );
    assert.ok(
      summaries.some((s) => /^service : restart awslogs/.test(s)),
      summaries.join('\n'),
    );
    assert.ok(
      h.warnings?.some((w) => /\/etc\/awslogs\/awscli\.conf .*mode 0664.*readable by other users/.test(w)),
      JSON.stringify(h.warnings),
    );
    assert.equal(await agentActive(host), true);
    await mustOnHost(host.address, `chmod 600 ${CLI_CONF}`);
  });
});
