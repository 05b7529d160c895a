// The lab's Run Command model on a clock of the test's own: states from Pending to a final one, MaxConcurrency,
// MaxErrors and Terminated, the delivery timeout, SSM's output limits (24,000 / 8,000 characters; 2,500 with the
// agent's own markers in ListCommandInvocations), and an invocation unknown for a moment after its send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pluginOutput, RunCommand, SsmError } from '../../../../src/lab/ssm/run-command.js';

function lab(registered = ['i-1', 'i-2', 'i-3', 'i-4']) {
  let now = 1_000_000;
  const rc = new RunCommand({ registered: (id) => registered.includes(id), consistencyDelayMs: 500, now: () => now });
  return { rc, advance: (ms: number) => (now += ms) };
}

const send = (rc: RunCommand, extra: Record<string, unknown> = {}) =>
  rc.send({
    DocumentName: 'AWS-RunShellScript',
    InstanceIds: ['i-1', 'i-2', 'i-3', 'i-4'],
    Parameters: { commands: ['echo hi', 'exit 0'], executionTimeout: ['60'] },
    TimeoutSeconds: 30,
    ...extra,
  });

const statuses = (rc: RunCommand, id: string) =>
  rc.invocations(id).map(({ invocation: i }) => `${i.instanceId} ${i.status} ${i.statusDetails}`);

test('an invocation is unknown for a moment after the send, then Pending → InProgress → Success', () => {
  const { rc, advance } = lab();
  const c = send(rc);
  assert.throws(
    () => rc.invocation(c.commandId, 'i-1'),
    (e: unknown) => (e as SsmError).type === 'InvocationDoesNotExist',
  );
  assert.deepEqual(rc.invocations(c.commandId), []);
  advance(500);
  assert.equal(rc.invocation(c.commandId, 'i-1').invocation.status, 'Pending');
  const [m] = rc.messagesFor('i-1');
  assert.deepEqual(m, { type: 'run', commandId: c.commandId, script: 'echo hi\nexit 0', executionTimeoutS: 60 });
  assert.equal(rc.invocation(c.commandId, 'i-1').invocation.status, 'InProgress');
  rc.report('i-1', c.commandId, 'success', 0, 'hi\n', '');
  const done = rc.invocation(c.commandId, 'i-1').invocation;
  assert.deepEqual(
    [done.status, done.statusDetails, done.responseCode, done.stdout],
    ['Success', 'Success', 0, 'hi\n'],
  );
});

test('MaxConcurrency: only that many invocations are handed out at once', () => {
  const { rc, advance } = lab();
  const c = send(rc, { MaxConcurrency: '2' });
  advance(500);
  const handed = ['i-1', 'i-2', 'i-3', 'i-4'].filter((id) => rc.messagesFor(id).length > 0);
  assert.deepEqual(handed, ['i-1', 'i-2']);
  rc.report('i-1', c.commandId, 'success', 0, '', '');
  assert.equal(rc.messagesFor('i-3').length, 1, 'a slot freed: the next goes');
  assert.equal(rc.messagesFor('i-4').length, 0);
});

test('MaxErrors: once more than MaxErrors failed, what was not sent is Terminated (not run)', () => {
  const { rc, advance } = lab();
  const c = send(rc, { MaxConcurrency: '1', MaxErrors: '0' });
  advance(500);
  assert.equal(rc.messagesFor('i-1').length, 1);
  rc.report('i-1', c.commandId, 'failed', 1, '', 'boom');
  assert.deepEqual(statuses(rc, c.commandId), [
    'i-1 Failed Failed',
    'i-2 Cancelled Terminated',
    'i-3 Cancelled Terminated',
    'i-4 Cancelled Terminated',
  ]);
  assert.equal(RunCommand.statusOf(rc.list(c.commandId)[0]!), 'Failed');
});

test('MaxErrors as a percentage, and timed-out executions counting as errors', () => {
  const { rc, advance } = lab();
  const c = send(rc, { MaxConcurrency: '50%', MaxErrors: '25%' });
  advance(500);
  assert.equal(c.concurrency, 2);
  assert.equal(c.errorsAllowed, 1);
  rc.messagesFor('i-1');
  rc.messagesFor('i-2');
  rc.report('i-1', c.commandId, 'timedout', 137, '', '');
  assert.equal(rc.messagesFor('i-3').length, 1, 'one error is allowed');
  rc.report('i-2', c.commandId, 'failed', 2, '', '');
  assert.match(statuses(rc, c.commandId).join(','), /i-4 Cancelled Terminated/);
  assert.match(statuses(rc, c.commandId).join(','), /i-1 TimedOut Execution Timed Out/);
});

test('delivery timeout: an agent that never picks the command up ends Delivery Timed Out, code -1', () => {
  const { rc, advance } = lab();
  const c = send(rc, { InstanceIds: ['i-1'] });
  advance(29_000);
  rc.tick();
  assert.equal(rc.invocation(c.commandId, 'i-1').invocation.status, 'Pending');
  advance(1_000);
  const i = rc.invocation(c.commandId, 'i-1').invocation;
  assert.deepEqual([i.status, i.statusDetails, i.responseCode], ['TimedOut', 'Delivery Timed Out', -1]);
  assert.deepEqual(rc.messagesFor('i-1'), [], 'too late: it never runs');
});

test('output kept as SSM keeps it: 24,000 / 8,000 characters, silently; 2,500 in the plugin output', () => {
  const { rc, advance } = lab();
  const c = send(rc, { InstanceIds: ['i-1'] });
  advance(500);
  rc.messagesFor('i-1');
  rc.report('i-1', c.commandId, 'success', 0, 'o'.repeat(30_000), 'e'.repeat(9_000));
  const i = rc.invocation(c.commandId, 'i-1').invocation;
  assert.equal(i.stdout.length, 24_000);
  assert.equal(i.stderr.length, 8_000);
  assert.equal(pluginOutput(i.stdout, i.stderr).length, 2_500);
});

test("the plugin output is cut as amazon-ssm-agent's TruncateOutput cuts it (its own test cases)", () => {
  const long =
    Array.from({ length: 10 }, () => 'This is a sample text. '.repeat(5).trimEnd()).join('\n') +
    '\n1234567890. This is a sample text. This is a sample text';
  assert.equal(pluginOutput('', '', 100), '');
  assert.equal(
    pluginOutput('sample output', 'sample error', 100),
    'sample output\n----------ERROR-------\nsample error',
  );
  assert.equal(
    pluginOutput(long, '', 100),
    'This is a sample text. This is a sample text. This is a sample text. This is \n---Output truncated---',
  );
  assert.equal(
    pluginOutput('', long, 100),
    '\n----------ERROR-------\nThis is a sample text. This is a sample text. This is\n---Error truncated----',
  );
  assert.equal(
    pluginOutput(long, long, 100),
    'This is a sampl\n---Output truncated---\n----------ERROR-------\nThis is a sampl\n---Error truncated----',
  );
});

test('cancel: Pending ends Cancelled; InProgress goes Cancelling and the agent is told to stop', () => {
  const { rc, advance } = lab();
  const c = send(rc, { InstanceIds: ['i-1', 'i-2'], MaxConcurrency: '1' });
  advance(500);
  rc.messagesFor('i-1');
  rc.cancel(c.commandId);
  assert.deepEqual(statuses(rc, c.commandId), ['i-1 Cancelling Cancelling', 'i-2 Cancelled Cancelled']);
  assert.deepEqual(rc.messagesFor('i-1'), [{ type: 'cancel', commandId: c.commandId }]);
  rc.report('i-1', c.commandId, 'cancelled', 137, '', '');
  assert.deepEqual(statuses(rc, c.commandId), ['i-1 Cancelled Cancelled', 'i-2 Cancelled Cancelled']);
});

test('SendCommand refuses what SSM refuses', () => {
  const { rc } = lab();
  const type = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as SsmError).type;
    }
    return 'accepted';
  };
  assert.equal(
    type(() => send(rc, { InstanceIds: ['i-9'] })),
    'InvalidInstanceId',
  );
  assert.equal(
    type(() => send(rc, { InstanceIds: Array.from({ length: 51 }, (_, i) => `i-${i}`) })),
    'ValidationException',
  );
  assert.equal(
    type(() => send(rc, { TimeoutSeconds: 29 })),
    'ValidationException',
  );
  assert.equal(
    type(() => send(rc, { MaxErrors: '-1' })),
    'ValidationException',
  );
  assert.equal(
    type(() => send(rc, { MaxConcurrency: '0' })),
    'ValidationException',
  );
  assert.equal(
    type(() => send(rc, { DocumentName: 'AWS-RunPowerShellScript' })),
    'InvalidDocument',
  );
  assert.equal(
    type(() => send(rc, { Parameters: { commands: ['x'], executionTimeout: ['172801'] } })),
    'InvalidParameters',
  );
});
