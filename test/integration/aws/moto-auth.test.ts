// moto as the lab's AWS endpoint: exactly BOOTSTRAP_ACTIONS free actions, then every call is authenticated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { awsClients } from '../../../src/clouds/aws/clients.js';
import { readProfileKeys } from '../../../src/clouds/aws/shared-files.js';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { sdkLogsApi } from '../../../src/lab/agent/client.js';
import { isMotoInstalled, pidFile, startMoto, stopMoto } from '../../../src/lab/moto.js';
import {
  BOOTSTRAP_ACTIONS,
  LabAuthProblem,
  assertAuthEnforced,
  bootstrapOperator,
  OPERATOR_USER,
} from '../../../src/lab/operator.js';
import { REGION, freePort, startMotoLab, type MotoLab } from './moto-lab.js';

const skip = isMotoInstalled() ? false : 'moto is not installed';
let lab: MotoLab;

before(async () => {
  if (!skip) lab = await startMotoLab();
});
after(async () => {
  await lab?.stop();
});

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

test('the lab profile is an operator machine profile: 0600 files, region and endpoint_url', { skip }, async () => {
  const credentials = await readFile(lab.operator.credentialsFile, 'utf8');
  const config = await readFile(lab.operator.configFile, 'utf8');
  assert.match(credentials, /^\[lab\]$/m);
  assert.match(credentials, new RegExp(`^aws_access_key_id = ${lab.operator.accessKeyId}$`, 'm'));
  assert.match(config, /^\[profile lab\]$/m);
  assert.match(config, new RegExp(`^endpoint_url = ${lab.moto.url}$`, 'm'));
  assert.match(config, new RegExp(`^region = ${REGION}$`, 'm'));
  for (const f of [lab.operator.credentialsFile, lab.operator.configFile]) {
    assert.equal((await stat(f)).mode & 0o777, 0o600, f);
  }
});

test('with the lab profile alone (endpoint from the profile), calls work', { skip }, async () => {
  const sts = new STSClient({ profile: 'lab' });
  const iam = new IAMClient({ profile: 'lab' });
  try {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:iam::123456789012:user/${OPERATOR_USER}`);
    const users = await iam.send(new ListUsersCommand({}));
    assert.ok(users.Users?.some((u) => u.UserName === OPERATOR_USER));
  } finally {
    sts.destroy();
    iam.destroy();
  }
});

test(
  "without aws_endpoint_url or endpoint_url in the profile, the SDK's own AWS_ENDPOINT_URL is used",
  { skip },
  async () => {
    const saved = { config: process.env.AWS_CONFIG_FILE, endpoint: process.env.AWS_ENDPOINT_URL };
    const config = join(lab.stateDir, 'aws', 'config-without-endpoint');
    await writeFile(config, `[profile lab]\nregion = ${REGION}\n`, { mode: 0o600 });
    process.env.AWS_CONFIG_FILE = config;
    process.env.AWS_ENDPOINT_URL = lab.moto.url;
    const clients = awsClients({ region: REGION });
    try {
      const me = await clients.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, lab.operator.userArn);
    } finally {
      clients.destroy();
      process.env.AWS_CONFIG_FILE = saved.config;
      if (saved.endpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved.endpoint;
    }
  },
);

test('after the bootstrap, unknown keys are refused (403)', { skip }, async () => {
  const iam = new IAMClient({
    region: REGION,
    endpoint: lab.moto.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' },
  });
  try {
    await assert.rejects(iam.send(new ListUsersCommand({})), (err) => {
      assert.equal(httpStatus(err), 403);
      assert.equal((err as Error).name, 'InvalidClientTokenId');
      return true;
    });
  } finally {
    iam.destroy();
  }
});

test("after the bootstrap, the operator's key id with a wrong secret fails the signature check", { skip }, async () => {
  const iam = new IAMClient({
    region: REGION,
    endpoint: lab.moto.url,
    maxAttempts: 1,
    credentials: { accessKeyId: lab.operator.accessKeyId, secretAccessKey: 'not-the-secret' },
  });
  try {
    await assert.rejects(iam.send(new ListUsersCommand({})), (err) => {
      assert.equal(httpStatus(err), 403);
      assert.equal((err as Error).name, 'SignatureDoesNotMatch');
      return true;
    });
  } finally {
    iam.destroy();
  }
});

test('after the bootstrap, an unsigned request is not served', { skip }, async () => {
  const res = await fetch(lab.moto.url + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=ListUsers&Version=2010-05-08',
  });
  const body = await res.text();
  // moto 5.2.1 answers 500 here (it reads a missing Authorization header), not AWS's 403: refused either way.
  assert.ok(res.status >= 400, `status ${res.status}`);
  assert.doesNotMatch(body, new RegExp(OPERATOR_USER));
});

test('bootstrapping again reuses the stored profile and spends nothing', { skip }, async () => {
  const again = await bootstrapOperator({ url: lab.moto.url, stateDir: lab.stateDir, region: REGION });
  assert.equal(again.accessKeyId, lab.operator.accessKeyId);
});

test(
  `moto serves exactly INITIAL_NO_AUTH_ACTION_COUNT actions free: with ${BOOTSTRAP_ACTIONS - 1}, the bootstrap's last call is refused`,
  { skip },
  async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'awslogs-moto-short-'));
    try {
      // Readiness polls of /moto-api/ happen before the bootstrap; had they counted, CreateUser would fail too.
      const moto = await startMoto({
        host: '127.0.0.1',
        port: await freePort(),
        stateDir,
        freeActions: BOOTSTRAP_ACTIONS - 1,
      });
      await assert.rejects(bootstrapOperator({ url: moto.url, stateDir, region: REGION }), (err) => {
        assert.ok(err instanceof LabAuthProblem);
        assert.match(err.message, /CreateAccessKey|InvalidClientTokenId|AccessDenied/);
        return true;
      });
      const log = await readFile(join(stateDir, 'moto.log'), 'utf8');
      const statuses = [...log.matchAll(/"POST \/ HTTP\/1\.1" (\d+)/g)].map((m) => m[1]);
      assert.deepEqual(statuses, ['200', '200', '403']);
    } finally {
      assert.equal(await stopMoto(stateDir), true);
      await rm(stateDir, { recursive: true, force: true });
    }
  },
);

test('a restarted moto (state lost) with the old profile on disk is bootstrapped anew', { skip }, async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'awslogs-moto-restart-'));
  try {
    const first = await startMoto({
      host: '127.0.0.1',
      port: await freePort(),
      stateDir,
      freeActions: BOOTSTRAP_ACTIONS,
    });
    const before = await bootstrapOperator({ url: first.url, stateDir, region: REGION });
    await stopMoto(stateDir);
    const second = await startMoto({
      host: '127.0.0.1',
      port: await freePort(),
      stateDir,
      freeActions: BOOTSTRAP_ACTIONS,
    });
    const after = await bootstrapOperator({ url: second.url, stateDir, region: REGION });
    assert.notEqual(after.accessKeyId, before.accessKeyId);
    assert.match(await readFile(after.configFile, 'utf8'), new RegExp(`endpoint_url = ${second.url}`));
    await assertAuthEnforced({ url: second.url, region: REGION });
  } finally {
    await stopMoto(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('stopMoto ends the server by its pid and forgets the pid file', { skip }, async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'awslogs-moto-stop-'));
  try {
    const moto = await startMoto({ host: '127.0.0.1', port: await freePort(), stateDir, freeActions: 0 });
    assert.equal((await readFile(pidFile(stateDir), 'utf8')).trim(), String(moto.pid));
    assert.equal(await stopMoto(stateDir), true);
    assert.throws(() => process.kill(moto.pid, 0));
    await assert.rejects(fetch(moto.url + '/moto-api/config'));
    assert.equal(await stopMoto(stateDir), false);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});

test(
  'gzip bodies (the agent default): a signed, gzipped PutLogEvents over 1 KiB is accepted, its events kept',
  { skip },
  async () => {
    // The lab agent's own client, with the operator's key: the body is gzipped before it is signed, as botocore's
    // before-sign hook does for the agent. moto 5.2 alone answers such a request with HTTP 500.
    const keys = await readProfileKeys(lab.operator.credentialsFile, lab.operator.profile);
    assert.ok(keys);
    const api = sdkLogsApi({ region: REGION, endpoint: lab.moto.url, credentials: keys, gzip: true });
    const logs = awsClients({ region: REGION, endpointUrl: lab.moto.url }).logs;
    await api.createLogGroup('/lab/gzip');
    await api.createLogStream('/lab/gzip', 's');
    const big = Array.from({ length: 40 }, (_, i) => ({
      timestamp: Date.now(),
      message: `line ${i} ${'x'.repeat(60)}`,
    }));
    await api.putLogEvents('/lab/gzip', 's', big, null);
    await api.putLogEvents('/lab/gzip', 's', [{ timestamp: Date.now(), message: 'small' }], null);
    const out = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/lab/gzip', logStreamName: 's', startFromHead: true }),
    );
    assert.deepEqual(
      (out.events ?? []).map((e) => e.message),
      [...big.map((e) => e.message), 'small'],
    );
    // A wrong secret is still refused when the body is gzipped: the signature is checked over the bytes as sent.
    const wrong = sdkLogsApi({
      region: REGION,
      endpoint: lab.moto.url,
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: 'not-the-secret' },
      gzip: true,
      maxAttempts: 1,
    });
    await assert.rejects(
      wrong.putLogEvents('/lab/gzip', 's', big, null),
      /An error occurred \((SignatureDoesNotMatch|InvalidSignatureException)\) when calling the PutLogEvents operation/,
    );
  },
);
