// AWS faults: a fault-injecting HTTP proxy between the tool and the lab's moto. Throttling (400
// Throttling) and dropped connections are retried with backoff (the SDK's standard retry mode: the proxy
// counts the attempts); a lasting 5xx ends in a clear error after the bounded attempts, no stack trace;
// a re-run completes what the failed run began.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { LAB_INVENTORY, LAB_STATE_DIR, labDown, labSkipReason, labUp } from '../support/lab.js';
import { endpointUrl } from '../../src/lab/layout.js';

const skip = labSkipReason();
if (skip) console.log(`# AWS fault tests skipped: ${skip}`);

type Fault = 'throttle' | '500' | 'drop';
const THROTTLE =
  '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>';
const INTERNAL =
  '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>injected</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>';

/** Answers the next `plan` requests with faults, then forwards to moto. */
class FaultProxy {
  plan: Fault[] = [];
  readonly seen: (Fault | 'forwarded')[] = [];
  readonly server: Server;
  constructor(upstream: URL) {
    this.server = createServer((req, res) => {
      const fault = this.plan.shift();
      this.seen.push(fault ?? 'forwarded');
      if (fault === 'drop') return void req.socket.destroy();
      if (fault === 'throttle' || fault === '500') {
        res.writeHead(fault === 'throttle' ? 400 : 503, { 'content-type': 'text/xml' });
        return void res.end(fault === 'throttle' ? THROTTLE : INTERNAL);
      }
      const up = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
  }
}

describe('fault: AWS', { skip }, () => {
  let proxy: FaultProxy;
  const env: Record<string, string> = {};
  let inventory = '';

  before(async () => {
    await labUp(1, 'amzn2');
    proxy = new FaultProxy(new URL(endpointUrl()));
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    const port = (proxy.server.address() as { port: number }).port;
    const aws = join(LAB_STATE_DIR, 'aws');
    for (const line of readFileSync(join(aws, 'env'), 'utf8').split('\n')) {
      const m = /^export (\w+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
    }
    // The inventory names the endpoint (aws_endpoint_url): a copy of it names the proxy instead.
    inventory = join(mkdtempSync(join(tmpdir(), 'awslogs-provision-awsfault-')), 'inventory.yml');
    writeFileSync(
      inventory,
      readFileSync(LAB_INVENTORY, 'utf8').replace(
        /aws_endpoint_url: .*$/m,
        `aws_endpoint_url: http://127.0.0.1:${port}`,
      ),
    );
  });
  after(async () => {
    proxy.server.close();
    await labDown();
  });

  const secrets = () =>
    [...readFileSync(join(LAB_STATE_DIR, 'aws', 'credentials'), 'utf8').matchAll(/aws_secret_access_key = (\S+)/g)].map(
      (m) => m[1]!,
    );
  async function iamSetup() {
    const result = await runCli(['iam', 'setup', '--inventory', inventory, '--json'], { env, timeoutMs: 180_000 });
    for (const s of secrets())
      assert.ok(!result.stdout.includes(s) && !result.stderr.includes(s), 'a secret was printed');
    assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, result.stderr);
    return result;
  }

  test('a lasting 503: a clear error after the bounded attempts (5), exit 1; a re-run completes it', async () => {
    proxy.plan = Array(5).fill('500');
    proxy.seen.length = 0;
    const failed = await iamSetup();
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /ServiceUnavailable|injected|503/);
    assert.equal(proxy.seen.filter((s) => s === '500').length, 5);
    assert.equal(proxy.seen[5], undefined, 'it went on after the bounded attempts');
    const again = await iamSetup();
    assert.equal(again.code, 0, again.stderr);
  });

  test('throttling and dropped connections are retried with backoff and the run succeeds', async () => {
    proxy.plan = ['throttle', 'throttle', 'drop', 'throttle'];
    proxy.seen.length = 0;
    const t0 = Date.now();
    const result = await iamSetup();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(proxy.seen.slice(0, 5), ['throttle', 'throttle', 'drop', 'throttle', 'forwarded']);
    assert.ok(Date.now() - t0 > 100, 'no backoff between attempts');
  });
});
