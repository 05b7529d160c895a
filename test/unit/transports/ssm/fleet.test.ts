// The SSM fleet and host transport against a stand-in for the SSM API that runs each command with /bin/sh (one
// spool folder per instance, as each host has its own disk): identical scripts of many hosts go as one
// SendCommand of at most 50 instances, --forks and the failure budget become MaxConcurrency and MaxErrors,
// InvocationDoesNotExist right after a send is asked again, and SSM's final states become the tool's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvocationNotYet,
  type InvocationResult,
  type InvocationSummary,
  type ManagedInstance,
  type SendRequest,
  type SsmApi,
} from '../../../../src/transports/ssm/api.js';
import { SPOOL_ROOT } from '../../../../src/transports/ssm/envelope.js';
import { SsmCommandFailed, SsmOutputProblem, SsmUnreachable } from '../../../../src/transports/ssm/errors.js';
import { SsmFleet } from '../../../../src/transports/ssm/fleet.js';
import { RemoteCommandFailed } from '../../../../src/transports/errors.js';

const root = mkdtempSync(join(tmpdir(), 'ssm-fleet-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

type Fate = 'run' | 'delivery-timeout' | 'undeliverable' | 'execution-timeout' | 'terminated' | 'cut';

/** SSM as far as the fleet sees it; every instance "runs" the command with sh in a spool of its own. */
class FakeSsm implements SsmApi {
  sent: SendRequest[] = [];
  gets = 0;
  notYet = 0;
  fates = new Map<string, Fate>();
  online = new Map<string, ManagedInstance['pingStatus']>();
  private results = new Map<string, Map<string, InvocationResult>>();
  private asked = new Set<string>();

  async sendCommand(r: SendRequest): Promise<string> {
    this.sent.push(r);
    const id = `cmd-${this.sent.length}`;
    const results = new Map<string, InvocationResult>();
    for (const instanceId of r.instanceIds) results.set(instanceId, this.run(instanceId, r.commands.join('\n')));
    this.results.set(id, results);
    return id;
  }

  private run(instanceId: string, text: string): InvocationResult {
    const base = { instanceId, stdout: '', stderr: '', responseCode: -1 };
    switch (this.fates.get(instanceId) ?? 'run') {
      case 'delivery-timeout':
        return { ...base, status: 'TimedOut', statusDetails: 'Delivery Timed Out' };
      case 'undeliverable':
        return { ...base, status: 'Failed', statusDetails: 'Undeliverable' };
      case 'execution-timeout':
        return { ...base, status: 'TimedOut', statusDetails: 'Execution Timed Out', responseCode: 137 };
      case 'terminated':
        return { ...base, status: 'Cancelled', statusDetails: 'Terminated' };
      default: {
        const r = spawnSync('sh', ['-c', text.replaceAll(SPOOL_ROOT, join(root, instanceId))], { encoding: 'utf8' });
        const stdout = this.fates.get(instanceId) === 'cut' ? r.stdout.slice(0, -15) : r.stdout.slice(0, 24_000);
        const ok = r.status === 0;
        return {
          ...base,
          status: ok ? 'Success' : 'Failed',
          statusDetails: ok ? 'Success' : 'Failed',
          responseCode: r.status ?? -1,
          stdout,
          stderr: r.stderr.slice(0, 8000),
        };
      }
    }
  }

  async listInvocations(commandId: string): Promise<InvocationSummary[]> {
    // Eventually consistent: the first look after a send finds nothing.
    if (!this.asked.has(`list ${commandId}`)) {
      this.asked.add(`list ${commandId}`);
      return [];
    }
    return [...(this.results.get(commandId)?.values() ?? [])].map(({ instanceId, status, statusDetails }) => ({
      instanceId,
      status,
      statusDetails,
    }));
  }

  async getInvocation(commandId: string, instanceId: string): Promise<InvocationResult> {
    this.gets++;
    if (!this.asked.has(`get ${commandId} ${instanceId}`)) {
      this.asked.add(`get ${commandId} ${instanceId}`);
      this.notYet++;
      throw new InvocationNotYet(commandId, instanceId);
    }
    return this.results.get(commandId)!.get(instanceId)!;
  }

  async cancelCommand(): Promise<void> {}

  async describeInstances(ids: string[]): Promise<ManagedInstance[]> {
    return ids
      .filter((id) => this.online.get(id) !== undefined)
      .map((instanceId) => ({ instanceId, pingStatus: this.online.get(instanceId)! }));
  }

  destroy(): void {}
}

const ids = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `i-${(from + i).toString(16).padStart(17, '0')}`);

function fleetOf(api: FakeSsm, instanceIds: string[], budget?: () => number | undefined): SsmFleet {
  for (const id of instanceIds) if (!api.online.has(id)) api.online.set(id, 'Online');
  return new SsmFleet({
    api,
    instanceIds,
    maxConcurrency: 7,
    ...(budget ? { errorBudget: budget } : {}),
    deliveryTimeoutS: 10,
    commandTimeoutMs: 60_000,
    comment: 'test',
    poll: { firstMs: 5, factor: 1.5, maxMs: 20 },
  });
}

test('identical scripts of many hosts go as one SendCommand per 50 instances; each host gets its own answer', async () => {
  const api = new FakeSsm();
  const all = ids(120);
  const fleet = fleetOf(api, all);
  const hosts = await Promise.all(all.map((instanceId, i) => fleet.forHost({ name: `h${i}`, instanceId })));
  const results = await Promise.all(
    hosts.map((t) => t.runScript('cat /proc/sys/kernel/random/boot_id >/dev/null; echo "$0 probe"\n')),
  );
  assert.equal(api.sent.length, 3);
  assert.deepEqual(
    api.sent.map((s) => s.instanceIds.length),
    [50, 50, 20],
  );
  assert.ok(api.sent.every((s) => s.maxConcurrency === '7' && s.maxErrors === String(s.instanceIds.length)));
  assert.ok(
    api.sent.every((s) => s.deliveryTimeoutS === 30),
    'SSM takes no delivery timeout under 30 s',
  );
  assert.ok(api.sent.every((s) => s.executionTimeoutS === 60));
  for (const r of results) assert.match(r.stdout, /probe\n$/);
  assert.ok(api.notYet >= 120, 'InvocationDoesNotExist right after the send was asked again');
  await Promise.all(hosts.map((t) => t.close()));
  await fleet.close();
});

test('different scripts go apart; the failure budget is each command MaxErrors', async () => {
  const api = new FakeSsm();
  const all = ids(4);
  let left = 1;
  const fleet = fleetOf(api, all, () => left);
  const hosts = await Promise.all(all.map((instanceId, i) => fleet.forHost({ name: `h${i}`, instanceId })));
  const out = await Promise.all(hosts.map((t, i) => t.runScript(`echo ${i % 2}; exit ${i % 2}\n`)));
  assert.deepEqual(
    out.map((r) => [r.stdout, r.code]),
    [
      ['0\n', 0],
      ['1\n', 1],
      ['0\n', 0],
      ['1\n', 1],
    ],
  );
  assert.equal(api.sent.length, 2);
  assert.ok(api.sent.every((s) => s.maxErrors === '1'));
  left = -2;
  await hosts[0]!.runScript('true\n');
  assert.equal(api.sent.at(-1)!.maxErrors, '0');
  await fleet.close();
});

test("SSM's final states: unreachable, timed out, not run; an agent not online is unreachable at once", async () => {
  const api = new FakeSsm();
  const [a, b, c, d, e, f] = ids(6);
  api.fates.set(a!, 'delivery-timeout');
  api.fates.set(b!, 'undeliverable');
  api.fates.set(c!, 'execution-timeout');
  api.fates.set(d!, 'terminated');
  api.online.set(e!, 'ConnectionLost');
  const fleet = fleetOf(api, [a!, b!, c!, d!, e!, f!]);
  const open = (id: string, name: string) => fleet.forHost({ name, instanceId: id });
  const [ta, tb, tc, td] = await Promise.all([open(a!, 'a'), open(b!, 'b'), open(c!, 'c'), open(d!, 'd')]);
  await assert.rejects(open(e!, 'e'), (err: unknown) => {
    assert.ok(err instanceof SsmUnreachable);
    assert.equal(err.reason, 'not-online');
    assert.match(err.message, /PingStatus ConnectionLost/);
    return true;
  });
  await assert.rejects(open('i-00000000000000abc', 'nobody'), (err: unknown) => {
    assert.ok(err instanceof SsmUnreachable);
    assert.equal(err.reason, 'not-registered');
    return true;
  });
  const settled = await Promise.allSettled([ta, tb, tc, td].map((t) => t!.runScript('echo hi\n')));
  const errors = settled.map((s) => (s.status === 'rejected' ? (s.reason as Error) : undefined));
  assert.ok(errors[0] instanceof SsmUnreachable && errors[0].reason === 'delivery-timed-out');
  assert.ok(errors[1] instanceof SsmUnreachable && errors[1].reason === 'undeliverable');
  assert.ok(errors[2] instanceof SsmCommandFailed);
  assert.match(errors[2].message, /ran past its execution timeout \(60 s\).*Execution Timed Out/);
  assert.ok(errors[3] instanceof SsmCommandFailed);
  assert.match(errors[3].message, /^d .*not run: SSM terminated this invocation/);
  await fleet.close();
});

test('an answer cut short fails the host with the reason; get() brings bytes back, or says No such file', async () => {
  const api = new FakeSsm();
  const [a, b] = ids(2);
  api.fates.set(a!, 'cut');
  const fleet = fleetOf(api, [a!, b!]);
  const ta = await fleet.forHost({ name: 'a', instanceId: a! });
  const tb = await fleet.forHost({ name: 'b', instanceId: b! });
  await assert.rejects(ta.runScript('echo hi\n'), (err: unknown) => {
    assert.ok(err instanceof SsmOutputProblem);
    assert.match(err.message, /came back cut.*nothing of it was used/);
    return true;
  });
  assert.ok((await tb.get('/proc/self/cmdline')).length > 0);
  await assert.rejects(tb.get('/nonexistent/file'), (err: unknown) => {
    assert.ok(err instanceof RemoteCommandFailed);
    assert.match(err.message, /No such file/);
    return true;
  });
  await assert.rejects(tb.run('sh -s', { stdin: 'echo hi' }), /no standard input/);
  await assert.rejects(tb.put('/tmp/x', 'secret'), /does not copy files/);
  await fleet.close();
});

test('one host sending the same script twice at once is never listed twice in one command', async () => {
  const api = new FakeSsm();
  const [a] = ids(1);
  const fleet = fleetOf(api, [a!]);
  const t = await fleet.forHost({ name: 'a', instanceId: a! });
  const [x, y] = await Promise.all([t.runScript('echo same\n'), t.runScript('echo same\n')]);
  assert.equal(x.stdout, 'same\n');
  assert.equal(y.stdout, 'same\n');
  assert.ok(api.sent.every((s) => new Set(s.instanceIds).size === s.instanceIds.length));
  await fleet.close();
});
