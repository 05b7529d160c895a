// The lab's amazon-cloudwatch-agent package on an Amazon Linux 2023 lab host, driven as an operator (or the
// tool) drives the real one: dnf, a JSON config, `amazon-cloudwatch-agent-ctl -a fetch-config … -s`, lines in
// the lab's CloudWatch Logs; a restart resumes from the state file; a rejected config leaves the old one running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DescribeLogGroupsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { labDown, labSkipReason, labUp, mustOnHost, onHost, type LabHost } from '../../support/lab.js';
import { labLogs, sleep, stamp, waitFor } from '../doctor/support.js';
import { labPaths } from '../../../src/lab/layout.js';
import { REPO_ROOT } from '../../support/cli.js';

const skip = labSkipReason();
if (skip) console.log(`# lab tests skipped: ${skip}`);

const ETC = '/opt/aws/amazon-cloudwatch-agent/etc';
const LOG = '/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log';
const CTL = 'amazon-cloudwatch-agent-ctl';
const APP = '/var/log/app/app.log';

let host: LabHost;
let aws: ReturnType<typeof labLogs>;

/** The lab operator's key, as the agent's shared credentials file (the tool's iam setup is tested elsewhere). */
function credentialsFile(): string {
  const text = readFileSync(`${labPaths(REPO_ROOT).stateDir}/aws/credentials`, 'utf8');
  const section = text.split(/^\[/m).find((s) => s.startsWith('lab]'))!;
  const get = (k: string) => new RegExp(`^${k}\\s*=\\s*(\\S+)`, 'm').exec(section)![1]!;
  return `[AmazonCloudWatchAgent]\naws_access_key_id = ${get('aws_access_key_id')}\naws_secret_access_key = ${get('aws_secret_access_key')}\n`;
}

function config(entries: object[], agent: object = {}): string {
  return JSON.stringify({
    agent: { region: 'ap-northeast-2', ...agent },
    logs: { force_flush_interval: 1, logs_collected: { files: { collect_list: entries } } },
  });
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const write = (path: string, content: string, mode = '0644') =>
  mustOnHost(host.address, `printf %s ${sh(content)} > ${sh(path)} && chmod ${mode} ${sh(path)}`);

async function messages(group: string, stream: string): Promise<string[]> {
  try {
    const out = await aws.logs.client.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
    );
    return (out.events ?? []).map((e) => e.message ?? '');
  } catch {
    return [];
  }
}

const mainPid = async () =>
  (await mustOnHost(host.address, 'systemctl show -p MainPID --value amazon-cloudwatch-agent')).trim();

before(async () => {
  if (skip) return;
  host = (await labUp(1, 'amzn2023'))[0]!;
  aws = labLogs();
});
after(async () => {
  if (skip) return;
  aws?.destroy();
  await labDown();
});

test(
  'dnf: no awslogs on Amazon Linux 2023; the agent package installs its files, user and unit',
  { skip },
  async () => {
    const awslogs = await onHost(host.address, 'dnf install -y awslogs');
    assert.equal(awslogs.code, 1);
    assert.match(awslogs.stderr, /No match for argument: awslogs\nError: Unable to find a match: awslogs/);
    const install = await onHost(host.address, 'dnf install -y amazon-cloudwatch-agent');
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stdout, /Installed:\n {2}amazon-cloudwatch-agent-1\.300071\.0-1\.amzn2023\.x86_64/);
    const facts = await mustOnHost(
      host.address,
      `id -un cwagent; readlink /etc/amazon/amazon-cloudwatch-agent; readlink /usr/bin/${CTL}; ` +
        'grep -E "^(Restart|RestartSec)=" /etc/systemd/system/amazon-cloudwatch-agent.service; rpm -q amazon-cloudwatch-agent',
    );
    assert.equal(
      facts,
      'cwagent\n/opt/aws/amazon-cloudwatch-agent/etc\n/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl\n' +
        'Restart=on-failure\nRestartSec=60s\namazon-cloudwatch-agent-1.300071.0-1.amzn2023.x86_64\n',
    );
    const status = JSON.parse(await mustOnHost(host.address, `${CTL} -a status`)) as Record<string, string>;
    assert.deepEqual(status, {
      status: 'stopped',
      starttime: '',
      configstatus: 'not configured',
      version: '1.300071.0b1234',
    });
  },
);

test(
  'fetch-config -s: installs file_<name>, deletes the legacy JSON, sends existing lines from byte 0, sets retention; a restart resumes from the state file',
  { skip },
  async () => {
    await write(`${ETC}/awslogs-provision-credentials`, credentialsFile(), '0600');
    await write(
      `${ETC}/common-config.toml`,
      `[credentials]\n  shared_credential_profile = "AmazonCloudWatchAgent"\n  shared_credential_file = "${ETC}/awslogs-provision-credentials"\n`,
    );
    const first = [
      `${stamp()} first`,
      '  continued (default ^[\\S]: a line starting with a space continues)',
      `${stamp()} second`,
    ];
    await write(APP, first.join('\n') + '\n');
    await write(`${ETC}/amazon-cloudwatch-agent.json`, '{}');
    await write(`${ETC}/amazon-cloudwatch-agent.d/file_old.json`, '{}');
    const entry = {
      file_path: APP,
      log_group_name: '/lab/cw',
      log_stream_name: '{instance_id}',
      timestamp_format: '%Y-%m-%d %H:%M:%S',
      timezone: 'UTC',
      retention_in_days: 7,
    };
    await write('/root/my config.json', config([entry]));
    const r = await onHost(host.address, `${CTL} -a fetch-config -m ec2 -c 'file:/root/my config.json' -s`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /Configuration validation first phase succeeded\nConfiguration validation second phase succeeded/,
    );
    assert.equal(
      await mustOnHost(
        host.address,
        `ls ${ETC}/amazon-cloudwatch-agent.d; test -e ${ETC}/amazon-cloudwatch-agent.json || echo legacy gone`,
      ),
      'file_my_config.json\nlegacy gone\n',
    );
    const stream = (await mustOnHost(host.address, 'cat /var/lib/cloud/data/instance-id')).trim();
    const expected = [`${first[0]}\n${first[1]}`, first[2]!];
    await waitFor('the existing lines', async () =>
      (await messages('/lab/cw', stream)).length >= 2 ? true : undefined,
    );
    assert.deepEqual(await messages('/lab/cw', stream), expected);
    const groups = await aws.logs.client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/lab/cw' }));
    assert.equal(groups.logGroups?.[0]?.retentionInDays, 7);
    const size = (await mustOnHost(host.address, `stat -c %s ${APP}`)).trim();
    const state = `${size}\n${APP}\n0-${size}`;
    await waitFor('the state file', async () =>
      (await onHost(host.address, 'cat /opt/aws/amazon-cloudwatch-agent/logs/state/_var_log_app_app.log')).stdout ===
      state
        ? true
        : undefined,
    );

    // Stopped, a line written meanwhile, started again: that line once, nothing twice.
    await mustOnHost(host.address, `${CTL} -a stop`);
    const whileStopped = `${stamp()} written while stopped`;
    await mustOnHost(host.address, `echo ${sh(whileStopped)} >> ${APP}`);
    await mustOnHost(host.address, `${CTL} -a start`);
    await waitFor('the line written while stopped', async () =>
      (await messages('/lab/cw', stream)).length >= 3 ? true : undefined,
    );
    await sleep(2500); // a duplicate would come within a flush or two
    assert.deepEqual(await messages('/lab/cw', stream), [...expected, whileStopped]);
    assert.match(
      await mustOnHost(host.address, `cat ${LOG}`),
      /Reading from offset range \[0-\d+\] in \/var\/log\/app\/app\.log/,
    );
  },
);

test(
  'a config the agent refuses (first or second phase) is not installed and the running agent keeps its old one',
  { skip },
  async () => {
    const before = await mainPid();
    const list = () =>
      mustOnHost(host.address, `ls ${ETC}/amazon-cloudwatch-agent.d; md5sum ${ETC}/amazon-cloudwatch-agent.toml`);
    const installed = await list();
    await write('/root/bad.json', config([{ file_path: APP, log_group_name: '/lab/cw', from_beginning: true }]));
    const first = await onHost(host.address, `${CTL} -a fetch-config -m ec2 -c file:/root/bad.json -s`);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /E! Invalid Json input schema\./);
    assert.match(
      first.stderr,
      /Under path : \/logs\/logs_collected\/files\/collect_list\/0 \| Error : Additional property from_beginning is not allowed/,
    );
    assert.match(first.stderr, /Configuration validation first phase failed\. Agent version: 1\.0\./);
    await write(
      '/root/bad2.json',
      config([{ file_path: APP, log_group_name: '/lab/cw', multi_line_start_pattern: '(?=x)' }]),
    );
    const second = await onHost(host.address, `${CTL} -a fetch-config -m ec2 -c file:/root/bad2.json -s`);
    assert.equal(second.code, 1);
    assert.match(
      second.stdout,
      /Configuration validation second phase failed\n======== Error Log ========\nE! multi_line_start_pattern has issue/,
    );
    assert.equal(await list(), installed.replace('file_my_config.json', 'file_bad2.json.tmp\nfile_my_config.json'));
    assert.equal(await mainPid(), before, 'the agent was not restarted');
    const after = `${stamp()} after the refusals`;
    await mustOnHost(host.address, `echo ${sh(after)} >> ${APP}`);
    const stream = (await mustOnHost(host.address, 'cat /var/lib/cloud/data/instance-id')).trim();
    await waitFor('a line after the refusals', async () =>
      (await messages('/lab/cw', stream)).includes(after) ? true : undefined,
    );
    // fetch-config on a file already in the folder names its copy file_file_…
    const copy = await onHost(
      host.address,
      `${CTL} -a fetch-config -m ec2 -c file:${ETC}/amazon-cloudwatch-agent.d/file_my_config.json`,
    );
    assert.equal(copy.code, 0, copy.stdout + copy.stderr);
    assert.equal(await mustOnHost(host.address, `ls ${ETC}/amazon-cloudwatch-agent.d`), 'file_file_my_config.json\n');
  },
);

test(
  'run_as_user cwagent cannot read a root-only log; entries out of the accepted time range are dropped on the host',
  { skip },
  async () => {
    await mustOnHost(
      host.address,
      `chown cwagent ${ETC}/awslogs-provision-credentials; install -m 0600 /dev/null /var/log/secure.log; echo ${sh(`${stamp()} secret`)} >> /var/log/secure.log`,
    );
    const old = `${stamp(-15 * 86_400_000)} fifteen days old`;
    const fresh = `${stamp()} fresh`;
    await write('/var/log/app/other.log', `${old}\n${fresh}\n`);
    const entries = [
      {
        file_path: '/var/log/secure.log',
        log_group_name: '/lab/secure',
        log_stream_name: 's',
        timestamp_format: '%Y-%m-%d %H:%M:%S',
        timezone: 'UTC',
      },
      {
        file_path: '/var/log/app/other.log',
        log_group_name: '/lab/other',
        log_stream_name: 'o',
        timestamp_format: '%Y-%m-%d %H:%M:%S',
        timezone: 'UTC',
      },
    ];
    await write('/root/user.json', config(entries, { run_as_user: 'cwagent' }));
    const r = await onHost(host.address, `${CTL} -a fetch-config -m ec2 -c file:/root/user.json -s`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await waitFor('the fresh line', async () => ((await messages('/lab/other', 'o')).length >= 1 ? true : undefined));
    await sleep(2000);
    assert.deepEqual(await messages('/lab/other', 'o'), [fresh]);
    assert.deepEqual(await messages('/lab/secure', 's'), []);
    const log = await mustOnHost(host.address, `cat ${LOG}`);
    assert.match(
      log,
      /E! \[inputs\.logfile\] Failed to tail file \/var\/log\/secure\.log with error: open \/var\/log\/secure\.log: permission denied/,
    );
    assert.match(
      log,
      /E! \[outputs\.cloudwatchlogs\] The log entry in \(\/lab\/other\/o\) with timestamp \(.*\) comparing to the current time \(.*\) is out of accepted time range\. Discard the log entry\./,
    );
    assert.equal(
      (
        await mustOnHost(host.address, 'ps -o user= -p "$(systemctl show -p MainPID --value amazon-cloudwatch-agent)"')
      ).trim(),
      'cwagent',
    );
  },
);
