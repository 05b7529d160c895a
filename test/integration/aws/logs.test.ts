// The CloudWatch Logs read side against a real moto: probe states, last events, counts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { isMotoInstalled } from '../../../src/lab/moto.js';
import { awsClients, type AwsClients } from '../../../src/clouds/aws/clients.js';
import { CloudWatchLogs } from '../../../src/clouds/aws/logs.js';
import { REGION, startMotoLab, type MotoLab } from './moto-lab.js';

const skip = isMotoInstalled() ? false : 'moto is not installed';
const GROUP = '/var/log/messages';
const STREAM = 'i-0123456789abcdef0';
let lab: MotoLab;
let clients: AwsClients;
let logs: CloudWatchLogs;
let raw: CloudWatchLogsClient;
const t0 = Date.now() - 60_000;

before(async () => {
  if (skip) return;
  lab = await startMotoLab();
  // As the tool builds them: the endpoint and keys come from the profile (AWS_PROFILE=lab).
  clients = awsClients({ region: REGION });
  logs = new CloudWatchLogs(clients.logs);
  raw = clients.logs;
});
after(async () => {
  clients?.destroy();
  await lab?.stop();
});

async function put(messages: string[], start: number) {
  await raw.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: STREAM,
      logEvents: messages.map((message, i) => ({ timestamp: start + i * 1000, message })),
    }),
  );
}

test('findProbe walks group-missing → stream-missing → not-yet → arrived', { skip }, async () => {
  const probe = { group: GROUP, stream: STREAM, text: 'awslogs-provision probe 42', sinceMs: t0 + 10_000 };
  assert.equal(await logs.findProbe(probe), 'group-missing');
  await raw.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  // A group whose name only starts like ours is not ours.
  assert.equal(await logs.findProbe({ ...probe, group: '/var/log/mess' }), 'group-missing');
  assert.equal(await logs.findProbe(probe), 'stream-missing');
  await raw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));
  assert.equal(await logs.findProbe(probe), 'not-yet');
  // The probe text, but before sinceMs: an old run's probe does not count.
  await put(['line one', 'awslogs-provision probe 42'], t0);
  assert.equal(await logs.findProbe(probe), 'not-yet');
  await put(['Nov 25 10:00:00 host awslogs-provision probe 42 "quoted"', 'line three', 'line four'], t0 + 20_000);
  assert.equal(await logs.findProbe(probe), 'arrived');
  assert.equal(await logs.findProbe({ ...probe, text: 'probe 42 "quoted"' }), 'arrived');
  assert.equal(await logs.findProbe({ ...probe, stream: 'i-other' }), 'stream-missing');
});

test('lastEvents gives the newest n, oldest first; lastEventTime the newest timestamp', { skip }, async () => {
  const last = await logs.lastEvents(GROUP, STREAM, 2);
  assert.deepEqual(
    last.map((e) => e.message),
    ['line three', 'line four'],
  );
  assert.equal((await logs.lastEvents(GROUP, STREAM, 50)).length, 5);
  assert.equal(await logs.lastEventTime(GROUP, STREAM), t0 + 22_000);
  assert.deepEqual(await logs.lastEvents(GROUP, 'i-none', 3), []);
  assert.equal(await logs.lastEventTime('/nope', STREAM), undefined);
});

test('countEvents counts the events that contain the text', { skip }, async () => {
  assert.equal(await logs.countEvents(GROUP, STREAM, 'awslogs-provision probe 42'), 2);
  assert.equal(await logs.countEvents(GROUP, STREAM, 'awslogs-provision probe 42', t0 + 10_000), 1);
  assert.equal(await logs.countEvents(GROUP, STREAM, 'line'), 3);
  assert.equal(await logs.countEvents('/nope', STREAM, 'line'), 0);
});
