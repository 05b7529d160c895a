// The tool over AWS Systems Manager Run Command on the lab, with sshd stopped on every host: the hosts are the
// lab's EC2 instances (`ec2:` groups, `ansible_connection: aws_ssm`), reached only through the lab's SSM endpoint
// and the SSM agent stand-in each host runs. Apply, no-change re-run, dry-run diff (the same as over SSH),
// doctor and rollback; output over SSM's limit; a failing host past --max-fail-percentage; an agent that does not
// answer and a script past its execution timeout; a keys source refused; no secret in any recorded command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { sshBanner } from '../../../src/lab/hosts.js';
import { labPaths } from '../../../src/lab/layout.js';
import { REPO_ROOT } from '../../support/cli.js';
import { labDown, labInventoryCopy, labSkipReason, labUp, type LabHost } from '../../support/lab.js';
import { CLI_CONF, CONF, SECRET, hostOf, statuses, type JsonRun } from '../../support/provision.js';
import { awsCli } from '../../faults/aws-lab.js';
import { commandsOf, inHost, mustInHost, recordedCommands, ssmInventory, stateHosts } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# SSM tests skipped: ${skip}`);

interface Run extends JsonRun {
  hosts: (JsonRun['hosts'][number] & { roundTrips?: number })[];
}

async function provision(args: string[], env: Record<string, string> = {}) {
  const result = await awsCli([...args, '--json'], env);
  let json: Run | undefined;
  try {
    json = JSON.parse(result.stdout) as Run;
  } catch {
    json = undefined;
  }
  return { ...result, json };
}

/** Invocations the host's transport carried (the report's roundTrips). */
const trips = (run: Run | undefined, name: string) => run?.hosts.find((h) => h.name === name)?.roundTrips;

const fileState = async (host: string, path: string) =>
  (
    await mustInHost(
      host,
      `if [ -e ${path} ]; then stat -c '%a %U %Y' ${path}; sha256sum < ${path}; else echo absent; fi`,
    )
  ).trim();
const agentActive = async (h: LabHost) =>
  (await inHost(h.name, h.os === 'amzn2' ? 'systemctl is-active --quiet awslogsd' : 'service awslogs status')).code ===
  0;

describe('the tool over SSM Run Command on the lab, sshd stopped', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';
  let overSsh: Run | undefined;
  let firstApply = '';

  before(async () => {
    hosts = await labUp(3, 'mixed');
    inventory = ssmInventory();
    // The same fleet over SSH, for the dry-run's diffs to be compared with: run before sshd stops.
    const ssh = labInventoryCopy((doc) => {
      doc.all.vars.awslogs_credentials = { source: 'instance_profile' };
    });
    overSsh = (await provision(['--inventory', ssh, '--dry-run'])).json;
    assert.ok(overSsh, 'the SSH dry-run');
    for (const h of hosts) await mustInHost(h.name, h.os === 'amzn2' ? 'systemctl stop ssh' : 'service sshd stop');
    for (const h of hosts) assert.equal(await sshBanner(h.address, 1000), false, `sshd still answers on ${h.name}`);
  });
  after(async () => {
    await labDown();
  });

  test('a keys or env credentials source for SSM hosts is refused, exit 2, with file, line and why; nothing sent', async () => {
    const before = (await recordedCommands()).length;
    // The lab's own SSM inventory: the listed hosts, each naming its instance (ansible_aws_ssm_instance_id).
    const listed = parse(readFileSync(labPaths(REPO_ROOT).ssmInventory, 'utf8')) as {
      all: {
        vars: Record<string, unknown>;
        children: Record<string, { hosts: Record<string, Record<string, unknown>> }>;
      };
    };
    const ids = new Map(stateHosts().map((h) => [h.name, h.instanceId]));
    for (const group of Object.values(listed.all.children))
      for (const [name, vars] of Object.entries(group.hosts))
        assert.equal(vars.ansible_aws_ssm_instance_id, ids.get(name));
    for (const source of [{ source: 'keys', profile: 'awslogs-agent' }, { source: 'env' }]) {
      // The key in the environment too: it must not travel.
      const refused = join(mkdtempSync(join(tmpdir(), 'awslogs-provision-ssm-')), 'inventory.yml');
      writeFileSync(
        refused,
        stringify({ all: { ...listed.all, vars: { ...listed.all.vars, awslogs_credentials: source } } }),
      );
      const r = await provision(['--inventory', refused, '--no-verify'], {
        AWS_ACCESS_KEY_ID: 'AKIATESTKEY000000001',
        AWS_SECRET_ACCESS_KEY: SECRET,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /inventory\.yml:\d+:\d+: hosts\.lab01\.awslogs_credentials\.source: .*takes no secret key.*ssm:ListCommands/,
      );
    }
    assert.equal((await recordedCommands()).length, before);
  });

  test('dry-run over SSM: the diffs SSH showed, one SendCommand carrying the probe to all three', async () => {
    const r = await provision(['--inventory', inventory, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(statuses(r.json), Object.fromEntries(hosts.map((h) => [h.name, 'changed'])));
    for (const h of hosts) assert.deepEqual(hostOf(r.json, h.name)?.changes, hostOf(overSsh, h.name)?.changes);
    const commands = await commandsOf(r.json!.run);
    assert.equal(commands.length, 1);
    assert.equal(commands[0]!.InstanceIds?.length, 3);
  });

  test('apply over SSM: every host changed in two round trips, files in place, agent running', async () => {
    const r = await provision(['--inventory', inventory, '--no-verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(statuses(r.json), Object.fromEntries(hosts.map((h) => [h.name, 'changed'])));
    for (const h of hosts) {
      assert.equal(trips(r.json, h.name), 2);
      assert.match(await fileState(h.name, CONF), /^644 root /);
      assert.match(await fileState(h.name, CLI_CONF), /^600 root /);
      assert.ok(await agentActive(h), `agent not running on ${h.name}`);
    }
    // One probe for all; an apply script each (the files it writes name their host in their header line).
    const commands = await commandsOf(r.json!.run);
    assert.deepEqual(commands.map((c) => c.InstanceIds?.length).sort(), [1, 1, 1, 3]);
    firstApply = r.json!.run;
  });

  test('no-change re-run over SSM: every host ok, nothing rewritten, the agent not restarted', async () => {
    const pid = (h: LabHost) =>
      mustInHost(h.name, h.os === 'amzn2' ? 'systemctl show -p MainPID --value awslogsd' : 'cat /var/run/awslogs.pid');
    const before = await Promise.all(hosts.map(async (h) => [await fileState(h.name, CONF), await pid(h)]));
    const r = await provision(['--inventory', inventory, '--no-verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(statuses(r.json), Object.fromEntries(hosts.map((h) => [h.name, 'ok'])));
    const after = await Promise.all(hosts.map(async (h) => [await fileState(h.name, CONF), await pid(h)]));
    assert.deepEqual(after, before);
    assert.equal((await commandsOf(r.json!.run)).length, 1);
  });

  test('doctor over SSM: the agent, its state file (brought back by the transport) and its log faults', async () => {
    const r = await provision(['doctor', '--inventory', inventory]);
    const report = JSON.parse(r.stdout) as {
      hosts: {
        name: string;
        agent?: { installed: boolean; active: boolean };
        state?: { present: boolean; streams: unknown[]; error?: string };
        faults?: { fault: string }[];
      }[];
    };
    for (const h of hosts) {
      const d = report.hosts.find((x) => x.name === h.name);
      assert.equal(d?.agent?.installed, true);
      assert.equal(d?.agent?.active, true);
      assert.equal(d?.state?.present, true, JSON.stringify(d?.state));
      assert.equal(d?.state?.error, undefined);
      assert.equal(d?.state?.streams.length, 2);
      // The lab has no instance metadata: an agent left to the instance profile finds no credentials there.
      assert.ok(
        d?.faults?.some((f) => f.fault === 'credentials-missing'),
        JSON.stringify(d?.faults),
      );
    }
  });

  test('output over 24,000 characters comes back whole in further invocations; past the bound, the host fails', async () => {
    const [, amzn1] = hosts as [LabHost, LabHost, LabHost];
    // 60 KB of random text in the config: the probe's answer is about 45 KB compressed, three invocations.
    await mustInHost(
      amzn1.name,
      `head -c 45000 /dev/urandom | base64 -w 76 > ${CONF} && tail -n1 ${CONF} > /root/last-line`,
    );
    const last = (await mustInHost(amzn1.name, 'cat /root/last-line')).trim();
    const whole = await provision(['--inventory', inventory, '--dry-run', '--limit', amzn1.name]);
    assert.equal(whole.code, 0, whole.stderr);
    const h = hostOf(whole.json, amzn1.name)!;
    const invocations = trips(whole.json, amzn1.name) ?? 0;
    assert.equal(h.status, 'changed');
    assert.ok(invocations >= 3, `${invocations} invocations`);
    const diff = h.changes.find((c) => c.path === CONF)?.diff ?? '';
    assert.ok(diff.includes(`-${last}`), 'the diff holds the last line of the file: nothing was cut');

    await mustInHost(amzn1.name, `head -c 700000 /dev/urandom > ${CONF}`);
    const over = await provision(['--inventory', inventory, '--dry-run', '--limit', amzn1.name]);
    assert.equal(over.code, 1);
    const o = hostOf(over.json, amzn1.name)!;
    assert.equal(o.status, 'failed');
    assert.deepEqual(o.changes, [], 'no plan from half an answer');
    assert.match(o.error?.message ?? '', /more than the SSM transport brings back.*nothing of it was used/);
    await mustInHost(amzn1.name, `rm -f ${CONF} /root/last-line`);
  });

  test('rollback over SSM past --max-fail-percentage: one host fails, the next is not run (SSM Terminated)', async () => {
    // The two amzn2 hosts lost the first apply's backups: their restore scripts, identical, go as one command,
    // which --forks 1 runs on one instance at a time and --max-fail-percentage 0 stops at the first failure.
    const amzn2 = hosts.filter((h) => h.os === 'amzn2');
    for (const h of amzn2) await mustInHost(h.name, `rm -rf /var/lib/awslogs-provision/backups/${firstApply}`);
    const r = await provision(['rollback', '--inventory', inventory, '--forks', '1', '--max-fail-percentage', '0']);
    assert.equal(r.code, 1, r.stderr);
    const reports = amzn2.map((h) => hostOf(r.json, h.name)!);
    const ran = reports.filter((h) => /no backups of run/.test(h.error?.message ?? ''));
    const notRun = reports.filter((h) => /not run: SSM terminated this invocation/.test(h.error?.message ?? ''));
    assert.equal(ran.length, 1, JSON.stringify(reports));
    assert.equal(notRun.length, 1, JSON.stringify(reports));
    assert.equal(notRun[0]!.status, 'failed');
    const restore = (await commandsOf(r.json!.run)).find((c) => c.InstanceIds?.length === 2);
    assert.deepEqual([restore?.MaxConcurrency, restore?.MaxErrors], ['1', '0']);
    // The amzn1 host's own command ran: the files the first apply wrote are replaced by what was there before.
    const amzn1 = hosts.find((h) => h.os === 'amzn1')!;
    assert.equal(hostOf(r.json, amzn1.name)?.status, 'changed');
    for (const path of [CONF, CLI_CONF])
      assert.doesNotMatch(
        await mustInHost(amzn1.name, `cat ${path} 2>/dev/null || true`),
        /written by awslogs-provision/,
      );
  });

  test('an agent that stopped: delivery times out (unreachable); a script past its timeout: SSM stops it (failed)', async () => {
    const [, amzn1, quiet] = hosts as [LabHost, LabHost, LabHost];
    // A package manager that ignores SIGTERM (rpm does, inside a transaction) outlives the step's own timeout.
    await mustInHost(amzn1.name, 'yum -y remove awslogs >/dev/null && cp -p /usr/bin/yum /root/yum.real');
    await mustInHost(amzn1.name, `printf '%s\\n' '#!/bin/sh' "trap '' TERM" 'exec sleep 3000' > /usr/bin/yum`);
    await mustInHost(quiet.name, 'systemctl stop amazon-ssm-agent');
    try {
      const [unreachable, timedOut] = await Promise.all([
        provision(['--inventory', inventory, '--dry-run', '--limit', quiet.name]),
        provision(['--inventory', ssmInventory(), '--no-verify', '--limit', amzn1.name, '--command-timeout', '5']),
      ]);
      const u = hostOf(unreachable.json, quiet.name)!;
      assert.equal(u.status, 'unreachable', JSON.stringify(u));
      assert.match(u.error?.message ?? '', /could not deliver .* before its delivery timeout/);
      const t = hostOf(timedOut.json, amzn1.name)!;
      assert.equal(t.status, 'failed', JSON.stringify(t));
      assert.match(
        t.error?.message ?? '',
        /ran past its execution timeout \(5 s\) and SSM stopped it \(Execution Timed Out\)/,
      );
      assert.match(t.error?.message ?? '', /outcome on the host is unknown/);

      const doctor = await provision(['doctor', '--inventory', inventory, '--limit', quiet.name]);
      const d = hostOf(doctor.json, quiet.name)!;
      assert.equal(d.status, 'unreachable');
      assert.match(d.error?.message ?? '', /its SSM agent is not online \(PingStatus ConnectionLost/);
    } finally {
      await mustInHost(quiet.name, 'systemctl start amazon-ssm-agent');
      await mustInHost(amzn1.name, 'cp -p /root/yum.real /usr/bin/yum');
    }
  });

  test('iam setup --mode role: a fleet over SSM gets AmazonSSMManagedInstanceCore beside the agent policy', async () => {
    const r = await awsCli([
      'iam',
      'setup',
      '--inventory',
      inventory,
      '--mode',
      'role',
      '--role-name',
      'ssm-fleet',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const results = (JSON.parse(r.stdout) as { results: { resource: string; action: string }[] }).results;
    for (const policy of ['CloudWatchAgentServerPolicy', 'AmazonSSMManagedInstanceCore'])
      assert.ok(
        results.some((x) => x.resource === `policy-attachment/ssm-fleet/${policy}` && x.action === 'created'),
        JSON.stringify(results),
      );
  });

  test('no secret appears in any command the lab SSM endpoint recorded', async () => {
    const operatorSecret = /aws_secret_access_key = (\S+)/.exec(
      readFileSync(join(labPaths(REPO_ROOT).stateDir, 'aws', 'credentials'), 'utf8'),
    )?.[1];
    assert.ok(operatorSecret);
    const commands = await recordedCommands();
    assert.ok(commands.length >= 8, `${commands.length} commands`);
    for (const c of commands) {
      const text = JSON.stringify(c.Parameters);
      assert.ok(!text.includes(SECRET), `the test's secret key is in ${c.CommandId}`);
      assert.ok(!text.includes(operatorSecret), `the operator's secret key is in ${c.CommandId}`);
      assert.doesNotMatch(text, /aws_secret_access_key|aws_session_token/);
    }
  });
});
