import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { osFlavour, parseFacts, probeScript, ProbeOutputError } from '../../../src/facts/probe.js';
import { zoneFromProbe } from '../../../src/facts/time-zone.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const CONF = '/etc/awslogs/awslogs.conf';
const CLI = '/etc/awslogs/awscli.conf';
const conf = '[general]\nstate_file = /var/lib/awslogs/agent-state\n';

const amzn1 = `Last login: banner noise before the probe
@@probe-begin 1
@@clock 1732526400123
@@os-id amzn
@@os-version 2018.03
@@system-release Amazon Linux AMI release 2018.03
@@init sysv
@@package installed 1.1.4-1.12.amzn1
@@sysv-status 0
@@sysv-chkconfig awslogs       \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off
@@sysv-rc3 1
@@hostname ip-10-0-1-12
@@ip 10.0.1.12
@@instance-id cloud i-0abc123def4567890
@@path 0 ${b64(CONF)}
@@file 0 present 0 file 644 ${Buffer.byteLength(conf)} root root
@@content 0 1
${b64(conf)}
@@end 0
@@path 1 ${b64(CLI)}
@@file 1 absent
@@probe-end
`;

const amzn2 = `@@probe-begin 1
@@clock 1732526400456
@@os-id amzn
@@os-version 2
@@system-release Amazon Linux release 2 (Karoo)
@@init systemd
@@package absent
@@systemd-active inactive
@@systemd-enabled enabled
@@sysv-status 3
@@sysv-rc3 0
@@hostname web2.internal
@@ip 10.0.2.7
@@instance-id dmi i-0123456789abcdef0
@@path 0 ${b64(CONF)}
@@file 0 present 1 file 600 5 root awslogs
@@content 0 1
${b64('abc')}
@@end 0
@@path 1 ${b64(CLI)}
@@file 1 present 0 directory 755 4096 root root
@@probe-end
`;

test('parseFacts: an Amazon Linux 1 host (sysv, chkconfig, cloud-init instance id)', () => {
  const f = parseFacts(amzn1, [CONF, CLI]);
  assert.deepEqual(f, {
    os: { id: 'amzn', version: '2018.03', flavour: 'amzn1' },
    init: 'sysv',
    package: { installed: true, version: '1.1.4-1.12.amzn1' },
    files: {
      [CONF]: {
        exists: true,
        content: conf,
        mode: 0o644,
        owner: 'root',
        group: 'root',
        size: Buffer.byteLength(conf),
        // Of the bytes read, so that the host script can tell whether the file changed since.
        sha256: createHash('sha256').update(conf).digest('hex'),
      },
      [CLI]: { exists: false },
    },
    service: { active: true, enabled: true },
    hostname: 'ip-10-0-1-12',
    ipAddress: '10.0.1.12',
    instanceId: 'i-0abc123def4567890',
    clockMs: 1732526400123,
  });
});

test('parseFacts: an Amazon Linux 2 host (systemd, symlink, truncated, directory, DMI instance id)', () => {
  const f = parseFacts(amzn2, [CONF, CLI]);
  assert.deepEqual(f.os, { id: 'amzn', version: '2', flavour: 'amzn2' });
  assert.equal(f.init, 'systemd');
  assert.deepEqual(f.package, { installed: false });
  assert.deepEqual(f.service, { active: false, enabled: true }); // systemd's words, not sysv's code
  assert.deepEqual(f.files[CONF], {
    exists: true,
    content: 'abc',
    mode: 0o600,
    owner: 'root',
    group: 'awslogs',
    size: 5,
    isSymlink: true,
    truncated: true,
  });
  assert.deepEqual(f.files[CLI], {
    exists: true,
    content: '',
    mode: 0o755,
    owner: 'root',
    group: 'root',
    size: 4096,
    kind: 'directory',
  });
  assert.equal(f.instanceId, 'i-0123456789abcdef0');
  assert.equal(f.clockMs, 1732526400456);
});

test('parseFacts: the zone record (the /etc/localtime link, or ZONE of /etc/sysconfig/clock) names the IANA zone', () => {
  const withZone = (record: string) =>
    parseFacts(amzn1.replace('@@probe-end', `@@tz +0100 CET\n${record}\n@@probe-end`), [CONF, CLI]);
  const linked = withZone('@@tz-zone /usr/share/zoneinfo/Europe/Berlin');
  assert.equal(linked.timeZoneId, 'Europe/Berlin');
  assert.equal(linked.utcOffsetMinutes, 60);
  assert.equal(withZone('@@tz-zone "Europe/Berlin"').timeZoneId, 'Europe/Berlin');
  assert.equal(withZone('@@tz-zone').timeZoneId, undefined);
  assert.equal(parseFacts(amzn1, [CONF, CLI]).timeZoneId, undefined, 'an older probe without the record');
});

test('probeScript: no zone record on a UTC host (no process started); elsewhere the /etc/localtime link', () => {
  const script = probeScript({ paths: [], packageName: 'x', services: { amzn1: 'a', amzn2: 'b' } });
  const run = (tz: string) => execFileSync('/bin/sh', ['-c', script], { env: { ...process.env, TZ: tz } }).toString();
  const utc = run('UTC');
  assert.ok(utc.split('\n').includes('@@tz-zone '), utc);
  assert.equal(parseFacts(utc, []).timeZoneId, undefined);
  let link: string | undefined;
  try {
    link = readlinkSync('/etc/localtime');
  } catch {
    link = undefined; // not a link here: the record falls back to /etc/sysconfig/clock, or is empty
  }
  // TZ makes date say CET; the record still names what /etc/localtime links to (the agent's zone, not TZ's).
  if (link) assert.equal(parseFacts(run('Europe/Berlin'), []).timeZoneId, zoneFromProbe(link));
});

test('osFlavour: os-release first, /etc/system-release when os-release is missing', () => {
  assert.equal(osFlavour('amzn', '2', ''), 'amzn2');
  assert.equal(osFlavour('amzn', '2018.03', ''), 'amzn1');
  assert.equal(osFlavour('amzn', '2017.09', ''), 'amzn1');
  assert.equal(osFlavour('amzn', '2023', ''), 'amzn2023');
  assert.equal(osFlavour('amzn', '2025', ''), 'unknown');
  assert.equal(osFlavour('', '', 'Amazon Linux AMI release 2018.03'), 'amzn1');
  assert.equal(osFlavour('', '', 'Amazon Linux release 2 (Karoo)'), 'amzn2');
  assert.equal(osFlavour('', '', 'Amazon Linux release 2023.6.20250115 (Amazon Linux)'), 'amzn2023');
  assert.equal(osFlavour('debian', '12', ''), 'unknown');
});

test('parseFacts: the service falls back to rc3.d links without chkconfig; a DMI tag that is no instance id is dropped', () => {
  const out = amzn1
    .replace(/^@@sysv-chkconfig .*\n/m, '')
    .replace('@@sysv-rc3 1', '@@sysv-rc3 0')
    .replace('@@instance-id cloud i-0abc123def4567890', '@@instance-id dmi Default string');
  const f = parseFacts(out, [CONF, CLI]);
  assert.deepEqual(f.service, { active: true, enabled: false });
  assert.equal(f.instanceId, undefined);
});

test('parseFacts: a clock without milliseconds (no %N) is read as seconds', () => {
  const f = parseFacts(amzn1.replace('@@clock 1732526400123', '@@clock 1732526400%3N'), [CONF, CLI]);
  assert.equal(f.clockMs, 1732526400000);
});

describe('parseFacts refuses malformed output, saying what is wrong', () => {
  const cases: [string, string, RegExp][] = [
    ['empty output', '', /no @@probe-begin/],
    ['another version', amzn1.replace('@@probe-begin 1', '@@probe-begin 9'), /probe version 9/],
    ['truncated', amzn1.slice(0, amzn1.indexOf('@@end 0')), /not closed/],
    ['no end', amzn1.replace('@@probe-end\n', ''), /no @@probe-end/],
    ['a missing fact', amzn1.replace(/^@@hostname .*\n/m, ''), /missing @@hostname/],
    ['a stray line', amzn1.replace('@@init sysv', '@@init sysv\nsomething else'), /line \d+: not a probe record/],
    ['junk in content', amzn1.replace('@@end 0', '!!!\n@@end 0'), /expected base64 content/],
    ['a bad file record', amzn1.replace('present 0 file 644', 'present 0 file rw-r'), /bad file record/],
    ['a bad clock', amzn1.replace('@@clock 1732526400123', '@@clock soon'), /clock is "soon"/],
    ['a bad init', amzn1.replace('@@init sysv', '@@init upstart'), /init is "upstart"/],
  ];
  for (const [name, out, re] of cases) {
    test(name, () => {
      assert.throws(
        () => parseFacts(out, [CONF, CLI]),
        (e: unknown) => e instanceof ProbeOutputError && re.test(e.message),
      );
    });
  }
  test('paths that are not the probed ones', () => {
    assert.throws(() => parseFacts(amzn1, [CLI, CONF]), /expected "\/etc\/awslogs\/awscli.conf".*another probe/);
    assert.throws(() => parseFacts(amzn1, [CONF, CLI, '/etc/third']), /no record for "\/etc\/third"/);
  });
});

test('probeScript: names and paths are quoted; nothing contacts a metadata address', () => {
  const s = probeScript({
    paths: ["/tmp/a'b $(reboot)"],
    packageName: 'awslogs',
    services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
  });
  assert.ok(s.includes(`probe_file '/tmp/a'\\''b $(reboot)' 0 `));
  assert.ok(!s.includes('169.254'));
  assert.doesNotMatch(s, /curl|wget/);
  assert.throws(() => probeScript({ paths: ['a\0b'], packageName: 'x', services: { amzn1: 'a', amzn2: 'b' } }), /NUL/);
});

describe('probeScript run by the local /bin/sh against real files', () => {
  let dir: string;
  const hostile = ["we'ird $(touch pwned) `id`.conf", '-n', 'new\nline', 'sp ace', 'ünï.conf'];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-probe-'));
    hostile.forEach((n, i) => writeFileSync(join(dir, n), `content ${i}\n`));
    chmodSync(join(dir, '-n'), 0o640);
    writeFileSync(join(dir, 'big'), 'x'.repeat(5000));
    symlinkSync(join(dir, 'sp ace'), join(dir, 'link'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'log'), 'old line\nnew line\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every kind of path is reported; hostile names are neither run nor confused', () => {
    const paths = [...hostile, 'big', 'link', 'dangling', 'sub', 'absent'].map((n) => join(dir, n));
    const extra = [{ path: join(dir, 'log'), maxBytes: 9, tail: true }];
    const script = probeScript({
      paths,
      packageName: 'awslogs',
      services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
      extraFiles: extra,
      maxFileBytes: 1000,
    });
    const out = execFileSync('/bin/sh', ['-c', script], { cwd: dir }).toString();
    const f = parseFacts(out, paths, extra);
    hostile.forEach((n, i) => {
      const fact = f.files[join(dir, n)];
      assert.ok(fact?.exists, n);
      assert.equal(fact.content, `content ${i}\n`);
    });
    const dashN = f.files[join(dir, '-n')];
    assert.ok(dashN?.exists);
    assert.equal(dashN.mode, 0o640);
    assert.equal(dashN.owner, execFileSync('id', ['-un']).toString().trim());
    const big = f.files[join(dir, 'big')];
    assert.ok(big?.exists && big.truncated && big.content.length === 1000 && big.size === 5000);
    const link = f.files[join(dir, 'link')];
    // A link is reported, never read through: the planner refuses it.
    assert.ok(link?.exists && link.isSymlink && link.content === '' && link.unreadable);
    assert.deepEqual(f.files[join(dir, 'dangling')], { exists: false });
    const sub = f.files[join(dir, 'sub')];
    assert.ok(sub?.exists && sub.kind === 'directory');
    assert.deepEqual(f.files[join(dir, 'absent')], { exists: false });
    const log = f.extraFiles?.[join(dir, 'log')];
    assert.ok(log?.exists && log.content === 'new line\n' && log.truncated);
    assert.ok(Math.abs(f.clockMs - Date.now()) < 60_000);
    assert.ok(f.hostname.length > 0);
    assert.doesNotThrow(() => execFileSync('test', ['!', '-e', join(dir, 'pwned')]));
  });

  test(
    'a file under a folder another user owns is reported as theirs and not read',
    { skip: process.getuid?.() !== 0 && 'needs root (chown)' },
    () => {
      const foreign = join(dir, 'foreign');
      mkdirSync(foreign);
      writeFileSync(join(foreign, 'conf'), 'root only\n');
      chownSync(foreign, 65534, 65534);
      const paths = [join(foreign, 'conf')];
      const script = probeScript({ paths, packageName: 'awslogs', services: { amzn1: 'awslogs', amzn2: 'awslogsd' } });
      const f = parseFacts(execFileSync('/bin/sh', ['-c', script], { cwd: dir }).toString(), paths);
      const fact = f.files[paths[0]!];
      assert.ok(fact?.exists && fact.unreadable && fact.content === '', JSON.stringify(fact));
      assert.match(fact.controlledBy ?? '', /\(uid 65534, owner of .*\/foreign\) controls it/);
    },
  );

  test(
    "an agent's log in a folder of the user it runs as is read with that user's rights, never root's",
    { skip: process.getuid?.() !== 0 && 'needs root (chown)' },
    () => {
      chmodSync(dir, 0o755);
      const logs = join(dir, 'agent-logs');
      mkdirSync(logs);
      writeFileSync(join(logs, 'agent.log'), 'line 1\nline 2\n');
      writeFileSync(join(logs, 'secret.log'), 'root only\n', { mode: 0o600 });
      chownSync(logs, 65534, 65534);
      const extra = [
        { path: join(logs, 'agent.log'), maxBytes: 7, tail: true },
        { path: join(logs, 'secret.log'), maxBytes: 100, tail: true },
      ];
      const script = probeScript({
        paths: [],
        packageName: 'awslogs',
        services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
        extraFiles: extra,
      });
      const f = parseFacts(execFileSync('/bin/sh', ['-c', script], { cwd: dir }).toString(), [], extra);
      const log = f.extraFiles?.[join(logs, 'agent.log')];
      assert.ok(log?.exists && log.content === 'line 2\n' && log.truncated, JSON.stringify(log));
      assert.match(log.controlledBy ?? '', /\(uid 65534, owner of .*\/agent-logs\) controls it/);
      // Root's file in that folder: the kernel refuses it to the folder's owner, so the probe does not read it.
      const secret = f.extraFiles?.[join(logs, 'secret.log')];
      assert.ok(secret?.exists && secret.unreadable && secret.content === '', JSON.stringify(secret));
    },
  );
});

test('probeScript: the package, systemd and sysv commands are called as intended (fake commands on PATH)', () => {
  const bin = mkdtempSync(join(tmpdir(), 'awslogs-provision-fakebin-'));
  try {
    const fake = (name: string, body: string): void => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    // rpm: installed only when asked for exactly the package; prints the version in the asked format.
    fake(
      'rpm',
      '[ "$1" = -q ] || exit 9; if [ "$2" = --qf ]; then printf "%s\\n" "1.1.4-3.amzn2"; exit 0; fi; [ "$2" = "aws logs" ]',
    );
    fake(
      'systemctl',
      // One call for both words, as the probe asks: show -p ActiveState -p UnitFileState -- UNIT.
      '[ "$1 $2 $3 $4 $5 $6 $7" = "show -p ActiveState -p UnitFileState -- aws\'d" ] || exit 4; printf "ActiveState=active\\nUnitFileState=enabled\\n"',
    );
    fake('service', '[ "$1 $2" = "aws;1 status" ] && exit 0; exit 3');
    fake('chkconfig', '[ "$1 $2" = "--list aws;1" ] && printf "aws;1\\t0:off\\t3:on\\n"');
    fake('hostname', '[ "$1" = -I ] && echo "fd00::1 10.9.8.7 10.1.1.1" || echo fake-host');
    const script = probeScript({ paths: [], packageName: 'aws logs', services: { amzn1: 'aws;1', amzn2: "aws'd" } });
    const out = execFileSync('/bin/sh', ['-c', script], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    }).toString();
    // The sysv facts are asked only on a host that systemd did not boot (this machine may be one).
    const sysv = existsSync('/run/systemd/system') ? [] : ['@@sysv-status 0', '@@sysv-chkconfig aws;1\t0:off\t3:on'];
    for (const line of [
      '@@package installed 1.1.4-3.amzn2',
      '@@systemd-active active',
      '@@systemd-enabled enabled',
      ...sysv,
      // The name comes from /proc (no process started), not from the fake hostname, which answers -I only here.
      `@@hostname ${hostname()}`,
      '@@ip 10.9.8.7',
    ]) {
      assert.ok(out.split('\n').includes(line), `${JSON.stringify(line)} in\n${out}`);
    }
    const f = parseFacts(out, []);
    assert.deepEqual(f.package, { installed: true, version: '1.1.4-3.amzn2' });
    assert.equal(f.ipAddress, '10.9.8.7');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test("the agent's Python: the first of the agent module's folders that exists, found by the shell's own glob", () => {
  const withCode = amzn1.replace('@@probe-end', '@@agent-code /usr/lib/python2.7/site-packages/cwlogs\n@@probe-end');
  assert.deepEqual(parseFacts(withCode, [CONF, CLI]).agentPython, {
    version: '2.7',
    path: '/usr/lib/python2.7/site-packages/cwlogs',
  });
  assert.equal(parseFacts(amzn1, [CONF, CLI]).agentPython, undefined);
  const dir = mkdtempSync(join(tmpdir(), 'probe-code-'));
  try {
    mkdirSync(join(dir, 'lib', 'python3.7', 'site-packages', 'cwlogs'), { recursive: true });
    const script = probeScript({
      paths: [],
      packageName: 'awslogs',
      services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
      agentCodeDirs: [`${dir}/none/python*/cwlogs`, `${dir}/lib/python*/site-packages/cwlogs`],
    });
    const facts = parseFacts(execFileSync('sh', ['-s'], { input: script, encoding: 'utf8' }), []);
    assert.equal(facts.agentPython?.version, '3.7');
    assert.throws(() =>
      probeScript({
        paths: [],
        packageName: 'awslogs',
        services: { amzn1: 'awslogs', amzn2: 'awslogsd' },
        agentCodeDirs: ['/usr/lib/python*/$(reboot)'],
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
