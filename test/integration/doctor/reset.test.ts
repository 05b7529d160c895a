// The blunt reset on the lab, `provision doctor --fix --reset-state --yes`, without and with `--resend`,
// each followed by `provision rollback` of the reset run; and preflight on a host whose zone has DST (set
// inside that host only: its overlay's /etc/localtime and /etc/sysconfig/clock, never the machine's).
//   without --resend (amzn2 host): the state is replaced by one that only says where each log resumes (after
//     the last batch CloudWatch Logs holds), lines sent before the reset are not sent again, a line written
//     just before it and lines after it arrive once (counted in moto), awslogs.conf is not touched;
//   with --resend (amzn1 host): the dry run says beforehand how many bytes would be sent again, and
//     exactly the start_of_file logs' earlier lines arrive a second time;
//   rollback of either brings the state file back byte for byte (sha256 before the reset and after the
//     restore), and awscli.conf stays 0600 root throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '../../support/cli.js';
import {
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  reloadSshd,
  type LabHost,
} from '../../support/lab.js';
import type { CloudWatchLogs } from '../../../src/clouds/aws/logs.js';
import {
  cli,
  HOUR,
  hostOf,
  LAB_AWS_ENV,
  labLogs,
  LIBFAKETIME,
  logSection,
  sleep,
  stamp,
  STATE,
  waitFor,
} from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# reset tests skipped: ${skip}`);

const DAY = 24 * HOUR;
const AWSCLI_CONF = '/etc/awslogs/awscli.conf';
const AWSLOGS_CONF = '/etc/awslogs/awslogs.conf';
const GROUP = '/lab/reset';
const APP = '/var/log/reset/app.log';
const TAIL = '/var/log/reset/tail.log';
const EMPTY = '/var/log/reset/empty.log';
const DST = '/var/log/reset/dst.log';
const RUN = randomBytes(3).toString('hex');

interface JournalFile {
  path: string;
  sha256Before: string;
  sha256After: string;
}

describe('doctor --fix --reset-state [--resend], its rollback, and a host in a DST zone', { skip }, () => {
  let a: LabHost; // amzn2: the reset without --resend
  let b: LabHost; // amzn1: the reset with --resend; then the DST zone
  let inventory = '';
  let logs: CloudWatchLogs;
  let destroy = (): void => undefined;
  const section = (name: string, file: string, extra: Record<string, unknown> = {}) =>
    logSection(name, file, GROUP, extra);
  // `app` is read from its start; `tail` from its end, so a resend must leave it alone; `empty` has no line
  // until after the resets (the agent, which knows a file by its first line, has not started reading it).
  const sections = [
    section('app', APP),
    section('tail', TAIL, { initial_position: 'end_of_file' }),
    section('empty', EMPTY),
  ];

  const count = (h: LabHost, log: string, text: string) => logs.countEvents(GROUP, `${h.name}-${log}`, text);
  /** Waits until every line has arrived `times` times. */
  const arrived = (h: LabHost, log: string, lines: string[], times: number) =>
    waitFor(`${lines.length} line(s) ×${times} in ${h.name}-${log}`, async () => {
      for (const l of lines) if ((await count(h, log, l)) < times) return undefined;
      return true;
    });
  const append = (h: LabHost, file: string, lines: string[]) =>
    mustOnHost(h.address, `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} >> ${file}`);
  const sha = async (h: LabHost, path: string) =>
    (await mustOnHost(h.address, `sha256sum ${path} | cut -c1-64`)).trim();
  const size = async (h: LabHost, path: string) => Number((await mustOnHost(h.address, `stat -c %s ${path}`)).trim());
  const streamRows = (h: LabHost) =>
    mustOnHost(
      h.address,
      `sqlite3 ${STATE} "select k, v, ctime, mtime from stream_state where k in ('app', 'tail') order by k"`,
    );
  const streamStart = async (h: LabHost, log: string): Promise<number> => {
    const v = await mustOnHost(h.address, `sqlite3 ${STATE} "select v from stream_state where k='${log}'"`);
    return (JSON.parse(v) as { initial_position: number }).initial_position;
  };
  const credentialsMode = async (h: LabHost) =>
    (await mustOnHost(h.address, `stat -c '%a %U %G' ${AWSCLI_CONF}`)).trim();
  const journal = (run: string) =>
    JSON.parse(readFileSync(join(dirname(inventory), '.provision', 'runs', `${run}.json`), 'utf8')) as {
      command: string;
      restores?: string;
      hosts: { name: string; files: JournalFile[] }[];
    };
  const stateFileOf = (run: string, h: LabHost) =>
    journal(run)
      .hosts.find((x) => x.name === h.name)
      ?.files.find((f) => f.path === STATE);
  /** Until nothing more arrives for a batch period: what the agent still had to send has been sent. */
  const settle = async (h: LabHost, log: string) => {
    let before = -1;
    for (let n = await count(h, log, RUN); n !== before; n = await count(h, log, RUN)) {
      before = n;
      await sleep(7000);
    }
  };

  /** Rollback of `run` on `h`: the state file is back byte for byte; awscli.conf still 0600 root. */
  const rollbackRestores = async (run: string, h: LabHost, stateSha: string, rows: string) => {
    const rollback = await cli('rollback', '--inventory', inventory, '--limit', h.name);
    assert.equal(rollback.code, 0, rollback.out);
    assert.equal(rollback.json.restores, run);
    // Computed on the host right after the restore, before the agent is restarted on it.
    assert.equal(stateFileOf(rollback.json.run, h)?.sha256After, stateSha, 'the state file is back byte for byte');
    assert.equal(await sha(h, `/var/lib/awslogs-provision/backups/${run}/0.content`), stateSha);
    // The agent runs on the restored file again; its stream_state rows are the ones from before the reset.
    assert.equal(await streamRows(h), rows);
    assert.equal(await credentialsMode(h), '600 root root');
  };

  before(async () => {
    const hosts = await labUp(2, 'mixed');
    a = hosts.find((h) => h.os === 'amzn2')!;
    b = hosts.find((h) => h.os === 'amzn1')!;
    inventory = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_logs = sections;
    });
    // `tail` has a first line before the agent starts: with end_of_file it starts after it.
    for (const h of hosts)
      await mustOnHost(
        h.address,
        `mkdir -p /var/log/reset && touch ${APP} ${EMPTY} ${DST} && echo '${stamp()} seed' > ${TAIL}`,
      );
    const iam = await runCli(['iam', 'setup', '--inventory', inventory], { env: LAB_AWS_ENV, timeoutMs: 120_000 });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
    const applied = await cli('--inventory', inventory, '--no-verify');
    assert.equal(applied.code, 0, applied.out);
    ({ logs, destroy } = labLogs());
  });
  after(async () => {
    destroy();
    await labDown();
  });

  test('--fix --reset-state --yes: each log resumes where CloudWatch Logs has it; nothing sent twice, nothing lost; rollback restores the state file', async () => {
    const earlier = [0, 1, 2].map((i) => `${stamp()} before-reset ${RUN} ${i}`);
    await append(a, APP, earlier);
    await arrived(a, 'app', earlier, 1);
    await settle(a, 'app');
    const stateSha = await sha(a, STATE);
    const rows = await streamRows(a);
    const appSize = await size(a, APP);
    const confSha = await sha(a, AWSLOGS_CONF);
    assert.equal(await credentialsMode(a), '600 root root');

    const dry = await cli('doctor', '--fix', '--reset-state', '--inventory', inventory, '--limit', a.name);
    assert.equal(dry.code, 0, dry.out);
    const planned = hostOf(dry.json, a);
    const note = planned.warnings?.find((w) => /--resend would send \d+ byte\(s\)/.test(w)) ?? '';
    assert.equal(Number(/--resend would send (\d+) byte\(s\)/.exec(note)?.[1]), appSize, note);
    assert.ok(!planned.changes.some((c) => c.path === AWSLOGS_CONF), 'awslogs.conf is not touched');
    assert.equal(await sha(a, STATE), stateSha, 'the dry run wrote nothing');

    // A line the agent has not sent yet when the reset stops it: it is read again after the reset, once.
    const pending = `${stamp()} just-before-reset ${RUN}`;
    await append(a, APP, [pending]);
    const reset = await cli('doctor', '--fix', '--reset-state', '--yes', '--inventory', inventory, '--limit', a.name);
    assert.equal(reset.code, 0, reset.out);
    assert.equal(reset.json.command, 'repair');
    const done = hostOf(reset.json, a);
    assert.equal(done.status, 'changed');
    assert.ok(
      done.checks?.every((c) => c.state === 'arrived'),
      JSON.stringify(done.checks),
    );
    assert.ok(
      done.changes.some((c) => /^app resumes at byte \d+/.test(c.summary)),
      JSON.stringify(done.changes),
    );
    // app resumes after what CloudWatch Logs has (before or after the pending line, as far as the agent had
    // sent it): the stream_state row the reset wrote, which the agent keeps.
    assert.ok([appSize, appSize + pending.length + 1].includes(await streamStart(a, 'app')));
    assert.equal(await sha(a, AWSLOGS_CONF), confSha, "the tool's awslogs.conf is untouched");
    assert.equal(await credentialsMode(a), '600 root root');
    assert.equal(stateFileOf(reset.json.run, a)?.sha256Before, stateSha);

    const later = [0, 1].map((i) => `${stamp()} after-reset ${RUN} ${i}`);
    await append(a, APP, later);
    await arrived(a, 'app', [...later, pending], 1);
    await sleep(7000); // one more batch period: anything sent twice would be there now
    for (const l of [...later, pending]) assert.equal(await count(a, 'app', l), 1, `${l} once`);
    for (const l of earlier) assert.equal(await count(a, 'app', l), 1, `${l} not sent again`);
    // The log that was empty at the reset keeps its initial_position: its first lines after it arrive too.
    const first = `${stamp()} first-in-empty ${RUN}`;
    await append(a, EMPTY, [first]);
    await arrived(a, 'empty', [first], 1);

    await rollbackRestores(reset.json.run, a, stateSha, rows);
  });

  test('--fix --reset-state --resend --yes: says beforehand how many bytes are sent again, then sends exactly those again; rollback restores the state file', async () => {
    const earlier = [0, 1, 2].map((i) => `${stamp()} early ${RUN} ${i}`);
    const tailEarlier = [`${stamp()} tail-early ${RUN}`];
    await append(b, APP, earlier);
    await append(b, TAIL, tailEarlier);
    await arrived(b, 'app', earlier, 1);
    await arrived(b, 'tail', tailEarlier, 1);
    await settle(b, 'app');
    const stateSha = await sha(b, STATE);
    const rows = await streamRows(b);
    const appSize = await size(b, APP);
    assert.ok((await size(b, TAIL)) > 0);

    const dry = await cli('doctor', '--fix', '--reset-state', '--resend', '--inventory', inventory, '--limit', b.name);
    assert.equal(dry.code, 0, dry.out);
    const planned = hostOf(dry.json, b);
    const note = planned.warnings?.find((w) => /^--resend: \d+ byte\(s\) .* would be sent again/.test(w)) ?? '';
    // Only `app` counts: `tail` starts at its end (initial_position = end_of_file) even without state.
    assert.equal(Number(/^--resend: (\d+) byte/.exec(note)?.[1]), appSize, note);
    assert.ok(!planned.changes.some((c) => c.path === AWSLOGS_CONF), 'no end_of_file for this start');
    assert.equal(await sha(b, STATE), stateSha, 'the dry run wrote nothing');

    const reset = await cli(
      'doctor',
      '--fix',
      '--reset-state',
      '--resend',
      '--yes',
      '--inventory',
      inventory,
      '--limit',
      b.name,
    );
    assert.equal(reset.code, 0, reset.out);
    const done = hostOf(reset.json, b);
    assert.equal(done.status, 'changed');
    assert.ok(done.warnings?.some((w) => w.startsWith(`--resend: ${appSize} byte(s)`)));
    assert.ok(
      done.checks?.every((c) => c.state === 'arrived'),
      JSON.stringify(done.checks),
    );
    assert.equal(await streamStart(b, 'app'), 0, 'read from the start');
    assert.equal(await credentialsMode(b), '600 root root');

    await arrived(b, 'app', earlier, 2);
    const later = `${stamp()} late ${RUN}`;
    await append(b, APP, [later]);
    await arrived(b, 'app', [later], 1);
    await sleep(7000);
    for (const l of earlier) assert.equal(await count(b, 'app', l), 2, `${l} sent again, once`);
    assert.equal(await count(b, 'app', later), 1, `${later} once`);
    assert.equal(await count(b, 'tail', tailEarlier[0]!), 1, 'the end_of_file log is not sent again');

    await rollbackRestores(reset.json.run, b, stateSha, rows);
  });

  test('DST: a host in Europe/Berlin (its own zone files only), its clock just after the autumn change: a line from summer time 14 days 30 min ago is read with CEST and found too old', async () => {
    const machineZone = readlinkSync('/etc/localtime');
    const machineUtc = readFileSync('/usr/share/zoneinfo/Etc/UTC');
    // Amazon Linux 1's way: /etc/localtime a copy of the zone file, the name in /etc/sysconfig/clock.
    const zoneBefore = (await mustOnHost(b.address, 'readlink /etc/localtime || true')).trim();
    await mustOnHost(
      b.address,
      'rm -f /etc/localtime && cp /usr/share/zoneinfo/Europe/Berlin /etc/localtime && mkdir -p /etc/sysconfig && printf \'ZONE="Europe/Berlin"\\nUTC=true\\n\' > /etc/sysconfig/clock',
    );
    // The host's clock, for its SSH sessions only (libfaketime; sshd itself stays on the true clock): 04:00 CET
    // on 25 October 2026, an hour after the clocks went back.
    const fakeNow = Date.parse('2026-10-25T03:00:00Z');
    const offsetS = Math.round((fakeNow - Date.now()) / 1000);
    await mustOnHost(
      b.address,
      `echo 'SetEnv LD_PRELOAD=${LIBFAKETIME} FAKETIME=${offsetS >= 0 ? '+' : ''}${offsetS}' >> /etc/ssh/sshd_config`,
    );
    await reloadSshd(b.address);
    const asRoot = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_logs = [...sections, section('dst', DST, { time_zone: 'LOCAL' })];
      for (const group of Object.values(doc.all.children)) {
        const vars = group.hosts[b.name];
        if (vars) Object.assign(vars, { ansible_user: 'root', ansible_become: false });
      }
    });
    try {
      const hostNow = Number((await mustOnHost(b.address, 'date +%s')).trim()) * 1000;
      assert.ok(Math.abs(hostNow - fakeNow) < HOUR / 2, `the host's clock is at ${new Date(hostNow).toISOString()}`);
      assert.equal((await mustOnHost(b.address, 'date +%Z')).trim(), 'CET');
      // 11 October 04:30 CEST = 02:30Z: 14 days 30 min before the host's clock. Read with the +0100 the host
      // has now, it would be 03:30Z, 13 days 23 h 30 min: not too old.
      const summer = `2026-10-11 04:30:00 summer ${RUN}`;
      const now = `2026-10-25 03:59:00 now ${RUN}`;
      await append(b, DST, [summer, now]);
      assert.ok(fakeNow - Date.parse('2026-10-11T02:30:00Z') > 14 * DAY);

      const r = await cli('doctor', '--preflight', '--inventory', asRoot, '--limit', b.name);
      const checks = hostOf(r.json, b).preflight ?? [];
      const zone = checks.find((c) => c.check === 'time_zone');
      assert.equal(zone?.level, 'ok', JSON.stringify(checks));
      assert.match(zone!.message, /Europe\/Berlin \(UTC\+0100 now, with its DST rules\)/);
      const past = checks.find((c) => c.check === 'past' && c.log === 'dst');
      assert.equal(past?.level, 'warning', JSON.stringify(checks));
      assert.match(past!.message, /^1 of 2 events are more than 14 days behind/);
      assert.match(past!.sample ?? '', new RegExp(`summer ${RUN}`));
    } finally {
      await mustOnHost(b.address, `sed -i '/^SetEnv LD_PRELOAD/d' /etc/ssh/sshd_config`);
      await reloadSshd(b.address);
      await mustOnHost(
        b.address,
        `rm -f /etc/localtime /etc/sysconfig/clock${zoneBefore ? ` && ln -s '${zoneBefore}' /etc/localtime` : ''}`,
      );
    }
    assert.equal(readlinkSync('/etc/localtime'), machineZone, "the machine's zone is untouched");
    assert.deepEqual(readFileSync('/usr/share/zoneinfo/Etc/UTC'), machineUtc);
    const hostDate = Number((await mustOnHost(b.address, 'date +%s')).trim()) * 1000;
    assert.ok(Math.abs(Date.now() - hostDate) < 60_000, 'the host clock is back');
  });
});
