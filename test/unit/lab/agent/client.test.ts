// The lab agent's CloudWatch Logs client against a local HTTP server: botocore's retries (5 attempts for a
// 5xx or a refused connection, none for a refusal of the caller) and gzip bodies over 1 KiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { CallError, sdkLogsApi } from '../../../../src/lab/agent/client.js';

interface Seen {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function server(answer: (n: number) => [number, string, Record<string, string>?]) {
  const seen: Seen[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const [status, body, headers] = answer(seen.length);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  return { url, seen, close: () => new Promise((r) => srv.close(r)) };
}

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const events = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: 1, message: `m${i} ${'x'.repeat(40)}` }));

test('gzip: a PutLogEvents body over 1 KiB goes Content-Encoding: gzip; a small one and gzip off go plain', async () => {
  const s = await server(() => [200, '{"nextSequenceToken":"t"}']);
  try {
    const api = sdkLogsApi({ region: 'us-east-1', endpoint: s.url, credentials });
    await api.putLogEvents('g', 's', events(40), null);
    await api.putLogEvents('g', 's', events(1), null);
    const plain = sdkLogsApi({ region: 'us-east-1', endpoint: s.url, credentials, gzip: false });
    await plain.putLogEvents('g', 's', events(40), null);
    const [big, small, off] = s.seen;
    assert.equal(big!.headers['content-encoding'], 'gzip');
    assert.equal(Number(big!.headers['content-length']), big!.body.length);
    const json = JSON.parse(gunzipSync(big!.body).toString('utf8')) as { logEvents: unknown[] };
    assert.equal(json.logEvents.length, 40);
    assert.match(String(big!.headers.authorization), /SignedHeaders=[^,]*content-encoding/);
    assert.equal(small!.headers['content-encoding'], undefined);
    assert.equal(off!.headers['content-encoding'], undefined);
    assert.ok(off!.body.length > 1024);
  } finally {
    await s.close();
  }
});

test('botocore retries: a 503 five times in all, then the error says so; an access refusal is not retried', async () => {
  const s = await server((n) =>
    n <= 5
      ? [503, '{"__type":"ServiceUnavailableException","message":"down"}']
      : [400, '{"__type":"AccessDeniedException","message":"no"}'],
  );
  const pauses: number[] = [];
  try {
    const api = sdkLogsApi({
      region: 'us-east-1',
      endpoint: s.url,
      credentials,
      sleep: async (ms) => void pauses.push(ms),
    });
    const e1 = await api.putLogEvents('g', 's', events(1), null).catch((e: unknown) => e);
    assert.ok(e1 instanceof CallError);
    assert.equal(s.seen.length, 5);
    assert.match(
      e1.text,
      /^An error occurred \(ServiceUnavailableException\) when calling the PutLogEvents operation \(reached max retries: 4\): down$/,
    );
    assert.equal(pauses.length, 4);
    pauses.forEach((ms, i) => assert.ok(ms >= 0 && ms <= 1000 * 2 ** i, `pause ${i}: ${ms}`));
    const e2 = await api.putLogEvents('g', 's', events(1), null).catch((e: unknown) => e);
    assert.equal(s.seen.length, 6, 'not retried');
    assert.equal(
      (e2 as CallError).text,
      'An error occurred (AccessDeniedException) when calling the PutLogEvents operation: no',
    );
  } finally {
    await s.close();
  }
});

test('a refused connection: 5 attempts, then EndpointConnectionError in botocore words', async () => {
  const s = await server(() => [200, '{}']);
  await s.close();
  const api = sdkLogsApi({ region: 'us-east-1', endpoint: s.url, credentials, sleep: async () => undefined });
  const e = (await api.putLogEvents('g', 's', events(1), null).catch((x: unknown) => x)) as CallError;
  assert.equal(e.code, 'EndpointConnectionError');
  assert.equal(e.text, `Could not connect to the endpoint URL: "${s.url}/"`);
  assert.equal(e.pythonClass, 'botocore.exceptions.EndpointConnectionError');
});
