// The lab's AWS front on 127.0.0.1, called by the tool's own SSM adapter (the AWS SDK, SigV4 and all): Run
// Command answered here with its signature checked, an agent polling from its instance's address runs what it
// is handed, and every other request reaches "moto" (a stand-in server here) as it came, Host header included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFront } from '../../../../src/lab/ssm/front.js';
import { ssmApi } from '../../../../src/clouds/aws/ssm.js';
import { SsmFleet } from '../../../../src/transports/ssm/fleet.js';
import { SPOOL_ROOT } from '../../../../src/transports/ssm/envelope.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const spool = mkdtempSync(join(tmpdir(), 'ssm-front-'));
process.on('exit', () => rmSync(spool, { recursive: true, force: true }));
const KEY = { accessKeyId: 'AKIALABOPERATOR00001', secretAccessKey: 'operator-secret-of-the-lab-0123456789' };
const INSTANCE = 'i-0123456789abcdef0';
let moto: Server;
let front: ReturnType<typeof createFront>;
let url = '';
let motoSaw: { host?: string; target?: string } = {};
let agentRunning = true;

const port = (s: Server) => (s.address() as AddressInfo).port;

/** A stand-in agent polling from 127.0.0.1 (its instance's address): runs each command with sh. */
async function agent(): Promise<void> {
  while (agentRunning) {
    const res = await fetch(`${url}/lab-ssm-agent/poll`, {
      method: 'POST',
      body: JSON.stringify({ instanceId: INSTANCE, platformName: 'Amazon Linux', platformVersion: '2' }),
    }).catch(() => undefined);
    if (!res) break;
    const { messages } = (await res.json()) as { messages: { type: string; commandId: string; script: string }[] };
    for (const m of messages) {
      // Its spool goes to a temp folder: the test writes nothing in /var/lib.
      const r = spawnSync('sh', ['-c', m.script.replaceAll(SPOOL_ROOT, spool)], { encoding: 'utf8' });
      await fetch(`${url}/lab-ssm-agent/reply`, {
        method: 'POST',
        body: JSON.stringify({
          instanceId: INSTANCE,
          commandId: m.commandId,
          outcome: r.status === 0 ? 'success' : 'failed',
          code: r.status,
          stdout: r.stdout,
          stderr: r.stderr,
        }),
      });
    }
  }
}

before(async () => {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  moto = createServer((req, res) => {
    motoSaw = { host: req.headers.host, target: String(req.headers['x-amz-target'] ?? '') };
    res.end('moto answered');
  });
  await new Promise<void>((r) => moto.listen(0, '127.0.0.1', r));
  front = createFront({
    motoUrl: `http://127.0.0.1:${port(moto)}`,
    instances: () => [{ instanceId: INSTANCE, address: '127.0.0.1' }],
    secretOf: (id) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined),
    holdMs: 300,
    consistencyDelayMs: 200,
  });
  await new Promise<void>((r) => front.server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${port(front.server)}`;
  void agent();
});

after(() => {
  agentRunning = false;
  front.close();
  moto.close();
});

test('the tool over the front: the agent registers, a script runs, its output comes back whole', async () => {
  const api = ssmApi({ region: 'ap-northeast-2', endpointUrl: url, credentials: KEY });
  for (let i = 0; i < 50 && (await api.describeInstances([INSTANCE])).length === 0; i++)
    await new Promise((r) => setTimeout(r, 50));
  const [managed] = await api.describeInstances([INSTANCE]);
  assert.equal(managed?.pingStatus, 'Online');
  const fleet = new SsmFleet({
    api,
    instanceIds: [INSTANCE],
    maxConcurrency: 10,
    deliveryTimeoutS: 30,
    commandTimeoutMs: 30_000,
    comment: 'front test',
    poll: { firstMs: 100, factor: 1.5, maxMs: 500 },
  });
  const host = await fleet.forHost({ name: 'lab01', instanceId: INSTANCE });
  const script = 'echo "from the agent"; echo oops >&2; exit 4\n';
  const r = await host.runScript(script);
  assert.deepEqual(r, { stdout: 'from the agent\n', stderr: 'oops\n', code: 4 });
  await host.close();
  await fleet.close();
});

test('a signature made with another secret, or an unknown key, is refused in AWS words', async () => {
  const wrong = ssmApi({
    region: 'ap-northeast-2',
    endpointUrl: url,
    credentials: { ...KEY, secretAccessKey: 'not-the-secret' },
    maxAttempts: 1,
  });
  await assert.rejects(wrong.describeInstances([INSTANCE]), /InvalidSignatureException/);
  const unknown = ssmApi({
    region: 'ap-northeast-2',
    endpointUrl: url,
    credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  await assert.rejects(unknown.describeInstances([INSTANCE]), /UnrecognizedClientException/);
});

test('an agent polling for an instance that is not its address is refused', async () => {
  const res = await fetch(`${url}/lab-ssm-agent/poll`, {
    method: 'POST',
    body: JSON.stringify({ instanceId: 'i-0fffffffffffffff0' }),
  });
  assert.equal(res.status, 403);
});

test('everything else goes to moto as it came', async () => {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups' },
  });
  assert.equal(await res.text(), 'moto answered');
  assert.equal(motoSaw.host, new URL(url).host, 'the Host header the client signed');
  assert.equal(motoSaw.target, 'Logs_20140328.DescribeLogGroups');
});
