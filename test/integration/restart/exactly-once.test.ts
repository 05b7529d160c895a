// Exactly once across every restart the tool causes, on the lab (an Amazon Linux 2 and an Amazon Linux 1
// host, the lab agent behaving as awscli-cwlogs 1.4.0 does: a restart replays each stream's last batch and
// today's CloudWatch Logs accepts it). Numbered lines are written to each host's log before, between and
// after: apply with a changed config, rollback, doctor --fix, doctor --reset-state, iam setup --rotate-key;
// then every line is counted in CloudWatch Logs (moto): each exactly once. Then the same with the endpoint
// refusing the agents' sends just before each restart (a fault proxy between the agents and moto answers
// PutLogEvents with AccessDenied: each publisher dies, the restart happens while it is dead), the endpoint
// recovering after the restart: each line once. Also: a plain restart by hand (no tool) sends the last batch
// again, as the real agent does; and a Python 3 agent with a pattern beyond Latin-1, refused by preflight,
// fails its stream as the real agent does, which doctor names with the fix.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../support/cli.js';
import {
  agentPid,
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  type LabHost,
} from '../../support/lab.js';
import type { CloudWatchLogs } from '../../../src/clouds/aws/logs.js';
import { bridgeAddress, endpointUrl } from '../../../src/lab/layout.js';
import { FaultProxy } from '../../faults/aws-proxy.js';
import { cli, hostOf, LAB_AWS_ENV, labLogs, logSection, sleep, stamp, waitFor } from '../doctor/support.js';

const skip = labSkipReason();
if (skip) console.log(`# exactly-once tests skipped: ${skip}`);

const GROUP = '/lab/once';
const FILE = '/var/log/once/app.log';
const AGENT_LOG = '/var/log/awslogs.log';
const RUN = randomBytes(3).toString('hex');
/** The agent's 60 s before a dead publisher's stream comes back, shortened on these hosts (lab.env). */
const RESTART_DELAY_S = 5;

describe('every line exactly once across the restarts the tool causes', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';
  let logs: CloudWatchLogs;
  let destroy = (): void => undefined;
  const proxy = new FaultProxy(new URL(endpointUrl()));
  const written = new Map<string, string[]>();
  let n = 0;
  const stream = (h: LabHost) => `${h.name}-app`;
  const inventoryWith = (extra: Record<string, unknown>) =>
    labInventoryCopy((doc) => {
      doc.all.vars.awslogs_logs = [logSection('app', FILE, GROUP, extra)];
    });

  /** Three numbered lines to each host's log. */
  const write = async (tag: string): Promise<void> => {
    await Promise.all(
      hosts.map(async (h) => {
        const lines = [0, 1, 2].map(() => `${stamp()} once ${RUN} ${tag} ${++n}`);
        written.get(h.name)!.push(...lines);
        await mustOnHost(h.address, `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} >> ${FILE}`);
      }),
    );
  };
  const messages = async (h: LabHost) => (await logs.lastEvents(GROUP, stream(h), 10_000)).map((e) => e.message);
  /** Every line written so far has arrived; then one more batch period, so that a duplicate would be there. */
  const allArrived = async (): Promise<void> => {
    await waitFor(
      'every line in CloudWatch Logs',
      async () => {
        for (const h of hosts) {
          const got = new Set(await messages(h));
          if (written.get(h.name)!.some((l) => !got.has(l))) return undefined;
        }
        return true;
      },
      120_000,
    );
    await sleep(7000);
  };
  const assertEachOnce = async (): Promise<void> => {
    for (const h of hosts) {
      const got = await messages(h);
      const counts = new Map<string, number>();
      for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1);
      const wrong = written
        .get(h.name)!
        .filter((l) => counts.get(l) !== 1)
        .map((l) => `${l} ×${counts.get(l) ?? 0}`);
      assert.deepEqual(wrong, [], `${h.name}: every line exactly once`);
    }
  };
  const deaths = (h: LabHost) =>
    mustOnHost(h.address, `grep -c 'Exception caught in <EventBatchPublisher' ${AGENT_LOG} || true`).then(Number);
  const ok = async (r: Promise<{ code: number; out: string }>) => {
    const done = await r;
    assert.equal(done.code, 0, done.out);
    return done;
  };
  const iamRotate = () =>
    runCli(['iam', 'setup', '--inventory', inventory, '--rotate-key'], { env: LAB_AWS_ENV, timeoutMs: 240_000 }).then(
      (r) => ({ code: r.code, out: r.stdout + r.stderr }),
    );

  /** The five operations; `during` runs while each one is under way (from its start to its end). */
  const operations = (during: () => Promise<void>) =>
    [
      {
        name: 'apply with a changed config',
        run: (i: number) => cli('--inventory', (inventory = inventoryWith({ buffer_duration: 6000 + i * 1000 }))),
      },
      { name: 'rollback', run: () => cli('rollback', '--inventory', inventory) },
      { name: 'doctor --fix', run: () => cli('doctor', '--fix', '--yes', '--inventory', inventory) },
      { name: 'doctor --reset-state', run: () => cli('doctor', '--reset-state', '--yes', '--inventory', inventory) },
      { name: 'iam setup --rotate-key', run: () => iamRotate() },
    ].map((op) => ({ ...op, during }));

  before(async () => {
    hosts = await labUp(2, 'mixed');
    for (const h of hosts) written.set(h.name, []);
    const url = await proxy.listen(bridgeAddress());
    // The agents reach CloudWatch Logs through the fault proxy (forwarding until told otherwise); the tool, directly.
    for (const h of hosts)
      await mustOnHost(
        h.address,
        `mkdir -p /var/log/once && touch ${FILE} && echo '${url}' > /var/lib/awslogs-lab/endpoint_url && echo LAB_AGENT_RESTART_DELAY_S=${RESTART_DELAY_S} >> /var/lib/awslogs-lab/lab.env`,
      );
    inventory = inventoryWith({});
    const iam = await runCli(['iam', 'setup', '--inventory', inventory], { env: LAB_AWS_ENV, timeoutMs: 120_000 });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
    await ok(cli('--inventory', inventory, '--no-verify'));
    ({ logs, destroy } = labLogs());
  });
  after(async () => {
    destroy();
    proxy.close();
    await labDown();
  });

  test('apply, rollback, doctor --fix, doctor --reset-state, iam setup --rotate-key: every line once', async () => {
    let i = 0;
    for (const op of operations(async () => undefined)) {
      await write(`before ${op.name}`);
      const r = await op.run(i++);
      assert.equal(r.code, 0, `${op.name}: ${'out' in r ? r.out : ''}`);
    }
    await write('after');
    await allArrived();
    await assertEachOnce();
  });

  test('the same with the endpoint refusing every send just before each restart: once each after it recovers', async () => {
    let i = 10;
    for (const op of operations(async () => undefined)) {
      const before = await Promise.all(hosts.map(deaths));
      proxy.reset([{ action: 'PutLogEvents', fault: 'deny', times: Infinity }]);
      await write(`refused before ${op.name}`);
      // Each agent tried to send them and its publisher died (the row written before the send covers them).
      await waitFor(`the publishers to die before ${op.name}`, async () => {
        const now = await Promise.all(hosts.map(deaths));
        return now.every((d, k) => d > before[k]!) ? true : undefined;
      });
      if (op.name === 'doctor --fix') {
        const diagnosed = await cli('doctor', '--inventory', inventory);
        for (const h of hosts) {
          const dead = hostOf(diagnosed.json, h).faults?.find((f) => f.fault === 'dead-publisher');
          assert.equal(dead?.severity, 'error', JSON.stringify(hostOf(diagnosed.json, h).faults));
          assert.match(dead!.evidence.join('\n'), /AccessDenied[\s\S]*silent since/);
          assert.match(dead!.remedy, /doctor --fix --fault dead-publisher --yes restarts the agent now/);
        }
      }
      const pids = await Promise.all(hosts.map(agentPid));
      const running = op.run(i++);
      // The endpoint recovers once the tool has restarted every agent (the verify that follows needs it).
      await waitFor(
        `${op.name} to restart the agents`,
        async () => {
          const now = await Promise.all(hosts.map(agentPid));
          return now.every((p, k) => p !== pids[k] && p !== '' && p !== '0') ? true : undefined;
        },
        120_000,
      );
      proxy.reset();
      const r = await running;
      assert.equal(r.code, 0, `${op.name}: ${'out' in r ? r.out : ''}`);
    }
    await write('after recovery');
    await allArrived();
    await assertEachOnce();
    // The doctor now reports the refusals as history: a batch was accepted after them.
    const doctor = await cli('doctor', '--inventory', inventory);
    for (const h of hosts) {
      const faults = hostOf(doctor.json, h).faults ?? [];
      assert.ok(!faults.some((f) => f.severity === 'error'), JSON.stringify(faults));
      const denied = faults.find((f) => f.fault === 'credentials-denied');
      assert.match(denied?.evidence[0] ?? '', /history: a batch was accepted after it/);
    }
  });

  test('a plain restart by hand (no tool): the last batch arrives twice, as with the real agent', async () => {
    proxy.reset();
    const [h] = hosts;
    const line = `${stamp()} once ${RUN} by hand`;
    await mustOnHost(h!.address, `printf '%s\\n' '${line}' >> ${FILE}`);
    await waitFor('the line', async () => ((await logs.countEvents(GROUP, stream(h!), line)) === 1 ? true : undefined));
    await mustOnHost(h!.address, h!.os === 'amzn2' ? 'systemctl restart awslogsd' : 'service awslogs restart');
    await waitFor('its replay', async () =>
      (await logs.countEvents(GROUP, stream(h!), line)) === 2 ? true : undefined,
    );
  });

  test('an agent on Python 3: a pattern beyond Latin-1 is refused by preflight; applied anyway, its stream fails and doctor names the fix', async () => {
    const h = hosts.find((x) => x.os === 'amzn2')!;
    // This host's awslogs package goes in again for Python 3 (as a pip install of awscli-cwlogs would be).
    await mustOnHost(
      h.address,
      `sed -i 's/^LAB_AGENT_PYTHON=.*/LAB_AGENT_PYTHON=3.7/' /var/lib/awslogs-lab/lab.env && yum -y -q remove awslogs && yum -y -q install awslogs && ls -d /usr/lib/python3.7/site-packages/cwlogs`,
    );
    const korean = inventoryWith({ multi_line_start_pattern: '^오류' });
    const refused = await cli('--inventory', korean, '--limit', h.name, '--no-verify');
    assert.equal(refused.code, 1);
    const check = hostOf(refused.json, h).preflight?.find((c) => c.check === 'pattern');
    assert.equal(check?.level, 'error');
    assert.match(
      check!.message,
      /runs on Python 3: "오류" is outside Latin-1.*written as "\^\\\\xec\\\\x98\\\\xa4\\\\xeb\\\\xa5\\\\x98"/,
    );
    const forced = await cli('--inventory', korean, '--limit', h.name, '--no-verify', '--skip-preflight');
    assert.equal(forced.code, 0, forced.out);
    await waitFor('the refresh to fail', async () =>
      (await mustOnHost(h.address, `grep -c 'Failed to refresh stream' ${AGENT_LOG} || true`)).trim() !== '0'
        ? true
        : undefined,
    );
    const doctor = await cli('doctor', '--inventory', korean, '--limit', h.name);
    const fault = hostOf(doctor.json, h).faults?.find((f) => f.fault === 'refresh-failed');
    assert.equal(fault?.severity, 'error', JSON.stringify(hostOf(doctor.json, h).faults));
    assert.match(fault!.evidence[0]!, /UnicodeEncodeError\('latin-1', '\^오류', 1, 3, 'ordinal not in range\(256\)'\)/);
    assert.match(fault!.remedy, /write it as "\^\\\\xec\\\\x98\\\\xa4\\\\xeb\\\\xa5\\\\x98"/);
  });
});
