// The cut-over's guards on an Amazon Linux 2 lab host with awslogs provisioned by the tool. A host the CloudWatch
// agent's preflight refuses (no line at its app log's end has the timestamp its entry parses) is not touched: awslogs
// runs on, enabled. The cut-over abandoned between its seeding script and the apply script (the tool killed there):
// the cut-over's own two scripts (stop and read, then seed)
// are run over SSH as the cut-over runs them, with the seeding's hand-off deadline set to a few seconds, and no
// apply follows. awslogs is then stopped and disabled, the CloudWatch agent not installed; after the deadline the
// watchdog has put awslogs back (enabled, running), removed the seeded state file and said so, and freed the host
// lock; an apply that comes late writes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
import { cli, hostOf, LAB_AWS_ENV, waitFor } from '../doctor/support.js';
import { newRunId } from '../../../src/journal/journal.js';
import { wholeScript } from '../../../src/operations/remote-script.js';
import { parseApplyOutput } from '../../../src/operations/apply-script.js';
import { parseStopped, stopAndReadLines } from '../../../src/agents/awslogs/restart/script.js';
import { awslogsControl, awslogsEnable } from '../../../src/agents/cloudwatch-agent/migrate/way-back.js';
import {
  seedLines,
  takeBackFromSeeding,
  WATCHDOG_LOG,
} from '../../../src/agents/cloudwatch-agent/migrate/seed-script.js';
import { stateFilePath } from '../../../src/agents/cloudwatch-agent/state-folder.js';

const skip = labSkipReason();
if (skip) console.log(`# migrate hand-off tests skipped: ${skip}`);

const APP = '/var/log/app/app.log';
/** The seeding's hand-off deadline here (the tool's is 3 minutes). */
const DEADLINE_S = 8;

/** A host script as the tool sends it, run by the host's sh as root. */
const script = (host: LabHost, text: string) =>
  onHost(host.address, `printf %s ${Buffer.from(text).toString('base64')} | base64 -d | sh`, 120_000);

describe("the cut-over's guards", { skip }, () => {
  let host: LabHost;
  let inventory = '';

  before(async () => {
    [host] = (await labUp(1, 'amzn2')) as [LabHost];
    inventory = labInventoryCopy();
    const iam = await runCli(['iam', 'setup', '--inventory', inventory], { env: LAB_AWS_ENV, timeoutMs: 120_000 });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
    const applied = await cli('--inventory', inventory, '--no-verify');
    assert.equal(applied.code, 0, applied.out);
  });
  after(async () => {
    await labDown();
  });

  test("a host the CloudWatch agent's preflight refuses keeps awslogs, untouched", { timeout: 240_000 }, async () => {
    await mustOnHost(host.address, `for i in $(seq 40); do echo "no time here $i"; done > ${APP}`);
    const refused = await cli('migrate', '--inventory', inventory, '--no-verify');
    assert.equal(refused.code, 1, refused.out);
    const report = hostOf(refused.json, host);
    assert.equal(report.status, 'failed');
    assert.match(
      report.error?.message ?? '',
      /^preflight \(the CloudWatch agent\): 1 error\(s\): \[\/var\/log\/app\/app\.log\] 0 of/,
    );
    assert.match(report.error?.message ?? '', /nothing was changed/);
    assert.equal((await mustOnHost(host.address, 'systemctl is-active awslogsd')).trim(), 'active');
    assert.equal((await mustOnHost(host.address, 'systemctl is-enabled awslogsd')).trim(), 'enabled');
    assert.notEqual((await onHost(host.address, 'systemctl is-active amazon-cloudwatch-agent')).code, 0);
    assert.equal(
      (
        await mustOnHost(host.address, 'ls /var/lib/awslogs-provision/ | grep -c -e restart- -e cutover- || true')
      ).trim(),
      '0',
      'awslogs was never stopped',
    );
  });

  test('the watchdog puts awslogs back after its deadline', { timeout: 300_000 }, async () => {
    const run = newRunId();
    const awslogs = awslogsControl('amzn2');
    const is = async (what: 'active' | 'enabled') =>
      (await onHost(host.address, `systemctl is-${what} awslogsd`)).stdout.trim();
    assert.equal(await is('active'), 'active');
    const statePath = (
      await mustOnHost(host.address, "sed -n 's/^state_file *= *//p' /etc/awslogs/awslogs.conf")
    ).trim();
    assert.match(statePath, /^\//);

    // Step 2 of the cut-over: awslogs stopped, its state read, the lock handed to the first watchdog.
    const first = await script(
      host,
      wholeScript(run, `take_lock\n${stopAndReadLines({ agent: awslogs, statePath, logs: [] })}\nsay ok`),
    );
    assert.ok(parseStopped(first.stdout, 0).handedOff, first.stdout + first.stderr);

    // Step 4: the CloudWatch agent's state seeded, awslogs disabled, the lock handed to the seeding's watchdog.
    const [inode, size] = (await mustOnHost(host.address, `stat -c '%i %s' ${APP}`)).trim().split(' ').map(Number);
    const seeded = stateFilePath(APP);
    const seed = parseApplyOutput(
      (
        await script(
          host,
          wholeScript(
            run,
            seedLines({
              runId: run,
              awslogs,
              awslogsEnable: awslogsEnable('amzn2'),
              stateFiles: [{ stateFile: seeded, path: APP, inode: inode!, content: `${size}\n${APP}\n0-${size}\n` }],
              links: [],
              handOffSeconds: DEADLINE_S,
            }),
          ),
        )
      ).stdout,
    );
    const handedAt = Date.now();
    assert.ok(seed.ok, JSON.stringify(seed));
    // The tool is gone now: neither agent runs, and the host lock is the watchdog's.
    assert.equal(await is('active'), 'inactive');
    assert.equal(await is('enabled'), 'disabled');
    assert.equal((await onHost(host.address, `test -f '${seeded}'`)).code, 0, 'the state file is seeded');
    const holder = (await mustOnHost(host.address, 'cat /var/lib/awslogs-provision/lock/pid')).trim();
    assert.match(
      await mustOnHost(host.address, `cat /proc/${holder}/cmdline | tr '\\0' ' '`),
      /awslogs-provision-watchdog/,
    );

    await waitFor('awslogs running again', async () => ((await is('active')) === 'active' ? true : undefined), 120_000);
    const after = (Date.now() - handedAt) / 1000;
    console.log(`# awslogs running again ${after.toFixed(1)} s after the hand-off`);
    assert.ok(after >= DEADLINE_S - 2, `not before the deadline (${after} s)`);
    assert.equal(await is('enabled'), 'enabled');
    assert.notEqual((await onHost(host.address, `test -e '${seeded}'`)).code, 0, 'the seeded state file removed');
    assert.equal((await onHost(host.address, 'test -e /var/lib/awslogs-provision/lock')).code, 1, 'the lock freed');
    assert.match(await mustOnHost(host.address, `cat ${WATCHDOG_LOG}`), new RegExp(`run ${run}: .*awslogs put back`));

    // The apply, had it come now, takes nothing back and writes nothing.
    const late = parseApplyOutput((await script(host, wholeScript(run, `${takeBackFromSeeding(run)}\nsay ok`))).stdout);
    assert.equal(late.failedStep, 'watchdog', JSON.stringify(late));
    assert.equal(await is('active'), 'active');
  });
});
