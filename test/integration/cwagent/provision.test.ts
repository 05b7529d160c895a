// The CloudWatch agent provisioned by the tool on the lab, next to awslogs in one mixed run: lab01 (Amazon Linux
// 2) and lab02 (Amazon Linux 1) run awslogs, lab03 (Amazon Linux 2) and lab04 (Amazon Linux 2023) the CloudWatch
// agent (yum and dnf). Apply installs, configures, starts, enables and verifies; a re-run changes nothing and
// restarts nothing; a hand edit of the agent's copy shows in the dry run (exit 3); rollback restores; a config
// the agent's own validation refuses leaves the host as it was, naming the agent's error; Amazon Linux 1 is
// refused. Then the doctor names, from one faulty config's real agent run: a root-only log under run_as_user:
// cwagent, entries out of the accepted time range, and access denied.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { runCli } from '../../support/cli.js';
import {
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  onHost,
  type LabHost,
} from '../../support/lab.js';
import { cli, hostOf, LAB_AWS_ENV, stamp, waitFor, type Json } from '../doctor/support.js';
import { awsClients } from '../../../src/clouds/aws/clients.js';

const skip = labSkipReason();
if (skip) console.log(`# CloudWatch agent tests skipped: ${skip}`);

const ETC = '/opt/aws/amazon-cloudwatch-agent/etc';
const MANAGED = `${ETC}/awslogs-provision.json`;
const COPY = `${ETC}/amazon-cloudwatch-agent.d/file_awslogs-provision.json`;
const LEGACY = `${ETC}/amazon-cloudwatch-agent.json`;
const AGENT_LOG = '/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log';
const UNIT = 'amazon-cloudwatch-agent';

type Doc = Parameters<NonNullable<Parameters<typeof labInventoryCopy>[0]>>[0];
type Group = { hosts: Record<string, Record<string, unknown>>; vars?: Record<string, unknown> };

/** The amzn2023 group's vars (the lab writes the CloudWatch agent's there). */
const al2023Vars = (doc: Doc) =>
  (doc.all.children.amzn2023 as Group).vars as { cloudwatch_agent_logs: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;

/** The CloudWatch agent's variables for a host (lab03, an Amazon Linux 2 host, gets them as host vars). */
const CWAGENT_VARS = {
  log_agent: 'cloudwatch-agent',
  cloudwatch_agent_credentials: { source: 'keys', profile: 'awslogs-agent' },
  cloudwatch_agent_logs: [
    {
      file_path: '/var/log/app/app.log',
      log_group_name: '/lab/app',
      log_stream_name: '{local_hostname}',
      timestamp_format: '%Y-%m-%d %H:%M:%S',
      timezone: 'UTC',
      multi_line_start_pattern: '{timestamp_format}',
    },
  ],
};

function hostVars(doc: Doc, name: string): Record<string, unknown> {
  for (const group of Object.values(doc.all.children)) if (group.hosts[name]) return group.hosts[name]!;
  throw new Error(`no host ${name}`);
}

describe('the CloudWatch agent on the lab, beside awslogs', { skip }, () => {
  let hosts: LabHost[] = [];
  let al2: LabHost; // lab03: the CloudWatch agent with yum
  let al2023: LabHost; // lab04: with dnf
  let al1: LabHost; // lab02: awslogs; refused the CloudWatch agent
  let inventory = '';
  const pid = async (h: LabHost) => (await mustOnHost(h.address, `systemctl show -p MainPID --value ${UNIT}`)).trim();
  const sha = async (h: LabHost, path: string) =>
    (await mustOnHost(h.address, `if [ -e ${path} ]; then sha256sum < ${path}; else echo absent; fi`)).trim();
  /** An inventory with lab03 on the CloudWatch agent too, changed by `edit`. */
  const withAgent = (edit: (doc: Doc) => void = () => undefined) =>
    labInventoryCopy((doc) => {
      Object.assign(hostVars(doc, al2.name), CWAGENT_VARS);
      edit(doc);
    });

  before(async () => {
    hosts = await labUp(4, 'mixed');
    al1 = hosts.find((h) => h.os === 'amzn1')!;
    al2023 = hosts.find((h) => h.os === 'amzn2023')!;
    al2 = hosts.filter((h) => h.os === 'amzn2').at(-1)!;
    inventory = withAgent();
    const iam = await runCli(['iam', 'setup', '--inventory', inventory], { env: LAB_AWS_ENV, timeoutMs: 120_000 });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
  });
  after(async () => {
    await labDown();
  });

  test('one run applies awslogs and the CloudWatch agent (dnf on 2023, yum on 2): installed, configured, started, enabled, verified', async () => {
    const r = await cli('--inventory', inventory, '--limit', `!${al1.name}`);
    assert.equal(r.code, 0, r.out);
    for (const [h, manager] of [
      [al2, 'yum'],
      [al2023, 'dnf'],
    ] as const) {
      const host = hostOf(r.json, h);
      assert.equal(host.status, 'changed');
      const changes = host.changes as { kind: string; summary: string; command?: string }[];
      assert.equal(changes.find((c) => c.kind === 'package')?.command, `${manager} install -y amazon-cloudwatch-agent`);
      assert.match(changes.map((c) => `${c.kind}: ${c.summary}`).join('\n'), /^command: fetch-config/m);
      assert.deepEqual(
        host.checks?.map((c) => c.state),
        ['arrived'],
        JSON.stringify(host.checks),
      );
      assert.equal(await sha(h, COPY), await sha(h, MANAGED));
      assert.equal(await sha(h, LEGACY), 'absent');
      assert.equal(
        (await onHost(h.address, `systemctl is-active --quiet ${UNIT} && systemctl is-enabled --quiet ${UNIT}`)).code,
        0,
      );
    }
    const awslogs = hostOf(
      r.json,
      hosts.find((h) => h.os === 'amzn2' && h !== al2)!,
    );
    assert.equal(awslogs.status, 'changed');
    assert.ok(awslogs.changes.some((c) => c.path === '/etc/awslogs/awslogs.conf'));
    assert.equal((await onHost(al2023.address, 'rpm -q amazon-cloudwatch-agent')).code, 0);
  });

  test('a re-run changes nothing and restarts nothing', async () => {
    const before = [await pid(al2), await pid(al2023)];
    const r = await cli('--inventory', inventory, '--limit', `!${al1.name}`, '--no-verify');
    assert.equal(r.code, 0, r.out);
    for (const h of r.json.hosts) assert.deepEqual([h.name, h.status, h.changes], [h.name, 'ok', []]);
    assert.deepEqual([await pid(al2), await pid(al2023)], before);
  });

  test("a hand edit of the agent's copy, then of the managed JSON, shows in the dry run's diff (exit 3), and apply puts the config back", async () => {
    await mustOnHost(al2023.address, `sed -i 's#"/lab/app"#"/lab/edited"#' ${COPY}`);
    const dry = await runCli(
      ['--inventory', inventory, '--limit', al2023.name, '--dry-run', '--detailed-exitcode', '--json'],
      { env: LAB_AWS_ENV },
    );
    assert.equal(dry.code, 3, dry.stdout + dry.stderr);
    const change = JSON.parse(dry.stdout).hosts[0].changes.find((c: { kind: string }) => c.kind === 'command');
    assert.match(change.summary, /differs/);
    assert.match(change.diff, /^-\s+"log_group_name": "\/lab\/edited",$/m);
    assert.match(change.diff, /^\+\s+"log_group_name": "\/lab\/app",$/m);
    const fixed = await cli('--inventory', inventory, '--limit', al2023.name, '--no-verify');
    assert.equal(fixed.code, 0, fixed.out);
    assert.equal(await sha(al2023, COPY), await sha(al2023, MANAGED));
    // The managed JSON itself edited by hand: its own diff, and fetch-config pending after it.
    await mustOnHost(al2023.address, `sed -i 's#"/lab/app"#"/lab/managed-edit"#' ${MANAGED}`);
    const dryManaged = await runCli(
      ['--inventory', inventory, '--limit', al2023.name, '--dry-run', '--detailed-exitcode', '--json'],
      { env: LAB_AWS_ENV },
    );
    assert.equal(dryManaged.code, 3, dryManaged.stdout + dryManaged.stderr);
    const changes = JSON.parse(dryManaged.stdout).hosts[0].changes as { kind: string; path?: string; diff?: string }[];
    const file = changes.find((c) => c.kind === 'file' && c.path === MANAGED);
    assert.ok(file, JSON.stringify(changes));
    assert.match(file.diff ?? '', /^-\s+"log_group_name": "\/lab\/managed-edit",$/m);
    assert.match(file.diff ?? '', /^\+\s+"log_group_name": "\/lab\/app",$/m);
    assert.ok(
      changes.some((c) => c.kind === 'command'),
      JSON.stringify(changes),
    );
    const restored = await cli('--inventory', inventory, '--limit', al2023.name, '--no-verify');
    assert.equal(restored.code, 0, restored.out);
    assert.equal(await sha(al2023, COPY), await sha(al2023, MANAGED));
  });

  test('rollback restores the previous config, and the agent runs it', async () => {
    const managed = await sha(al2023, MANAGED);
    const changed = withAgent((doc) => {
      const vars = al2023Vars(doc);
      vars.cloudwatch_agent_logs = [{ ...vars.cloudwatch_agent_logs[0]!, log_group_name: '/lab/app-v2' }];
    });
    const applied = await cli('--inventory', changed, '--limit', al2023.name, '--no-verify');
    assert.equal(applied.code, 0, applied.out);
    assert.notEqual(await sha(al2023, MANAGED), managed);
    const back = await cli('rollback', '--inventory', changed, '--limit', al2023.name);
    assert.equal(back.code, 0, back.out);
    assert.equal(await sha(al2023, MANAGED), managed);
    assert.equal(await sha(al2023, COPY), managed);
    assert.equal((await onHost(al2023.address, `systemctl is-active --quiet ${UNIT}`)).code, 0);
    const again = await cli('--inventory', inventory, '--limit', al2023.name, '--no-verify', '--dry-run');
    assert.equal(again.code, 0, again.out);
    assert.deepEqual(hostOf(again.json, al2023).changes, []);
  });

  test("a config the agent's own validation refuses leaves the host as it was and names the agent's error", async () => {
    // An operator's leftover legacy JSON, which the control script merges: its region conflicts with the new one's.
    await mustOnHost(al2023.address, `printf '%s' '{"agent":{"region":"us-west-2"}}' > ${LEGACY}`);
    const before = { managed: await sha(al2023, MANAGED), copy: await sha(al2023, COPY), pid: await pid(al2023) };
    const changed = withAgent((doc) => {
      const vars = al2023Vars(doc);
      vars.cloudwatch_agent_logs = [{ ...vars.cloudwatch_agent_logs[0]!, log_group_name: '/lab/app-refused' }];
    });
    const r = await cli('--inventory', changed, '--limit', al2023.name, '--no-verify');
    assert.equal(r.code, 1, r.out);
    const host = hostOf(r.json, al2023);
    assert.equal(host.status, 'failed');
    assert.match(host.error!.message, /^command fetch-config failed/);
    assert.match(host.error!.message, /Different values are specified for region/);
    assert.match(host.error!.message, /validation first phase failed/);
    assert.deepEqual(
      { managed: await sha(al2023, MANAGED), copy: await sha(al2023, COPY), pid: await pid(al2023) },
      before,
    );
    assert.equal(
      (await mustOnHost(al2023.address, `ls ${ETC}/amazon-cloudwatch-agent.d`)).trim(),
      'file_awslogs-provision.json',
    );
    await mustOnHost(al2023.address, `rm -f ${LEGACY}`);
  });

  test('Amazon Linux 1 is refused the CloudWatch agent, clearly, and nothing is changed there', async () => {
    const refused = withAgent((doc) => Object.assign(hostVars(doc, al1.name), CWAGENT_VARS));
    const r = await cli('--inventory', refused, '--limit', al1.name);
    assert.equal(r.code, 1, r.out);
    assert.match(hostOf(r.json, al1).error!.message, /^Amazon Linux 1 cannot run amazon-cloudwatch-agent here/);
    assert.equal((await onHost(al1.address, 'rpm -q amazon-cloudwatch-agent')).code, 1);
  });

  test("doctor names, from the agent's own log: a root-only log unreadable under run_as_user: cwagent, entries out of the accepted time range, access denied", async () => {
    await mustOnHost(al2023.address, "printf 'secret line\\n' > /var/log/secure.log && chmod 600 /var/log/secure.log");
    // The operator (the lab's profile) creates a user without CloudWatchAgentServerPolicy and a key for it.
    const env = LAB_AWS_ENV;
    const endpoint = /endpoint_url = (\S+)/.exec(readFileSync(env.AWS_CONFIG_FILE!, 'utf8'))![1]!;
    Object.assign(process.env, env);
    const iam = awsClients({ region: 'ap-northeast-2', endpointUrl: endpoint, profile: env.AWS_PROFILE });
    let key: { id: string; secret: string };
    try {
      await iam.iam.send(new CreateUserCommand({ UserName: 'cwagent-no-policy' }));
      const k = await iam.iam.send(new CreateAccessKeyCommand({ UserName: 'cwagent-no-policy' }));
      key = { id: k.AccessKey!.AccessKeyId!, secret: k.AccessKey!.SecretAccessKey! };
    } finally {
      iam.destroy();
    }
    const envWithKey = { ...env, AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret };
    const run = async (...args: string[]) => {
      const r = await runCli([...args, '--json'], { env: envWithKey, timeoutMs: 180_000 });
      assert.ok(!r.stdout.includes(key.secret) && !r.stderr.includes(key.secret), 'the secret was printed');
      return { code: r.code, out: r.stdout + r.stderr, json: JSON.parse(r.stdout) as Json };
    };
    const faulty = withAgent((doc) => {
      const vars = al2023Vars(doc);
      vars.cloudwatch_agent_credentials = { source: 'env' };
      vars.cloudwatch_agent_config = { agent: { run_as_user: 'cwagent' } };
      vars.cloudwatch_agent_logs = [
        vars.cloudwatch_agent_logs[0]!,
        { file_path: '/var/log/secure.log', log_group_name: '/lab/secure', log_stream_name: '{local_hostname}' },
      ];
    });
    // Preflight refuses it first: checked on the host as cwagent.
    const refused = await run('--inventory', faulty, '--limit', al2023.name, '--no-verify');
    assert.equal(refused.code, 1, refused.out);
    const check = hostOf(refused.json, al2023).preflight?.find((c) => c.check === 'run_as_user');
    assert.match(check?.message ?? '', /agent\.run_as_user cwagent cannot read \/var\/log\/secure\.log/);
    const applied = await run('--inventory', faulty, '--limit', al2023.name, '--no-verify', '--skip-preflight');
    assert.equal(applied.code, 0, applied.out);
    // A line 20 days old, which the agent drops on the host, and a fresh one, which CloudWatch Logs refuses.
    await mustOnHost(
      al2023.address,
      `printf '%s old line\\n%s denied\\n' '${stamp(-20 * 24 * 3_600_000)}' '${stamp()}' >> /var/log/app/app.log`,
    );
    await waitFor('the agent to fail on the root-only log, discard the old line and be refused', async () => {
      const log = await mustOnHost(al2023.address, `cat ${AGENT_LOG}`);
      return /out of accepted time range/.test(log) &&
        /secure\.log.*permission denied/.test(log) &&
        /AccessDenied/.test(log)
        ? true
        : undefined;
    });
    const doctor = await run('doctor', '--inventory', faulty, '--limit', al2023.name);
    assert.equal(doctor.code, 1, doctor.out);
    const faults = hostOf(doctor.json, al2023).faults ?? [];
    const evidence = (name: string) => {
      const fault = faults.find((f) => f.fault === name);
      assert.ok(fault, `${name} not among ${JSON.stringify(faults)}`);
      return fault.evidence.join('\n');
    };
    // The agent's own lines, beside what preflight foresaw.
    assert.match(
      evidence('unreadable-as-user'),
      /E! \[inputs\.logfile\] Failed to tail file \/var\/log\/secure\.log with error: open \/var\/log\/secure\.log: permission denied/,
    );
    assert.match(
      evidence('out-of-time-range'),
      /E! \[outputs\.cloudwatchlogs\] The log entry in \(\/lab\/app\/.+\) with timestamp .* is out of accepted time range/,
    );
    assert.match(evidence('credentials-denied'), /access denied[\s\S]*AccessDenied/);
  });
});
