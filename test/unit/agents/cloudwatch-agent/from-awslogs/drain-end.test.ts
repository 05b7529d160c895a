// A drain's end: when a drain link is done (table-driven, test/cases/migrate/drain-end.json); which entries of a
// managed JSON are the migration's drains; what `provision apply` keeps of them (an undrained drain is never
// dropped, a drained one is, and the next apply finds nothing to change), and of awslogs after the way back (its
// drain sections kept); the host script's output read back; the cut-over's wait and re-apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  drainEntriesIn,
  isDrainLink,
  judgeDrain,
  withEntries,
  type DrainObservation,
} from '../../../../../src/agents/cloudwatch-agent/from-awslogs/drain-end.js';
import { parseDrainRead } from '../../../../../src/agents/cloudwatch-agent/migrate/drain-end-script.js';
import { finishDrains } from '../../../../../src/agents/cloudwatch-agent/migrate/finish-drains.js';
import { carryDrainSections } from '../../../../../src/agents/awslogs/carry-drains.js';
import { AWSLOGS_CONF_PATH } from '../../../../../src/agents/awslogs/desired.js';
import type { HostSpec } from '../../../../../src/agents/awslogs/spec.js';
import { carried, carryDrains } from '../../../../../src/agents/cloudwatch-agent/carry-drains.js';
import { cloudwatchAgentPlugin } from '../../../../../src/agents/cloudwatch-agent/plugin.js';
import { validateCloudWatchAgentHosts } from '../../../../../src/agents/cloudwatch-agent/validate.js';
import { desiredJson } from '../../../../../src/agents/cloudwatch-agent/desired.js';
import { MANAGED_JSON_PATH } from '../../../../../src/agents/cloudwatch-agent/paths.js';
import type { CloudWatchAgentSpec } from '../../../../../src/agents/cloudwatch-agent/spec.js';
import type { HostFacts } from '../../../../../src/core/types.js';
import { fakeHost } from '../../awslogs/fake-host.js';

interface Case {
  name: string;
  kind: DrainObservation['kind'];
  size?: number;
  state?: string;
  done: boolean;
  remove: boolean;
  why: string;
}
const table = JSON.parse(
  readFileSync(new URL('../../../../../../test/cases/migrate/drain-end.json', import.meta.url), 'utf8'),
) as { link: string; cases: Case[] };
const LINK = table.link;

for (const c of table.cases) {
  test(`drain: ${c.name} → ${c.done ? 'done' : 'kept'}`, () => {
    const v = judgeDrain({
      link: LINK,
      kind: c.kind,
      ...(c.size !== undefined ? { size: c.size } : {}),
      ...(c.state !== undefined ? { state: c.state.replaceAll('$LINK', LINK) } : {}),
    });
    assert.equal(v.done, c.done, v.why);
    assert.equal(v.remove, c.remove, v.why);
    assert.ok(v.why.includes(c.why), `${v.why} should say ${c.why}`);
  });
}

test('drain links: only the paths drainLinkPath makes', () => {
  assert.ok(isDrainLink(LINK));
  for (const p of [
    '/var/lib/awslogs-provision/drain/../1-x',
    '/var/lib/awslogs-provision/drain/./1-x',
    '/var/lib/awslogs-provision/drain/run/../1-x',
    '/var/lib/awslogs-provision/drain/run/x',
    '/var/lib/awslogs-provision/drain/run/1-*.log',
    '/var/lib/awslogs-provision/drain/run/sub/1-x',
    '/var/log/app/app.log.1',
    '/var/lib/awslogs-provision/drainx/run/1-x',
  ])
    assert.equal(isDrainLink(p), false, p);
});

function spec(): CloudWatchAgentSpec {
  const r = validateCloudWatchAgentHosts([
    fakeHost('web1', {
      aws_region: 'us-east-1',
      cloudwatch_agent_logs: [{ file_path: '/var/log/app/app.log', log_group_name: '/app' }],
    }),
  ]);
  assert.deepEqual(r.problems, []);
  return r.specs.get('web1')!;
}

const drainEntry = (link: string) => ({ file_path: link, log_group_name: '/app' });
const LINK2 = LINK.replace('/1-app.log.1', '/2-app.log.2');

test('apply after a migration: an undrained drain is kept, a drained one dropped, then nothing changes', () => {
  const s = spec();
  const files = cloudwatchAgentPlugin.render(s, undefined);
  const plain = files.files.find((f) => f.path === MANAGED_JSON_PATH)!.content;
  // The host's JSON as the cut-over left it: the inventory's entry and two drains.
  const onHost = desiredJson({ ...s, config: withEntries(s.config, [drainEntry(LINK), drainEntry(LINK2)]) });
  const drains = drainEntriesIn(onHost);
  assert.deepEqual(
    drains.map((d) => d.link),
    [LINK, LINK2],
  );
  assert.deepEqual(drainEntriesIn(plain), []);
  assert.deepEqual(drainEntriesIn('{not json'), []);

  const first = carried(s, files, drains, [
    { link: LINK, done: false, remove: false, why: 'sent up to byte 10 of 20' },
    { link: LINK2, done: true, remove: true, why: 'read to its end (byte 20) and sent' },
  ]);
  const json = first.files.files.find((f) => f.path === MANAGED_JSON_PATH)!.content;
  assert.deepEqual(
    drainEntriesIn(json).map((d) => d.link),
    [LINK],
  );
  assert.equal(desiredJson(first.spec), json, 'fetch-config expects the same JSON the file holds');
  assert.deepEqual(
    first.changes.map((c) => c.path),
    [LINK2],
  );
  assert.match(first.warnings.join('\n'), /kept the migration's drain entry .*1-app\.log\.1.*sent up to byte 10 of 20/);
  assert.match(first.afterApply ?? '', /rm -f -- .*2-app\.log\.2/);
  assert.doesNotMatch(first.afterApply ?? '', /1-app\.log\.1/);
  assert.deepEqual(s.config, spec().config, "the inventory's spec is not changed");

  // The next apply, the drain still not at its end: the JSON is the one on the host (no change, no removal).
  const again = carried(s, files, drainEntriesIn(json), [{ link: LINK, done: false, remove: false, why: 'x' }]);
  assert.equal(again.files.files.find((f) => f.path === MANAGED_JSON_PATH)!.content, json);
  assert.deepEqual(again.changes, []);
  assert.equal(again.afterApply, undefined);

  // Once drained: the inventory's JSON, the link removed after.
  const done = carried(s, files, drainEntriesIn(json), [{ link: LINK, done: true, remove: true, why: 'end' }]);
  assert.equal(done.files.files.find((f) => f.path === MANAGED_JSON_PATH)!.content, plain);
  assert.match(done.afterApply ?? '', /take_lock[\s\S]*root_dirs[\s\S]*rm -f -- [\s\S]*rmdir -- /);
});

test('apply after a migration: the host is read only when its JSON holds a drain the inventory does not', async () => {
  const s = spec();
  const files = cloudwatchAgentPlugin.render(s, undefined);
  const scripts: string[] = [];
  const facts = (content: string) =>
    ({
      files: { [MANAGED_JSON_PATH]: { exists: true, content, mode: 0o644, owner: 'root', group: 'root' } },
    }) as unknown as HostFacts;
  const session = {
    run: (script: string) => {
      scripts.push(script);
      return Promise.resolve({
        stdout: `@@dlink 0 file 20\n@@dstate 0 ${Buffer.from(`12\n${LINK}`).toString('base64')}\n@@ok\n`,
        stderr: '',
        code: 0,
      });
    },
  };
  const runId = '20261203T172200Z-abc123';
  const plain = files.files.find((f) => f.path === MANAGED_JSON_PATH)!.content;
  const none = await carryDrains({ session, spec: s, files, facts: facts(plain), runId });
  assert.equal(scripts.length, 0);
  assert.equal(none.files, files);
  const onHost = desiredJson({ ...s, config: withEntries(s.config, [drainEntry(LINK)]) });
  const kept = await carryDrains({ session, spec: s, files, facts: facts(onHost), runId });
  assert.equal(scripts.length, 1);
  assert.equal(kept.files.files.find((f) => f.path === MANAGED_JSON_PATH)!.content, onHost);
  assert.match(kept.warnings[0] ?? '', /sent up to byte 12 of 20/);
});

test('the drain read: a link the script said nothing of is not taken as gone', () => {
  const links = [LINK, LINK2, `${LINK}x`];
  const out = parseDrainRead(
    `@@dlink 0 file 42\n@@dstate 0 ${Buffer.from(`42\n${LINK}`).toString('base64')}\n@@dlink 1 absent -\n`,
    links,
  );
  assert.deepEqual(out, [
    { link: LINK, kind: 'file', size: 42, state: `42\n${LINK}` },
    { link: LINK2, kind: 'absent' },
    { link: `${LINK}x`, kind: 'other' },
  ]);
  assert.deepEqual(
    out.map((o) => judgeDrain(o).done),
    [true, true, false],
  );
});

/** A host whose drain positions advance one read at a time; it records what it runs. */
function drainingHost(links: string[], sizes: number[], positions: number[][]) {
  const scripts: string[] = [];
  let reads = 0;
  return {
    scripts,
    session: {
      run: (script: string) => {
        scripts.push(script);
        if (script.includes('say "done drains"'))
          return Promise.resolve({ stdout: '@@done drains\n@@ok\n', stderr: '', code: 0 });
        const at = positions[Math.min(reads++, positions.length - 1)]!;
        const out = links.map(
          (l, i) =>
            `@@dlink ${i} file ${sizes[i]}\n@@dstate ${i} ${Buffer.from(`${at[i]}\n${l}`).toString('base64')}\n`,
        );
        return Promise.resolve({ stdout: `${out.join('')}@@ok\n`, stderr: '', code: 0 });
      },
    },
  };
}

const drainLink = (link: string, path: string) => ({
  path,
  inode: 7,
  size: 20,
  offset: 5,
  why: 'rotated',
  section: 'app',
  link,
});

test('the cut-over waits for its drains, re-applies without the drained ones and removes their links', async () => {
  const links = [drainLink(LINK, '/var/log/app/app.log.1'), drainLink(LINK2, '/var/log/app/app.log.2')];
  const host = drainingHost(
    [LINK, LINK2],
    [20, 30],
    [
      [5, 5],
      [20, 10],
      [20, 12],
    ],
  );
  const installed: Record<string, unknown>[][] = [];
  const done = await finishDrains({
    session: host.session,
    runId: '20261203T172200Z-abc123',
    links,
    entryOf: (l) => drainEntry(l.link),
    install: (entries) => {
      installed.push(entries);
      return Promise.resolve({
        outcome: { ok: true, undone: false, done: [], files: [], messages: [], agentLog: [] },
        changes: [],
      });
    },
    waitMs: 50,
    pollMs: 10,
    stepTimeoutS: 30,
    progress: () => undefined,
    sleep: () => new Promise((r) => setTimeout(r, 20)),
  });
  // The second drain is not at its end by the deadline: kept in the JSON, said so.
  assert.deepEqual(installed, [[drainEntry(LINK2)]]);
  const removal = host.scripts.find((s) => s.includes('say "done drains"')) ?? '';
  assert.match(removal, /rm -f -- '?[^\n]*1-app\.log\.1/);
  assert.doesNotMatch(removal, /2-app\.log\.2/);
  assert.deepEqual(
    done.changes.map((c) => [c.path, c.summary.split(' (')[0]]),
    [
      ['/var/log/app/app.log.1', 'drain ended'],
      ['/var/log/app/app.log.2', 'drain stays configured'],
    ],
  );
  assert.match(done.warnings.join('\n'), /app\.log\.2 .*did not reach its end .*sent up to byte 1[02] of 30/);
});

test('the cut-over: a re-apply that fails leaves every drain configured and every link in place', async () => {
  const host = drainingHost([LINK], [20], [[20]]);
  const done = await finishDrains({
    session: host.session,
    runId: '20261203T172200Z-abc123',
    links: [drainLink(LINK, '/var/log/app/app.log.1')],
    entryOf: (l) => drainEntry(l.link),
    install: () =>
      Promise.resolve({
        outcome: {
          ok: false,
          undone: false,
          failedStep: 'command fetch-config',
          done: [],
          files: [],
          messages: ['refused'],
          agentLog: [],
        },
        changes: [],
      }),
    waitMs: 1000,
    pollMs: 10,
    stepTimeoutS: 30,
    progress: () => undefined,
  });
  assert.equal(host.scripts.filter((s) => s.includes('say "done drains"')).length, 0, 'no link removed');
  assert.match(done.changes[0]?.summary ?? '', /stays configured .*re-apply failed/);
  assert.match(done.warnings.join('\n'), /drained entries stay configured .*fetch-config failed: refused/);
});

test('apply of awslogs after the way back: its drain sections are kept as the way back wrote them, nothing else', () => {
  const rendered =
    '[general]\nstate_file = /var/lib/awslogs/agent-state\n\n[app]\nfile = /var/log/app/app.log\nlog_group_name = /app\nlog_stream_name = {hostname}\n';
  const drain = `\n[app (drain 1)]\nfile = ${LINK}\nlog_group_name = /app\nlog_stream_name = {hostname}\ninitial_position = start_of_file\n`;
  const handAdded = '\n[extra]\nfile = /var/log/extra.log\nlog_group_name = /x\nlog_stream_name = y\n';
  const files = {
    files: [
      {
        path: AWSLOGS_CONF_PATH,
        content: rendered,
        mode: 0o644,
        owner: 'root',
        group: 'root',
        secrets: [],
        notifies: true,
      },
    ],
    secrets: [],
  };
  const factsOf = (content: string) =>
    ({
      files: { [AWSLOGS_CONF_PATH]: { exists: true, content, mode: 0o644, owner: 'root', group: 'root' } },
    }) as unknown as HostFacts;
  const spec = {} as HostSpec;
  const conf = (c: ReturnType<typeof carryDrainSections>) => c.files.files[0]!.content;

  const kept = carryDrainSections({ spec, files, facts: factsOf(`${rendered}${drain}${handAdded}`) });
  assert.equal(conf(kept), `${rendered}${drain}`, 'the drain kept, the hand-added section not');
  assert.match(kept.warnings.join('\n'), /kept awslogs' drain section \[app \(drain 1\)\]/);
  // The next apply: the host holds what the apply would write: nothing to change.
  assert.equal(conf(carryDrainSections({ spec, files, facts: factsOf(conf(kept)) })), conf(kept));
  // No drain on the host: the inventory's file as it is.
  assert.equal(carryDrainSections({ spec, files, facts: factsOf(rendered) }).files, files);
  // The inventory holds the section itself: not written twice.
  const withIt = { ...files, files: [{ ...files.files[0]!, content: `${rendered}${drain}` }] };
  assert.equal(
    conf(carryDrainSections({ spec, files: withIt, facts: factsOf(`${rendered}${drain}`) })),
    `${rendered}${drain}`,
  );
});
