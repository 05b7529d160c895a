// The rules that take host facts: the bytes a first start sends (no initial_position), run_as_user's reads,
// encodings, and the log_agent selector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  firstStartBytes,
  firstStartWarning,
  tailedFiles,
  type ProbedFile,
} from '../../../../src/agents/cloudwatch-agent/first-start.js';
import { unreadableAs, unreadableMessage } from '../../../../src/agents/cloudwatch-agent/run-as-user.js';
import { checkEncoding } from '../../../../src/agents/cloudwatch-agent/encodings.js';
import type { CollectEntry } from '../../../../src/agents/cloudwatch-agent/entry.js';
import { logAgentOf, splitByAgent } from '../../../../src/agents/log-agent.js';
import { resolvePlaceholders } from '../../../../src/agents/cloudwatch-agent/names.js';
import { fakeHost } from '../awslogs/fake-host.js';

function entry(over: Partial<CollectEntry>): CollectEntry {
  return {
    index: 0,
    filePath: '/var/log/app/*.log',
    logGroupName: '/app',
    groupDefaulted: false,
    timezone: 'Local',
    multiLineStartPattern: '^[\\S]',
    encoding: 'utf-8',
    publishMultiLogs: false,
    filters: [],
    autoRemoval: false,
    ...over,
  };
}

const MATCHES: ProbedFile[] = [
  { path: '/var/log/app/a.log', size: 1000, mtimeMs: 1 },
  { path: '/var/log/app/b.log', size: 2000, mtimeMs: 3 },
  { path: '/var/log/app/c.log.gz', size: 9000, mtimeMs: 9 },
  { path: '/var/log/app/old.log', size: 4000, mtimeMs: 2 },
  { path: '/var/log/app/dir.log', size: 4096, mtimeMs: 10, kind: 'directory' },
];

test('the newest uncompressed file match is read, all of them with publish_multi_logs, minus the blacklist', () => {
  assert.deepEqual(
    tailedFiles(entry({}), MATCHES).map((f) => f.path),
    ['/var/log/app/b.log'],
  );
  assert.deepEqual(
    tailedFiles(entry({ publishMultiLogs: true, blacklist: '^old' }), MATCHES).map((f) => f.path),
    ['/var/log/app/a.log', '/var/log/app/b.log'],
  );
});

test('first start: whole files without state, the rest after a saved offset, from 0 after truncation', () => {
  const entries = [entry({ publishMultiLogs: true, blacklist: '^old' })];
  const noState = firstStartBytes(entries, () => MATCHES, new Map());
  assert.equal(noState[0]!.bytes, 3000);
  assert.match(firstStartWarning(noState[0]!) ?? '', /sends 2\.9 KiB \(3000 bytes\) of lines already there/);
  const seeded = firstStartBytes(
    entries,
    () => MATCHES,
    new Map([
      ['/var/log/app/a.log', 1000],
      ['/var/log/app/b.log', 2500],
    ]),
  );
  assert.deepEqual(seeded[0]!.files, [
    { path: '/var/log/app/a.log', from: 1000, bytes: 0 },
    { path: '/var/log/app/b.log', from: 0, bytes: 2000 },
  ]);
  const allSeeded = firstStartBytes(
    entries,
    () => MATCHES.slice(0, 2),
    new Map([
      ['/var/log/app/a.log', 1000],
      ['/var/log/app/b.log', 1500],
    ]),
  );
  assert.equal(firstStartWarning(allSeeded[0]!), undefined);
});

test('run_as_user: a root-only log, a folder the user cannot enter, root reads all', () => {
  const cwagent = { name: 'cwagent', uid: 994, gids: [991] };
  const messages = { path: '/var/log/messages', mode: 0o600, uid: 0, gid: 0, kind: 'file' as const };
  const logDir = { path: '/var/log', mode: 0o755, uid: 0, gid: 0, kind: 'directory' as const };
  const u = unreadableAs(cwagent, messages, [logDir]);
  assert.equal(u?.blockedBy, '/var/log/messages');
  assert.match(
    unreadableMessage(u!),
    /cwagent cannot read \/var\/log\/messages \(mode 0600, uid 0, gid 0\).*permission denied/,
  );
  assert.equal(unreadableAs(cwagent, { ...messages, mode: 0o640, gid: 991 }, [logDir]), undefined);
  const closed = { path: '/srv/app', mode: 0o750, uid: 0, gid: 0, kind: 'directory' as const };
  assert.equal(
    unreadableAs(cwagent, { ...messages, path: '/srv/app/x.log', mode: 0o644 }, [closed])?.blockedBy,
    '/srv/app',
  );
  assert.equal(unreadableAs({ name: 'root', uid: 0, gids: [0] }, messages, [closed]), undefined);
});

test('encodings: utf-8 spellings, WHATWG labels, IANA names, replacement labels, and what the agent refuses', () => {
  assert.deepEqual(checkEncoding('utf_8'), { ok: true, canonical: 'utf-8' });
  assert.deepEqual(checkEncoding('EUC-KR'), { ok: true, canonical: 'euc-kr' });
  assert.deepEqual(checkEncoding('latin1'), { ok: true, canonical: 'windows-1252' });
  assert.deepEqual(checkEncoding('IBM437'), { ok: true, canonical: 'ibm437' });
  const replacement = checkEncoding('hz-gb-2312');
  assert.ok(replacement.ok && replacement.canonical === 'replacement' && /U\+FFFD/.test(replacement.warning ?? ''));
  assert.equal(checkEncoding('cp949').ok, false);
  assert.equal(checkEncoding('utf-32').ok, false);
});

test('log_agent: awslogs by default, cloudwatch-agent when asked, anything else a located problem', () => {
  assert.deepEqual(logAgentOf(fakeHost('a', {})), { agent: 'awslogs' });
  assert.deepEqual(logAgentOf(fakeHost('b', { log_agent: 'cloudwatch-agent' })), { agent: 'cloudwatch-agent' });
  const bad = logAgentOf(fakeHost('c', { log_agent: 'fluent-bit' }, { lines: { log_agent: 4 } }));
  assert.ok('problem' in bad);
  assert.deepEqual(bad.problem, {
    file: '/srv/inventories/prod.yml',
    line: 4,
    column: 3,
    path: 'hosts.c.log_agent',
    rule: 'log_agent must be awslogs or cloudwatch-agent',
    expected: 'awslogs | cloudwatch-agent',
    found: '"fluent-bit"',
  });
  const split = splitByAgent([fakeHost('a', {}), fakeHost('b', { log_agent: 'cloudwatch-agent' })]);
  assert.deepEqual(
    [split.byAgent.awslogs.map((h) => h.name), split.byAgent['cloudwatch-agent'].map((h) => h.name)],
    [['a'], ['b']],
  );
});

test('placeholders: {hostname} is the EC2 name, {local_hostname} the OS one', () => {
  const v = {
    instanceId: 'i-0abc',
    ec2Hostname: 'ip-10-0-0-1.ec2.internal',
    localHostname: 'web1',
    ipAddress: '10.0.0.1',
    region: 'ap-northeast-2',
    accountId: '123456789012',
    date: '2026-11-25',
  };
  assert.equal(
    resolvePlaceholders('{instance_id}/{hostname}/{local_hostname}/{ip_address}/{aws_region}/{account_id}/{date}', v),
    'i-0abc/ip-10-0-0-1.ec2.internal/web1/10.0.0.1/ap-northeast-2/123456789012/2026-11-25',
  );
});
