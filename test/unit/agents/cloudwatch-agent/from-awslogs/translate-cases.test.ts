// The translation, table-driven (test/cases/migrate/translate.json): an inventory's awslogs variables (through the
// awslogs validator first) or a host's own files (read as the agent reads them) → the CloudWatch agent's entries,
// flush interval and every key's fate; the stops exactly; and an ok result's variables pass the CloudWatch agent
// plug-in's own validation. Across the cases every awslogs option is set at least once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateHosts } from '../../../../../src/agents/awslogs/validate.js';
import { readAgentConf } from '../../../../../src/agents/awslogs/conf-files.js';
import { GENERAL_OPTIONS, LOG_OPTIONS } from '../../../../../src/agents/awslogs/spec.js';
import { validateCloudWatchAgentHosts } from '../../../../../src/agents/cloudwatch-agent/validate.js';
import {
  fromAgentConf,
  fromHostSpec,
  translateAwslogs,
  type KeyFate,
  type Translation,
} from '../../../../../src/agents/cloudwatch-agent/from-awslogs/index.js';
import { fakeHost } from '../../awslogs/fake-host.js';

interface ExpectedFate {
  section?: string;
  option: string;
  fate?: string;
  value?: string;
  result?: string;
  note?: string;
}
interface Case {
  name: string;
  vars?: Record<string, unknown>;
  logs?: Record<string, unknown>[];
  conf?: string;
  dropIns?: Record<string, string>;
  expect: {
    entries?: Record<string, unknown>[];
    flush?: number;
    fates?: ExpectedFate[];
    stops?: ExpectedFate[];
  };
}
interface CaseFile {
  base: { vars: Record<string, unknown>; entry: Record<string, unknown> };
  cases: Case[];
}

const file = JSON.parse(
  readFileSync(new URL('../../../../../../test/cases/migrate/translate.json', import.meta.url), 'utf8'),
) as CaseFile;

function overlay(base: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function translate(c: Case): Translation {
  if (c.conf !== undefined) {
    const drops = Object.entries(c.dropIns ?? {}).map(([path, text]) => ({ path, text }));
    const conf = readAgentConf({ path: '/etc/awslogs/awslogs.conf', text: c.conf }, drops);
    return translateAwslogs(
      fromAgentConf(conf, ['/etc/awslogs/awslogs.conf'], {
        region: 'ap-northeast-2',
        credentials: { source: 'instance_profile' },
      }),
    );
  }
  const vars = overlay(file.base.vars, c.vars);
  vars.awslogs_logs = (c.logs ?? [{}]).map((l) => overlay(file.base.entry, l));
  const checked = validateHosts([fakeHost('web1', vars)]);
  assert.deepEqual(checked.problems, [], 'the case is a valid awslogs inventory');
  return translateAwslogs(fromHostSpec(checked.specs.get('web1')!));
}

function find(fates: KeyFate[], e: ExpectedFate, first: string): KeyFate | undefined {
  return fates.find((f) => f.section === (e.section ?? first) && f.option === e.option);
}

function matches(f: KeyFate, e: ExpectedFate): boolean {
  return (
    (e.fate === undefined || f.fate === e.fate) &&
    (e.value === undefined || f.value === e.value) &&
    (e.result === undefined || f.result === e.result) &&
    (e.note === undefined || f.note.includes(e.note))
  );
}

const setOptions = new Set<string>();

file.cases.forEach((c) => {
  test(`migrate translation: ${c.name}`, () => {
    const t = translate(c);
    const first = t.sections[0]?.section ?? '';
    const shown = JSON.stringify(t.fates, null, 1);
    // Every section has a row for every awslogs option, and [general] for each of its own.
    for (const s of t.sections)
      for (const option of ['section', ...LOG_OPTIONS])
        assert.ok(find(t.fates, { section: s.section, option }, first), `${s.section} ${option} has a fate`);
    for (const option of GENERAL_OPTIONS) assert.ok(find(t.fates, { section: '[general]', option }, first));
    for (const f of t.fates)
      if (f.value !== undefined) setOptions.add(`${f.section === '[general]' ? 'g.' : ''}${f.option}`);

    for (const e of c.expect.fates ?? []) {
      const f = find(t.fates, e, first);
      assert.ok(f && matches(f, e), `fate ${JSON.stringify(e)} in ${shown}`);
    }
    const stops = c.expect.stops ?? [];
    assert.equal(t.stops.length, stops.length, `stops: ${JSON.stringify(t.stops, null, 1)}`);
    for (const e of stops) {
      const f = find(t.stops, e, first);
      assert.ok(f && matches(f, { ...e, fate: 'stop' }), `stop ${JSON.stringify(e)} in ${JSON.stringify(t.stops)}`);
    }
    assert.equal(t.ok, stops.length === 0);
    if (!t.ok) {
      assert.equal(t.inventoryVars, undefined, 'a stopped host gets no new variables');
      return;
    }
    if (c.expect.entries) assert.deepEqual(t.entries, c.expect.entries);
    if (c.expect.flush !== undefined) assert.equal(t.forceFlushInterval, c.expect.flush);
    // The new variables, as an operator would commit them, pass the CloudWatch agent plug-in's validation.
    const host = fakeHost('web1', { aws_region: 'ap-northeast-2', ...t.inventoryVars });
    const checked = validateCloudWatchAgentHosts([host]);
    assert.deepEqual(checked.problems, []);
    assert.deepEqual(checked.specs.get('web1')!.config, t.config);
  });
});

test('across the cases, every awslogs option is set at least once', () => {
  const wanted = [...LOG_OPTIONS, ...GENERAL_OPTIONS.map((o) => `g.${o}`)];
  assert.deepEqual(
    wanted.filter((o) => !setOptions.has(o)),
    [],
  );
});

test("with each agent's placeholder values from the host, the table says whether a stream keeps its name", () => {
  const spec = validateHosts([
    fakeHost('web1', {
      ...file.base.vars,
      awslogs_logs: [
        { section: 'a', file: '/var/log/a.log', log_group_name: 'g', log_stream_name: '{instance_id}' },
        { section: 'b', file: '/var/log/b.log', log_group_name: 'h', log_stream_name: '{hostname}' },
      ],
    }),
  ]).specs.get('web1')!;
  // awslogs could not read the instance id (IMDSv2 required): its {instance_id} was the hostname.
  const t = translateAwslogs({
    ...fromHostSpec(spec),
    names: {
      awslogs: { hostname: 'web1', ipAddress: '10.0.0.5' },
      cloudwatch: {
        instanceId: 'i-0123456789abcdef0',
        ec2Hostname: 'ip-10-0-0-5.ec2.internal',
        localHostname: 'web1',
        ipAddress: '10.0.0.5',
        region: 'ap-northeast-2',
        accountId: '123456789012',
        date: '2026-12-03',
      },
    },
  });
  const note = (section: string) => t.fates.find((f) => f.section === section && f.option === 'log_stream_name')!.note;
  assert.match(note('a'), /changes from "web1" to "i-0123456789abcdef0"/);
  assert.match(note('b'), /keeps its name "web1"/);
});
