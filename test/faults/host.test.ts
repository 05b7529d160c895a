// Host faults, injected for real inside lab hosts: yum failing and hanging, /etc/awslogs full or
// read-only, a symlink planted at a managed path (seen by the planner, planted after the facts were
// gathered, or a linked /etc/awslogs), sudo asking for a password. Each: a clear per-host
// error naming the cause, the previous config intact, the agent as it was, no temp file left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labDown, labInventoryCopy, labSkipReason, labUp, mustOnHost, onHost, type LabHost } from '../support/lab.js';
import { agentActive, agentPid } from '../support/lab.js';
import { CLI_CONF, CONF, assertHostClean, assertJournalClean, fileSha, hostOf, provision } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# host fault tests skipped: ${skip}`);

const YUM = '/usr/bin/yum';

async function withYum(host: LabHost, body: string, run: () => Promise<void>): Promise<void> {
  await mustOnHost(host.address, `cp -p ${YUM} /root/yum.real && printf '%s\\n' '#!/bin/sh' '${body}' > ${YUM}`);
  try {
    await run();
  } finally {
    await mustOnHost(host.address, `cp -p /root/yum.real ${YUM}`);
  }
}

describe('fault: on the host', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';
  let first: LabHost;
  let second: LabHost;

  before(async () => {
    hosts = await labUp(3, 'mixed');
    [first, second] = hosts as [LabHost, LabHost];
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
    });
  });
  after(async () => {
    await labDown();
  });

  test('yum fails: that host fails naming the package step and yum’s words; nothing written; the others apply', async () => {
    await withYum(
      first,
      'echo "Cannot retrieve repository metadata (repomd.xml) for repository: amzn-main" >&2; exit 1',
      async () => {
        const result = await provision(['--inventory', inventory]);
        assert.equal(result.code, 1);
        const h = hostOf(result.json, first.name);
        assert.equal(h?.status, 'failed');
        assert.match(h?.error?.message ?? '', /^package failed: .*Cannot retrieve repository metadata/);
        for (const other of hosts.slice(1)) assert.equal(hostOf(result.json, other.name)?.status, 'changed');
        assert.equal(await fileSha(first, CONF), 'absent');
        assert.equal(await agentActive(first), false);
        await assertHostClean(first);
      },
    );
  });

  test('yum hangs: the step ends itself on the host within --command-timeout; nothing left running', async () => {
    await withYum(first, 'exec sleep 3000', async () => {
      const t0 = Date.now();
      const result = await provision(['--inventory', inventory, '--limit', first.name, '--command-timeout', '8']);
      const took = Date.now() - t0;
      assert.equal(result.code, 1);
      const h = hostOf(result.json, first.name);
      assert.equal(h?.status, 'failed');
      assert.match(h?.error?.message ?? '', /package failed: timed out after 6s on the host and was stopped/);
      assert.ok(took < 60_000, `took ${took} ms`);
      const left = await onHost(first.address, 'pgrep -f "sleep 3000"');
      assert.equal(left.code, 1, `still running on the host: ${left.stdout}`);
      assert.equal((await onHost(first.address, 'test -e /var/lib/awslogs-provision/lock')).code, 1);
      await assertHostClean(first);
    });
    const result = await provision(['--inventory', inventory]);
    assert.equal(result.code, 0, result.stderr);
  });

  async function faultOnConf(host: LabHost, inject: string, undo: string, cause: RegExp): Promise<void> {
    await mustOnHost(host.address, `echo '# hand edit' >> ${CONF}`);
    const before = { conf: await fileSha(host, CONF), cli: await fileSha(host, CLI_CONF), pid: await agentPid(host) };
    await mustOnHost(host.address, inject);
    try {
      const result = await provision(['--inventory', inventory]);
      assert.equal(result.code, 1);
      const h = hostOf(result.json, host.name);
      assert.equal(h?.status, 'failed', result.stdout);
      assert.match(h?.error?.message ?? '', cause);
      for (const other of hosts.filter((x) => x !== host))
        assert.ok(['ok', 'changed'].includes(hostOf(result.json, other.name)?.status ?? ''));
      assert.equal(await fileSha(host, CONF), before.conf, 'the previous config was not kept');
      assert.equal(await fileSha(host, CLI_CONF), before.cli);
      assert.equal(await agentPid(host), before.pid, 'the agent was restarted');
      assert.equal(await agentActive(host), true);
      await assertHostClean(host);
    } finally {
      await mustOnHost(host.address, undo);
    }
    const fixed = await provision(['--inventory', inventory]);
    assert.equal(fixed.code, 0, fixed.stderr);
    await assertHostClean(host);
  }

  test('/etc/awslogs full (a small tmpfs, pre-filled): clear error, previous config intact', async () => {
    await faultOnConf(
      second,
      'mkdir -p /var/tmp/faultsave && cp -a /etc/awslogs/. /var/tmp/faultsave/ && mount -t tmpfs -o size=64k,mode=0755 tmpfs /etc/awslogs && cp -a /var/tmp/faultsave/. /etc/awslogs/ && (dd if=/dev/zero of=/etc/awslogs/fill bs=1k 2>/dev/null; true)',
      'umount /etc/awslogs && rm -rf /var/tmp/faultsave',
      /file \/etc\/awslogs\/awslogs\.conf failed: .*(disk full|cannot create a temp file)/,
    );
  });

  test('/etc/awslogs read-only (a read-only bind mount): clear error, previous config intact', async () => {
    await faultOnConf(
      second,
      'mount --bind /etc/awslogs /etc/awslogs && mount -o remount,ro,bind /etc/awslogs',
      'umount /etc/awslogs',
      /file \/etc\/awslogs\/awslogs\.conf failed: cannot create a temp file in \/etc\/awslogs \(read-only or full\?\)/,
    );
  });

  test('a symlink planted at the config path (→ /etc/shadow) is refused; /etc/shadow untouched', async () => {
    const shadow = await fileSha(second, '/etc/shadow');
    await mustOnHost(second.address, `mv ${CONF} /root/conf.real && ln -s /etc/shadow ${CONF}`);
    try {
      const result = await provision(['--inventory', inventory]);
      assert.equal(result.code, 1);
      const h = hostOf(result.json, second.name);
      assert.equal(h?.status, 'failed');
      assert.match(h?.error?.message ?? '', /symlink|symbolic link/i);
      assert.equal(await fileSha(second, '/etc/shadow'), shadow);
      assert.equal((await mustOnHost(second.address, `readlink ${CONF}`)).trim(), '/etc/shadow');
    } finally {
      await mustOnHost(second.address, `rm -f ${CONF} && mv /root/conf.real ${CONF}`);
    }
  });

  // The planner refuses a link it sees (above); these plant one it cannot see, so that only the check in
  // the host's own script stands between the write and the link's target.
  test('a symlink planted at the config path after the facts were gathered: the host’s script refuses it, /etc/shadow untouched', async () => {
    await mustOnHost(second.address, `echo '# hand edit' >> ${CONF}`);
    const before = {
      shadow: await fileSha(second, '/etc/shadow'),
      cli: await fileSha(second, CLI_CONF),
      pid: await agentPid(second),
    };
    // The apply script's first command on the host is taking its lock (mkdir -p /var/lib/awslogs-provision),
    // after the facts probe: a mkdir earlier in its PATH plants the link at that moment, once.
    await mustOnHost(
      second.address,
      `printf '%s\\n' '#!/bin/sh' 'if [ "$*" = "-p /var/lib/awslogs-provision" ] && [ ! -e /root/planted ]; then' ': > /root/planted; mv ${CONF} /root/conf.real && ln -s /etc/shadow ${CONF}' 'fi' 'exec /bin/mkdir "$@"' > /usr/local/bin/mkdir && chmod 755 /usr/local/bin/mkdir`,
    );
    try {
      const result = await provision(['--inventory', inventory, '--limit', second.name]);
      assert.equal(result.code, 1);
      const h = hostOf(result.json, second.name);
      assert.equal(h?.status, 'failed', result.stdout);
      // The plan was made from facts without the link: it meant to write the file.
      assert.ok(
        h?.changes.some((c) => c.kind === 'file' && c.path === CONF),
        JSON.stringify(h?.changes),
      );
      assert.equal((await onHost(second.address, 'test -e /root/planted')).code, 0, 'the link was not planted');
      assert.match(
        h?.error?.message ?? '',
        /refused: \/etc\/awslogs\/awslogs\.conf is a symlink; the tool does not write through links/,
      );
      assert.equal(await fileSha(second, '/etc/shadow'), before.shadow, '/etc/shadow was written');
      assert.equal((await mustOnHost(second.address, `readlink ${CONF}`)).trim(), '/etc/shadow');
      assert.equal(await fileSha(second, CLI_CONF), before.cli);
      assert.equal(await agentPid(second), before.pid, 'the agent was restarted');
      await assertHostClean(second);
    } finally {
      await mustOnHost(
        second.address,
        `rm -f /usr/local/bin/mkdir /root/planted; if [ -e /root/conf.real ]; then rm -f ${CONF} && mv /root/conf.real ${CONF}; fi`,
      );
    }
    const fixed = await provision(['--inventory', inventory, '--limit', second.name]);
    assert.equal(fixed.code, 0, fixed.stderr);
  });

  test('/etc/awslogs itself a symlink to another folder (the probe sees plain files there): refused, nothing written there', async () => {
    const decoy = '/root/decoy';
    await mustOnHost(
      second.address,
      `cp -a /etc/awslogs ${decoy} && echo '# hand edit' >> ${decoy}/awslogs.conf && mv /etc/awslogs /root/awslogs.real && ln -s ${decoy} /etc/awslogs`,
    );
    try {
      const before = {
        conf: await fileSha(second, `${decoy}/awslogs.conf`),
        cli: await fileSha(second, `${decoy}/awscli.conf`),
        pid: await agentPid(second),
      };
      const result = await provision(['--inventory', inventory, '--limit', second.name]);
      assert.equal(result.code, 1);
      const h = hostOf(result.json, second.name);
      assert.equal(h?.status, 'failed', result.stdout);
      assert.ok(
        h?.changes.some((c) => c.kind === 'file' && c.path === CONF),
        JSON.stringify(h?.changes),
      );
      assert.match(
        h?.error?.message ?? '',
        /refused: \/etc\/awslogs is a symlink \(to \/root\/decoy\); the tool does not write through links/,
      );
      assert.equal(await fileSha(second, `${decoy}/awslogs.conf`), before.conf, 'written through the link');
      assert.equal(await fileSha(second, `${decoy}/awscli.conf`), before.cli);
      assert.equal(
        (await mustOnHost(second.address, `ls -A ${decoy} | grep -c '^.awslogs-provision' || true`)).trim(),
        '0',
      );
      assert.equal(await agentPid(second), before.pid, 'the agent was restarted');
    } finally {
      await mustOnHost(second.address, `rm -f /etc/awslogs && mv /root/awslogs.real /etc/awslogs && rm -rf ${decoy}`);
    }
    // After the test's own copies of awscli.conf are gone.
    await assertHostClean(second);
    const fixed = await provision(['--inventory', inventory, '--limit', second.name]);
    assert.equal(fixed.code, 0, fixed.stderr);
  });

  test('sudo asks for a password: that host fails naming it, nothing touched', async () => {
    const user = 'pwuser';
    await mustOnHost(
      second.address,
      `id ${user} >/dev/null 2>&1 || useradd -m -s /bin/sh ${user}; mkdir -p /home/${user}/.ssh && cp /root/.ssh/authorized_keys /home/${user}/.ssh/ && chown -R ${user} /home/${user}/.ssh && chmod 700 /home/${user}/.ssh && usermod -p '$6$x$notapassword' ${user} && echo '${user} ALL=(ALL) ALL' > /etc/sudoers.d/91-${user} && chmod 440 /etc/sudoers.d/91-${user}`,
    );
    await mustOnHost(second.address, `echo '# hand edit' >> ${CONF}`);
    const before = await fileSha(second, CONF);
    const withUser = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'env' };
      for (const group of Object.values(doc.all.children)) {
        const vars = group.hosts[second.name];
        if (vars) Object.assign(vars, { ansible_user: user, ansible_become: true });
      }
    });
    const result = await provision(['--inventory', withUser, '--limit', second.name]);
    assert.equal(result.code, 1);
    const h = hostOf(result.json, second.name);
    assert.equal(h?.status, 'failed', result.stdout);
    assert.match(h?.error?.message ?? '', /sudo requires a password on .* \(user pwuser\)/);
    assert.equal(await fileSha(second, CONF), before);
    await assertHostClean(second);
    assertJournalClean(withUser);
    assertJournalClean(inventory);
  });
});
