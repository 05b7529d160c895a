// The manual's fault, both roads: lines really 3 h ahead are skipped "in future"; a stale batch_timestamp in
// push_state makes replayed lines skipped at every restart, until the row is repaired (or deleted).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { StateStore, type PushState } from '../../../src/lab/agent/state.js';
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

const skip = MOTO_AVAILABLE ? false : 'moto is not installed (python3 -m moto.server)';
const HOUR = 3_600_000;
let moto: Moto | undefined;
before(async () => {
  if (MOTO_AVAILABLE) moto = await startMoto();
});
after(async () => {
  await moto?.stop();
});

const FUTURE_SRC = String.raw` - cwlogs\.push\.batch - WARNING - \d+ - Thread-\d+ - Skip event: \{'timestamp': (\d+), 'start_position': (\d+), 'end_position': (\d+)\}, reason: timestamp is more than 2 hours in future\.\n`;
const skipsIn = (text: string): RegExpMatchArray[] => [...text.matchAll(new RegExp(FUTURE_SRC, 'g'))];

test('lines 3 h in the future are skipped with the agent wording; the others arrive', { skip }, async () => {
  const host = makeHost(moto!.endpoint);
  const now = `${stamp()} now`;
  const ahead = `${stamp(3 * HOUR)} three hours ahead`;
  writeFileSync(host.appLog, `${now}\n${ahead}\n`);
  const agent = startAgent(host);
  try {
    await waitFor('the skip line', () => (skipsIn(agentLog(host)).length > 0 ? true : undefined));
    await waitFor('the present line', async () =>
      (await streamMessages(moto!.endpoint, '/lab/app', host.instanceId)).length > 0 ? true : undefined,
    );
  } finally {
    await stopChild(agent);
  }
  const [m] = skipsIn(agentLog(host));
  assert.ok(m);
  assert.equal(Number(m[1]), Date.parse(ahead.slice(0, 19).replace(' ', 'T') + 'Z'));
  assert.deepEqual([Number(m[2]), Number(m[3])], [now.length + 1, now.length + 1 + ahead.length + 1]);
  assert.deepEqual(await streamMessages(moto!.endpoint, '/lab/app', host.instanceId), [now]);
});

test(
  'a stale batch_timestamp in push_state skips the replayed lines at every restart; a repaired row sends them',
  { skip },
  async () => {
    const host = makeHost(moto!.endpoint);
    const lines = [`${stamp()} replayed one`, `${stamp()} replayed two`];
    const content = lines.join('\n') + '\n';
    writeFileSync(host.appLog, content);
    // The row a run 3 hours ago would have left if its clock had been wrong, as an operator finds it.
    const sourceId = createHash('md5')
      .update('app' + lines[0] + '\n')
      .digest('hex');
    const state = new StateStore(host.stateFile);
    state.save('stream_state', 'app', { source_id: sourceId, initial_position: 0 });
    state.save('push_state', sourceId, {
      source_id: sourceId,
      start_position: 0,
      end_position: Buffer.byteLength(content),
      batch_timestamp: Date.now() - 3 * HOUR,
      first_timestamp: Date.now(),
      first_timestamp_status: 1,
      sequence_token: null,
    });
    state.close();

    const skips = (): number => skipsIn(agentLog(host)).length;
    for (let run = 1; run <= 2; run++) {
      const agent = startAgent(host);
      try {
        await waitFor(`the skips of run ${run}`, () => (skips() === 2 * run ? true : undefined));
      } finally {
        await stopChild(agent);
      }
    }
    assert.deepEqual(await streamMessages(moto!.endpoint, '/lab/app', host.instanceId), []);

    // The manual's second remedy: repair the row in place; the replayed lines are then sent, once.
    const repair = new StateStore(host.stateFile);
    const row = repair.get<PushState>('push_state', sourceId)!;
    repair.save('push_state', sourceId, { ...row, batch_timestamp: Date.now() });
    repair.close();
    const agent = startAgent(host);
    try {
      const fresh = `${stamp()} fresh`;
      appendFileSync(host.appLog, fresh + '\n');
      await waitFor('the replayed and fresh lines', async () =>
        (await streamMessages(moto!.endpoint, '/lab/app', host.instanceId)).length >= 3 ? true : undefined,
      );
      assert.deepEqual(await streamMessages(moto!.endpoint, '/lab/app', host.instanceId), [...lines, fresh]);
    } finally {
      await stopChild(agent);
    }
  },
);
