// The lab agent against a real moto server: lines arrive once, in the configured group and stream, and a
// restart sends nothing twice.
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
  'lines arrive once in the right group and stream; restart sends nothing twice; SIGTERM exits 0 fast',
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

    const t0 = Date.now();
    await stopChild(agent);
    assert.ok(Date.now() - t0 < 2000, 'stops within 2 s');
    assert.equal(agent.exitCode, 0);

    agent = startAgent(host);
    await waitFor('the replay', () => (agentLog(host).match(/Replay events end at/g)?.length === 1 ? true : undefined));
    const last = `${stamp()} after restart`;
    appendFileSync(host.appLog, last + '\n');
    await waitFor('line after restart', async () => ((await read()).length >= 4 ? true : undefined));
    await stopChild(agent);

    assert.deepEqual(await read(), [...first, more, last]);
    const log = agentLog(host);
    assert.match(
      log,
      /cwlogs\.push\.publisher - WARNING - \d+ - Thread-\d+ - Caught exception: An error occurred \(DataAlreadyAcceptedException\)/,
    );
    assert.match(log, /Creating log group \/lab\/app\./);
    assert.ok(!log.includes('labSecretKey123'), 'no secret in the log');
  },
);
