// Preflight, doctor and repair on the lab, each fault reproduced for real on a lab host: lines 3 h ahead,
// a datetime_format that does not match its file, a host clock 3 h off (libfaketime preloaded inside that
// host's overlay only), a deleted credentials file, and a stale batch_timestamp in the agent's state file
// (written with the host's sqlite3 into a row the agent itself wrote: the state a run under a wrong clock
// leaves behind). Then --fix repairs it, CloudWatch (moto) holds every line once, and rollback brings the
// state file back byte for byte.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '../../support/cli.js';
import {
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  reloadSshd,
  onHost,
  type LabHost,
} from '../../support/lab.js';
import type { CloudWatchLogs } from '../../../src/clouds/aws/logs.js';
import { cli, HOUR, hostOf, LAB_AWS_ENV, labLogs, LIBFAKETIME, logSection, stamp, STATE, waitFor } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# doctor tests skipped: ${skip}`);

const AGENT_LOG = '/var/log/awslogs.log';
const GROUP = '/lab/doctor';
const SECTIONS = ['app', 'ahead', 'mismatch'] as const;
const FILE = {
  app: '/var/log/doctor/app.log',
  ahead: '/var/log/doctor/ahead.log',
  mismatch: '/var/log/doctor/mismatch.log',
};
const RUN = randomBytes(3).toString('hex');

describe('preflight, doctor and repair on the lab', { skip }, () => {
  let hosts: LabHost[] = [];
  let a: LabHost; // amzn2: the stale state, its repair and rollback
  let b: LabHost; // amzn1: lines ahead, a format mismatch, a clock off, deleted credentials
  let inventory = '';
  let logs: CloudWatchLogs;
  let destroy = (): void => undefined;
  const sections = SECTIONS.map((section) => logSection(section, FILE[section], GROUP));

  const agent = (h: LabHost, action: 'start' | 'stop' | 'restart') =>
    mustOnHost(h.address, h.os === 'amzn2' ? `systemctl ${action} awslogsd` : `service awslogs ${action}`);
  const count = (h: LabHost, text: string) => logs.countEvents(GROUP, `${h.name}-app`, text);

  before(async () => {
    hosts = await labUp(2, 'mixed');
    a = hosts.find((h) => h.os === 'amzn2')!;
    b = hosts.find((h) => h.os === 'amzn1')!;
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_logs = sections;
    });
    for (const h of hosts)
      await mustOnHost(h.address, `mkdir -p /var/log/doctor && touch ${Object.values(FILE).join(' ')} && hostname`);
    // The agent's own IAM user and key profile (awslogs-agent), as the demo makes them.
    const iam = await runCli(['iam', 'setup', '--inventory', inventory], { env: LAB_AWS_ENV, timeoutMs: 120_000 });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
    const applied = await cli('--inventory', inventory, '--no-verify');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    ({ logs, destroy } = labLogs());
  });
  after(async () => {
    destroy();
    await labDown();
  });

  test('lines 3 h ahead: dry-run refuses the host (preflight), doctor names lines-ahead, not the state', async () => {
    await mustOnHost(b.address, `printf '%s ahead ${RUN}\\n' '${stamp(3 * HOUR)}' >> ${FILE.ahead}`);
    await waitFor('the agent to skip the line', async () =>
      (await mustOnHost(b.address, `cat ${AGENT_LOG}`)).includes('more than 2 hours in future') ? true : undefined,
    );
    const dry = await cli('--inventory', inventory, '--dry-run', '--limit', b.name);
    assert.equal(dry.code, 1);
    const host = hostOf(dry.json, b);
    assert.equal(host.status, 'failed');
    const future = host.preflight?.find((c) => c.check === 'future' && c.log === 'ahead');
    assert.equal(future?.level, 'error');
    assert.match(future!.message, /more than 2 h ahead of the host's clock \(up to 3 h\)/);
    assert.match(future!.sample ?? '', new RegExp(`ahead ${RUN}`));
    const skipped = await cli('--inventory', inventory, '--dry-run', '--limit', b.name, '--skip-preflight');
    assert.equal(skipped.code, 0, skipped.stdout);
    assert.ok(hostOf(skipped.json, b).warnings?.some((w) => /preflight: \[ahead\]/.test(w)));
    // --no-preflight reads no log file: nothing to judge, no preflight in the report, nothing blocked.
    const unchecked = await cli('--inventory', inventory, '--dry-run', '--limit', b.name, '--no-preflight');
    assert.equal(unchecked.code, 0, unchecked.stdout);
    assert.equal(hostOf(unchecked.json, b).preflight, undefined);
    assert.ok(!hostOf(unchecked.json, b).warnings?.some((w) => /preflight/.test(w)));

    const doctor = await cli('doctor', '--inventory', inventory, '--limit', b.name);
    const faults = hostOf(doctor.json, b).faults ?? [];
    assert.ok(
      faults.some((f) => f.fault === 'lines-ahead' && f.log === 'ahead'),
      JSON.stringify(faults),
    );
    assert.ok(!faults.some((f) => f.fault === 'stale-state'));
    assert.match(faults.find((f) => f.fault === 'lines-ahead')!.remedy, /configuration change/);
  });

  test('a datetime_format that does not match the file: preflight says so, with a sample line', async () => {
    await mustOnHost(
      b.address,
      `printf 'Nov 25 10:00:00 lab sshd[1]: one ${RUN}\\nNov 25 10:00:01 lab sshd[1]: two\\n' >> ${FILE.mismatch}`,
    );
    const r = await cli('doctor', '--preflight', '--inventory', inventory, '--limit', b.name);
    assert.equal(r.code, 1);
    const check = hostOf(r.json, b).preflight?.find((c) => c.check === 'datetime_format' && c.log === 'mismatch');
    assert.equal(check?.level, 'error');
    assert.match(check!.message, /^0 of 2 event lines \(0%\)/);
    assert.match(check!.sample ?? '', new RegExp(`sshd\\[1\\]: one ${RUN}`));
  });

  test('a host clock 3 h behind (libfaketime inside that host only): preflight names the skew', async () => {
    const machineBefore = Date.now();
    // sshd itself stays on the true clock (a preloaded sshd breaks its sandbox); every session it starts
    // gets libfaketime with the host's clock 3 h behind. sudo drops LD_PRELOAD, so the tool logs in as root.
    await mustOnHost(b.address, `echo 'SetEnv LD_PRELOAD=${LIBFAKETIME} FAKETIME=-3h' >> /etc/ssh/sshd_config`);
    await reloadSshd(b.address);
    const asRoot = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_logs = sections;
      for (const group of Object.values(doc.all.children)) {
        const vars = group.hosts[b.name];
        if (vars) Object.assign(vars, { ansible_user: 'root', ansible_become: false });
      }
    });
    try {
      const hostDate = await waitFor('a session on the fake clock', async () => {
        const t = Number((await mustOnHost(b.address, 'date +%s')).trim()) * 1000;
        return machineBefore - t > 2.9 * HOUR ? t : undefined;
      });
      assert.ok(hostDate > 0);
      const r = await cli('doctor', '--preflight', '--inventory', asRoot, '--limit', b.name);
      const clock = hostOf(r.json, b).preflight?.find((c) => c.check === 'clock');
      assert.equal(clock?.level, 'error');
      assert.match(clock!.message, /3 h behind this machine's.*never sets it/);
    } finally {
      await mustOnHost(b.address, `sed -i '/^SetEnv LD_PRELOAD/d' /etc/ssh/sshd_config`);
      await reloadSshd(b.address);
    }
    assert.ok(!readFileSafe('/etc/ld.so.preload'), 'the machine itself has no preload');
    const hostDate = Number((await mustOnHost(b.address, 'date +%s')).trim()) * 1000;
    assert.ok(Math.abs(Date.now() - hostDate) < 60_000, 'the host clock is back');
  });

  test('a deleted credentials file: doctor names credentials-missing with the remedy', async () => {
    // The agent takes root's ~/.aws/credentials when awscli.conf holds no keys (instance_profile).
    const keys = await mustOnHost(
      b.address,
      `grep -E '^aws_(access_key_id|secret_access_key)' /etc/awslogs/awscli.conf`,
    );
    const credentials = Buffer.from(`[default]\n${keys.trim()}\n`).toString('base64');
    await mustOnHost(b.address, `mkdir -p /root/.aws && echo ${credentials} | base64 -d > /root/.aws/credentials`);
    const profileInventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_logs = sections;
      doc.all.vars.awslogs_credentials = { source: 'instance_profile' };
    });
    const applied = await cli('--inventory', profileInventory, '--limit', b.name, '--no-verify', '--skip-preflight');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    await mustOnHost(b.address, 'rm -f /root/.aws/credentials');
    await agent(b, 'restart');
    await mustOnHost(b.address, `printf '%s no credentials ${RUN}\\n' '${stamp()}' >> ${FILE.app}`);
    await waitFor(
      'the publisher to fail',
      async () =>
        (await mustOnHost(b.address, `cat ${AGENT_LOG}`)).includes('Unable to locate credentials') ? true : undefined,
      20_000,
    );
    const r = await cli('doctor', '--inventory', profileInventory, '--limit', b.name);
    assert.equal(r.code, 1);
    const fault = hostOf(r.json, b).faults?.find((f) => f.fault === 'credentials-missing');
    assert.equal(fault?.severity, 'error');
    assert.match(fault!.remedy, /instance profile/);
  });

  test('a stale batch_timestamp: doctor names it, --fix repairs it, every line arrives once, rollback restores the file', async () => {
    const lines = [0, 1, 2].map((i) => `${stamp()} replayed ${RUN} ${i}`);
    await mustOnHost(a.address, `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} >> ${FILE.app}`);
    await waitFor('the three lines in CloudWatch', async () =>
      (await count(a, `replayed ${RUN}`)) === 3 ? true : undefined,
    );
    // The agent wrote its push_state row for them; make it the row a wrong clock leaves: 3 h older.
    await agent(a, 'stop');
    const head = (await mustOnHost(a.address, `head -n 1 ${FILE.app}`)).replace(/\n?$/, '\n');
    const sourceId = createHash('md5')
      .update('app' + head)
      .digest('hex');
    const v = (await mustOnHost(a.address, `sqlite3 ${STATE} "select v from push_state where k='${sourceId}'"`)).trim();
    const row = JSON.parse(v) as { batch_timestamp: number };
    const stale = v.replace(
      `"batch_timestamp": ${row.batch_timestamp}`,
      `"batch_timestamp": ${row.batch_timestamp - 3 * HOUR}`,
    );
    const sql = Buffer.from(`update push_state set v='${stale}' where k='${sourceId}';`).toString('base64');
    await mustOnHost(a.address, `echo ${sql} | base64 -d | sqlite3 ${STATE}`);
    await agent(a, 'start');
    await waitFor('the replayed lines skipped', async () =>
      (await mustOnHost(a.address, `grep -c 'more than 2 hours in future' ${AGENT_LOG} || true`)).trim() !== '0'
        ? true
        : undefined,
    );
    const shaBefore = (await mustOnHost(a.address, `sha256sum ${STATE} | cut -c1-64`)).trim();

    const doctor = await cli('doctor', '--inventory', inventory, '--limit', a.name);
    assert.equal(doctor.code, 1);
    const diagnosed = hostOf(doctor.json, a);
    assert.ok(
      diagnosed.faults?.some((f) => f.fault === 'stale-state' && f.log === 'app'),
      JSON.stringify(diagnosed.faults),
    );
    assert.equal(diagnosed.state?.streams.find((s) => s.log === 'app')?.stale, true);

    const dry = await cli('doctor', '--fix', '--inventory', inventory, '--limit', a.name);
    const planned = hostOf(dry.json, a).changes.find((c) => c.kind === 'state');
    assert.match(planned?.diff ?? '', new RegExp(`-.*"batch_timestamp": ${row.batch_timestamp - 3 * HOUR}`));
    assert.equal((await mustOnHost(a.address, `sha256sum ${STATE} | cut -c1-64`)).trim(), shaBefore, 'dry run wrote');

    const fixed = await cli('doctor', '--fix', '--yes', '--inventory', inventory, '--limit', a.name);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.equal(fixed.json.command, 'repair');
    const repaired = hostOf(fixed.json, a);
    assert.equal(repaired.status, 'changed');
    assert.ok(
      repaired.checks?.every((c) => c.state === 'arrived'),
      JSON.stringify(repaired.checks),
    );

    const fresh = [0, 1].map((i) => `${stamp()} after-repair ${RUN} ${i}`);
    await mustOnHost(a.address, `printf '%s\\n' ${fresh.map((l) => `'${l}'`).join(' ')} >> ${FILE.app}`);
    await waitFor('the new lines', async () => ((await count(a, `after-repair ${RUN}`)) >= 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 7000)); // one more batch period: anything sent twice would be here now
    for (const l of fresh) assert.equal(await count(a, l), 1, `${l} once`);
    for (const l of lines) assert.equal(await count(a, l), 1, `${l} not sent again`);

    const journalDir = join(dirname(inventory), '.provision', 'runs');
    const repairRun = JSON.parse(readFileSync(join(journalDir, `${fixed.json.run}.json`), 'utf8')) as {
      command: string;
      hosts: { files: { path: string; sha256Before: string }[] }[];
    };
    assert.equal(repairRun.command, 'repair');
    assert.equal(repairRun.hosts[0]?.files[0]?.sha256Before, shaBefore);

    const rollback = await cli('rollback', '--inventory', inventory, '--limit', a.name);
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.equal(rollback.json.restores, fixed.json.run);
    const rollbackRun = JSON.parse(readFileSync(join(journalDir, `${rollback.json.run}.json`), 'utf8')) as {
      hosts: { files: { path: string; sha256After: string }[] }[];
    };
    const restored = rollbackRun.hosts[0]?.files.find((f) => f.path === STATE);
    assert.equal(restored?.sha256After, shaBefore, 'the state file is back byte for byte');
    const backup = (
      await mustOnHost(
        a.address,
        `sha256sum /var/lib/awslogs-provision/backups/${fixed.json.run}/0.content | cut -c1-64`,
      )
    ).trim();
    assert.equal(backup, shaBefore);
  });

  test('repairs are refused where the tool did not install the agent', async () => {
    const other = labInventoryCopy(); // a fresh journal: no apply run for these hosts
    const r = await cli('doctor', '--fix', '--yes', '--inventory', other, '--limit', a.name);
    assert.equal(r.code, 1);
    assert.match(hostOf(r.json, a).error?.message ?? '', /repair refused: .*no apply run/);
  });

  test('--reset-state: the state replaced by where each log resumes; nothing sent again, the config untouched', async () => {
    const conf = (await mustOnHost(a.address, 'sha256sum /etc/awslogs/awslogs.conf | cut -c1-64')).trim();
    // The rollback put the stale row back: the agent sends the lines after it again; let that settle.
    let before = -1;
    for (let n = await count(a, RUN); n !== before; n = await count(a, RUN)) {
      before = n;
      await new Promise((r) => setTimeout(r, 7000));
    }
    const dry = await cli('doctor', '--reset-state', '--inventory', inventory, '--limit', a.name);
    assert.ok(
      hostOf(dry.json, a).warnings?.some((w) =>
        /--resend would send \d+ byte\(s\) of the current log files again/.test(w),
      ),
    );
    const r = await cli('doctor', '--reset-state', '--yes', '--inventory', inventory, '--limit', a.name);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((await mustOnHost(a.address, 'sha256sum /etc/awslogs/awslogs.conf | cut -c1-64')).trim(), conf);
    const line = `${stamp()} after-reset ${RUN}`;
    await mustOnHost(a.address, `printf '%s\\n' '${line}' >> ${FILE.app}`);
    await waitFor('the line after the reset', async () => ((await count(a, line)) === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 6000));
    // Only the reset's verify probe and the new line arrived: nothing of the file was sent again.
    assert.equal(await count(a, RUN), before + 1);
    assert.equal((await onHost(a.address, `test -s ${STATE}`)).code, 0);
  });
});

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
