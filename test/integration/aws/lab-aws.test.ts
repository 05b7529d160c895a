// The AWS side end to end on the lab with moto: IAM setup, provision with keys and verify (amzn1 and amzn2),
// verify failing clearly, metric filters and dashboard, key rotation — and no secret in any output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { REPO_ROOT, runCli, type CliResult } from '../../support/cli.js';
import {
  LAB_INVENTORY,
  LAB_STATE_DIR,
  labAwsEnv,
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  type LabHost,
} from '../../support/lab.js';
import { awsClients } from '../../../src/clouds/aws/clients.js';

const skip = labSkipReason();
if (skip) console.log(`# AWS lab tests skipped: ${skip}`);

const LAB_AWS = join(LAB_STATE_DIR, 'aws');
const labEnv = labAwsEnv;

function secretsInFile(): string[] {
  return [...readFileSync(join(LAB_AWS, 'credentials'), 'utf8').matchAll(/aws_secret_access_key = (\S+)/g)].map(
    (m) => m[1]!,
  );
}

/** No AWS variable at all, as in a fresh shell after `npm run demo`: the lab's inventory names its profile. */
const NOTHING_SOURCED = { AWS_PROFILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined, AWS_CONFIG_FILE: undefined };

const outputs: CliResult[] = [];
async function cli(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { env: NOTHING_SOURCED, timeoutMs: 300_000 });
  outputs.push(result);
  return result;
}

interface Check {
  log: string;
  state: string;
  agentError?: string;
}
interface JsonRun {
  hosts: { name: string; status: string; checks?: Check[]; error?: { message: string } }[];
}

describe('AWS on the lab (moto)', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';

  before(async () => {
    hosts = await labUp(3, 'mixed');
    inventory = LAB_INVENTORY;
  });
  after(async () => {
    await labDown();
  });

  test('iam setup creates the user, policy and key; a second run changes nothing', async () => {
    const first = await cli(['iam', 'setup', '--inventory', inventory, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const firstJson = JSON.parse(first.stdout) as { changed: boolean; results: { action: string; resource: string }[] };
    assert.equal(firstJson.changed, true);
    assert.ok(firstJson.results.some((r) => r.resource.startsWith('policy-attachment') && r.action === 'created'));
    const second = await cli(['iam', 'setup', '--inventory', inventory, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const secondJson = JSON.parse(second.stdout) as { changed: boolean; results: { action: string }[] };
    assert.equal(secondJson.changed, false);
    assert.ok(secondJson.results.every((r) => r.action === 'unchanged'));
  });

  test('provision with keys: every host, amzn1 and amzn2, verified — the probe lines arrive', async () => {
    const result = await cli(['--inventory', inventory, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as JsonRun;
    assert.deepEqual(new Set(hosts.map((h) => h.os)), new Set(['amzn1', 'amzn2']));
    for (const host of run.hosts) {
      assert.equal(host.status, 'changed', JSON.stringify(host));
      assert.deepEqual(
        host.checks?.map((c) => c.state),
        ['arrived', 'arrived'],
      );
    }
  });

  test('verify fails with a table and exit 1 when one host’s agent is stopped', async () => {
    const stopped = hosts.find((h) => h.os === 'amzn2')!;
    await mustOnHost(stopped.address, 'systemctl stop awslogsd');
    try {
      const result = await cli(['verify', '--inventory', inventory, '--timeout', '8']);
      assert.equal(result.code, 1);
      assert.match(result.stdout, new RegExp(`${stopped.name}: failed`));
      assert.match(result.stdout, /log \/var\/log\/messages → \/var\/log\/messages \/ i-[0-9a-f]+: stale/);
      for (const other of hosts.filter((h) => h !== stopped))
        assert.match(result.stdout, new RegExp(`${other.name}: ok`));
    } finally {
      await mustOnHost(stopped.address, 'systemctl start awslogsd');
    }
  });

  test('verify names a stream that does not match and exits 1', async () => {
    const renamed = labInventoryCopy((doc) => {
      const logs = doc.all.vars.awslogs_logs as { log_stream_name: string }[];
      logs[1]!.log_stream_name = 'not-what-the-agent-writes';
    });
    const result = await cli(['verify', '--inventory', renamed, '--timeout', '8', '--json']);
    assert.equal(result.code, 1);
    const run = JSON.parse(result.stdout) as JsonRun;
    for (const host of run.hosts) assert.equal(host.checks?.[1]?.state, 'stream missing');
  });

  test('a key without the policy: the host does not verify, and the agent’s own error is shown', async () => {
    const env = labEnv();
    // The operator creates a user without CloudWatchAgentServerPolicy and a key for it.
    const endpoint = (readFileSync(env.AWS_CONFIG_FILE!, 'utf8').match(/endpoint_url = (\S+)/) ?? [])[1]!;
    process.env.AWS_SHARED_CREDENTIALS_FILE = env.AWS_SHARED_CREDENTIALS_FILE;
    process.env.AWS_CONFIG_FILE = env.AWS_CONFIG_FILE;
    const iam = awsClients({ region: 'ap-northeast-2', endpointUrl: endpoint, profile: 'lab' });
    try {
      await iam.iam.send(new CreateUserCommand({ UserName: 'no-policy' }));
      const key = await iam.iam.send(new CreateAccessKeyCommand({ UserName: 'no-policy' }));
      const [victim] = hosts as [LabHost];
      const unprivileged = labInventoryCopy((doc) => {
        doc.all.vars.awslogs_credentials = { source: 'env' };
      });
      const result = await runCli(
        ['--inventory', unprivileged, '--limit', victim.name, '--json', '--verify-timeout', '10'],
        {
          env: {
            ...env,
            AWS_ACCESS_KEY_ID: key.AccessKey!.AccessKeyId!,
            AWS_SECRET_ACCESS_KEY: key.AccessKey!.SecretAccessKey!,
          },
        },
      );
      assert.ok(!result.stdout.includes(key.AccessKey!.SecretAccessKey!));
      assert.equal(result.code, 1, result.stderr);
      const run = JSON.parse(result.stdout) as JsonRun;
      const host = run.hosts[0]!;
      assert.equal(host.status, 'failed');
      assert.match(host.error?.message ?? '', /did not arrive/);
      assert.match(JSON.stringify(host.checks), /AccessDenied|not authorized|Caught exception/i);
    } finally {
      iam.destroy();
    }
    // Back to the agent's own key.
    assert.equal((await cli(['--inventory', inventory, '--no-verify'])).code, 0);
  });

  test('metric filters and dashboard: created, then unchanged on a second run', async () => {
    const withMetrics = labInventoryCopy((doc) => {
      doc.all.vars.cloudwatch_metric_filters = [
        {
          log_group_name: '/lab/app',
          filter_name: 'app-errors',
          pattern: '?ERROR ?CRIT',
          metric_namespace: 'Lab/Logs',
          metric_name: 'AppErrors',
          samples: { match: ['2026-11-25 10:00:00 ERROR disk full'], no_match: ['2026-11-25 10:00:00 all good'] },
        },
      ];
      doc.all.vars.cloudwatch_dashboard = { name: 'lab-logs' };
    });
    const first = await cli(['metrics', 'apply', '--inventory', withMetrics, '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /"action": "created"/);
    const second = await cli(['metrics', 'apply', '--inventory', withMetrics, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const items = (JSON.parse(second.stdout) as { items: { action: string }[] }).items;
    assert.deepEqual(
      items.map((i) => i.action),
      ['unchanged', 'unchanged'],
    );
  });

  test('key rotation: new key provisioned and verified everywhere, then the old key deleted', async () => {
    const before = readFileSync(join(LAB_AWS, 'credentials'), 'utf8').match(
      /\[awslogs-agent\]\naws_access_key_id = (\S+)/,
    )?.[1];
    const result = await cli(['iam', 'setup', '--inventory', inventory, '--rotate-key']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const afterKey = readFileSync(join(LAB_AWS, 'credentials'), 'utf8').match(
      /\[awslogs-agent\]\naws_access_key_id = (\S+)/,
    )?.[1];
    assert.ok(before && afterKey && before !== afterKey);
    assert.match(result.stdout, new RegExp(`deleted\\s+access-key/awslogs-agent\\s+.*${before}`));
    for (const host of hosts)
      assert.match(await mustOnHost(host.address, 'cat /etc/awslogs/awscli.conf'), new RegExp(afterKey!));
    // Every host still ships with the key it has.
    const verify = await cli(['verify', '--inventory', inventory]);
    assert.equal(verify.code, 0, verify.stdout);
  });

  test('EC2-discovered hosts: provisioned and verified; IMDSv2-only instances with {instance_id} are warned about', async () => {
    const ec2Inventory = LAB_INVENTORY.replace(/\.yml$/, '-ec2.yml');
    const listed = await cli(['inventory', '--inventory', ec2Inventory, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const found = JSON.parse(listed.stdout) as { hosts: { name: string; vars: Record<string, unknown> }[] };
    assert.deepEqual(
      found.hosts.map((h) => h.name).sort(),
      hosts.map((h) => h.name),
    );
    for (const host of hosts) {
      const vars = found.hosts.find((h) => h.name === host.name)!.vars;
      assert.equal(vars.ansible_host, host.address);
      // The lab gave each host the id of its instance, where cloud-init keeps it.
      assert.equal((await mustOnHost(host.address, 'cat /var/lib/cloud/data/instance-id')).trim(), vars.instance_id);
      assert.equal(vars.ec2_imdsv2_required, host.os === 'amzn2');
    }
    // The lab's inventory acknowledges the IMDSv2 warning (its agent reads no IMDS); a copy without that says it.
    const unacknowledged = join(mkdtempSync(join(tmpdir(), 'awslogs-provision-ec2-')), 'inventory.yml');
    const doc = parse(readFileSync(ec2Inventory, 'utf8')) as { all: { vars: Record<string, unknown> } };
    delete doc.all.vars.provision_acknowledge;
    writeFileSync(unacknowledged, stringify(doc));
    const result = await cli(['--inventory', unacknowledged, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as JsonRun;
    for (const host of run.hosts)
      assert.deepEqual(
        host.checks?.map((c) => c.state),
        ['arrived', 'arrived'],
      );
    // One warning per value, where it is written (all.vars), naming exactly the hosts that require IMDSv2.
    const warnings = (JSON.parse(result.stdout) as { warnings?: string[] }).warnings ?? [];
    const imds = warnings.filter((w) => /IMDSv2/.test(w));
    const amzn2 = hosts.filter((h) => h.os === 'amzn2').map((h) => h.name);
    assert.equal(imds.length, 1, imds.join('\n'));
    assert.match(
      imds[0]!,
      new RegExp(
        `^${unacknowledged}:\\d+:\\d+: awslogs_logs\\[0\\]\\.log_stream_name: .*requires IMDSv2.*; hosts? ${amzn2.join(', ')}; acknowledge: provision_acknowledge: \\[instance-id-imdsv2\\]$`,
      ),
    );
    assert.match(result.stderr, /^warning: .*IMDSv2/m);
    const quiet = await cli(['--inventory', ec2Inventory, '--dry-run', '--json']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal((JSON.parse(quiet.stdout) as { warnings?: string[] }).warnings, undefined);
    assert.doesNotMatch(quiet.stderr, /warning/);
    const role = await cli(['iam', 'setup', '--inventory', ec2Inventory, '--mode', 'role', '--json']);
    assert.equal(role.code, 0, role.stderr);
    const associated = (JSON.parse(role.stdout) as { results: { resource: string; action: string }[] }).results.filter(
      (r) => r.resource.startsWith('ec2-instance/') && r.action === 'updated',
    );
    assert.equal(associated.length, hosts.length);
  });

  test('no secret appears in any output of these runs, nor in the journal', () => {
    const secrets = secretsInFile();
    assert.ok(secrets.length >= 2);
    const journalDir = join(REPO_ROOT, 'inventories', '.provision', 'runs');
    const journal = readdirSync(journalDir)
      .map((f) => readFileSync(join(journalDir, f), 'utf8'))
      .join('\n');
    for (const secret of secrets) {
      for (const out of outputs) {
        assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret), 'a secret was printed');
      }
      assert.ok(!journal.includes(secret));
    }
  });
});
