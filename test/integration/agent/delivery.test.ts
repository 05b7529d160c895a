// The lab agent against a real moto server (the lab's, gzip bodies mended): lines arrive once, in the
// configured group and stream; SIGTERM ends it at once without a log line; and, as the real agent against
// today's CloudWatch Logs, a plain restart sends the last batch again (its replay is accepted).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import {
  agentLog,
  makeHost,
  MOTO_AVAILABLE,
  stamp,
  startAgent,
  startMoto,
  stopChild,
  streamMessages,
  waitFor,
  type Moto,
} from './harness.js';

let moto: Moto | undefined;
before(async () => {
  if (MOTO_AVAILABLE) moto = await startMoto();
});
after(async () => {
  await moto?.stop();
});

test(
  'lines arrive once in the right group and stream; SIGTERM exits at once, no log line; a restart sends the last batch again',
  {
    skip: MOTO_AVAILABLE ? false : 'moto is not installed (python3 -m moto.server)',
  },
  async () => {
    const host = makeHost(moto!.endpoint);
    const first = [`${stamp()} first line`, `${stamp()} second line`];
    writeFileSync(host.appLog, first.join('\n') + '\n');
    let agent = startAgent(host);
    const read = (): Promise<string[]> => streamMessages(moto!.endpoint, '/lab/app', host.instanceId);
    await waitFor('first lines', async () => ((await read()).length >= 2 ? true : undefined));

    const more = `${stamp()} third line\n  continued`;
    appendFileSync(host.appLog, more + '\n');
    await waitFor('third line', async () => ((await read()).length >= 3 ? true : undefined));

    const before = agentLog(host);
    const t0 = Date.now();
    await stopChild(agent);
    assert.ok(Date.now() - t0 < 1000, 'ends at once');
    assert.equal(agent.signalCode, 'SIGTERM', 'ended by the signal, as Python without a handler');
    assert.equal(agentLog(host), before, 'no log line on SIGTERM');

    agent = startAgent(host);
    await waitFor('the replay', () => (agentLog(host).match(/Replay events end at/g)?.length === 1 ? true : undefined));
    const last = `${stamp()} after restart`;
    appendFileSync(host.appLog, last + '\n');
    await waitFor('line after restart', async () => ((await read()).length >= 5 ? true : undefined));
    await stopChild(agent);

    // The last batch before the restart (the continued third line) arrived twice: the replay was accepted.
    assert.deepEqual(await read(), [...first, more, more, last]);
    const log = agentLog(host);
    assert.match(log, /Creating log group \/lab\/app\./);
    assert.ok(!log.includes('labSecretKey123'), 'no secret in the log');
  },
);
