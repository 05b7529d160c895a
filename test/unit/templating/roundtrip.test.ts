// Whatever text an inventory holds, validation either refuses it or the rendered awslogs.conf gives it
// back exactly to Python's configparser, in the section and option it was meant for: nothing smuggles in
// another line, option or section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { validateHosts } from '../../../src/agents/awslogs/validate.js';
import { DEFAULT_TEMPLATES_DIR, renderHostFiles } from '../../../src/agents/awslogs/render.js';
import type { HostSpec } from '../../../src/agents/awslogs/spec.js';
import { fakeHost } from '../agents/awslogs/fake-host.js';

const NASTY = [
  ...'abcXYZ019 _-/.#',
  ...'[]=:;%{}*\\"\'',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u000b',
  '\u000c',
  '\u0085',
  '\u2028',
  'é',
  '한',
  'file',
  'log_group_name',
  '[general]',
  ' ;',
  '{hostname}',
  '{instance_id}',
  '%Y',
  '%H',
];

const FIELDS = ['section', 'file', 'log_group_name', 'log_stream_name', 'datetime_format', 'multi_line_start_pattern'];

interface Sample {
  field: string;
  value: string;
}

test('roundtrip: a hostile value is refused or read back exactly by configparser', () => {
  const samples = fc.sample(
    fc.record({
      field: fc.constantFrom(...FIELDS),
      value: fc.string({ unit: fc.constantFrom(...NASTY), minLength: 1, maxLength: 12 }),
    }),
    { numRuns: 600, seed: 20201105 },
  ) as Sample[];

  const accepted: Array<{ sample: Sample; spec: HostSpec; text: string }> = [];
  let refused = 0;
  for (const sample of samples) {
    const log: Record<string, unknown> = {
      section: 'app',
      file: '/var/log/app.log',
      log_group_name: 'app',
      log_stream_name: '{hostname}',
      datetime_format: '%Y-%m-%d %H:%M:%S',
    };
    log[sample.field] = sample.field === 'file' ? `/${sample.value}` : sample.value;
    const { specs, problems } = validateHosts([
      fakeHost('web1', { aws_region: 'ap-northeast-2', awslogs_credentials: 'instance_profile', awslogs_logs: [log] }),
    ]);
    const spec = specs.get('web1');
    if (!spec) {
      assert.ok(problems.length > 0);
      refused++;
      continue;
    }
    accepted.push({ sample, spec, text: renderHostFiles(spec, undefined, DEFAULT_TEMPLATES_DIR).awslogsConf });
  }
  assert.ok(refused > 50 && accepted.length > 50, `refused ${refused}, accepted ${accepted.length}: a poor sample`);

  const script = [
    'import configparser, json, sys',
    'out = []',
    'for text in json.load(sys.stdin):',
    '    p = configparser.RawConfigParser(strict=True)',
    '    p.optionxform = str',
    '    p.read_string(text)',
    '    out.append({s: dict(p.items(s)) for s in p.sections()})',
    'print(json.dumps(out))',
  ].join('\n');
  const read = JSON.parse(
    execFileSync('python3', ['-c', script], { input: JSON.stringify(accepted.map((a) => a.text)), encoding: 'utf8' }),
  ) as Array<Record<string, Record<string, string>>>;

  accepted.forEach(({ sample, spec }, i) => {
    const log = spec.logs[0];
    assert.ok(log);
    const expected: Record<string, string> = {
      file: log.file,
      log_group_name: log.log_group_name,
      log_stream_name: log.log_stream_name,
    };
    if (log.datetime_format !== undefined) expected.datetime_format = log.datetime_format;
    if (log.multi_line_start_pattern !== undefined) expected.multi_line_start_pattern = log.multi_line_start_pattern;
    assert.deepEqual(
      read[i],
      { general: { state_file: '/var/lib/awslogs/agent-state' }, [log.section]: expected },
      `${sample.field} = ${JSON.stringify(sample.value)}`,
    );
  });
});
