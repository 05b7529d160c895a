// A host's own awslogs.conf and drop-ins, read as the agent reads them (the lab agent's loader is the reference:
// the same files give the same sections and values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfFilesError, readAgentConf } from '../../../../src/agents/awslogs/conf-files.js';

const MAIN = '/etc/awslogs/awslogs.conf';

test('the agent does not start without [general] or a required option, or with a main file that does not parse', () => {
  assert.throws(() => readAgentConf({ path: MAIN, text: '[m]\nfile = /x\n' }, []), ConfFilesError);
  assert.throws(
    () => readAgentConf({ path: MAIN, text: '[general]\n[m]\nfile = /x\nlog_group_name = g\n' }, []),
    /No option 'log_stream_name' in section: 'm'/,
  );
  assert.throws(() => readAgentConf({ path: MAIN, text: 'file = /x\n' }, []), /no section headers/);
});

test('drop-ins: sorted, a broken one skipped, their [general] and a name already taken ignored, their DEFAULT their own', () => {
  const conf = readAgentConf(
    {
      path: MAIN,
      text: '[general]\nstate_file = /s\n[DEFAULT]\nlog_stream_name = {instance_id}\n[a]\nfile = /a\nlog_group_name = a\n',
    },
    [
      { path: '/etc/awslogs/config/z.conf', text: '[DEFAULT]\nlog_group_name = z\n[c]\nfile = /c\n' },
      {
        path: '/etc/awslogs/config/b.conf',
        text: '[general]\nstate_file = /other\n[a]\nfile = /taken\n[b]\nfile = /b\nlog_group_name = b\n',
      },
      { path: '/etc/awslogs/config/broken.conf', text: 'no header\n' },
    ],
  );
  assert.equal(conf.general.state_file, '/s');
  assert.deepEqual(
    conf.sections.map((s) => [s.spec.section, s.spec.file, s.spec.log_group_name, s.spec.log_stream_name, s.file]),
    [
      ['a', '/a', 'a', '{instance_id}', MAIN],
      ['b', '/b', 'b', '{instance_id}', '/etc/awslogs/config/b.conf'],
      ['c', '/c', 'z', '{instance_id}', '/etc/awslogs/config/z.conf'],
    ],
  );
  assert.deepEqual(
    conf.skipped.map((s) => s.path),
    ['/etc/awslogs/config/broken.conf'],
  );
});

test("invalid values: the agent's default, and what was written said; batch values over the maximum clamped", () => {
  const conf = readAgentConf(
    {
      path: MAIN,
      text:
        '[general]\nuse_gzip_http_content_encoding = maybe\n[m]\nfile = /m\nlog_group_name = m\nlog_stream_name = s\n' +
        'initial_position = middle\nfile_fingerprint_lines = 01-3\nbatch_size = 2000000\nbatch_count = x\n' +
        'multi_line_start_pattern = {datetime_format}\nencoding = latin-1\n',
    },
    [],
  );
  assert.equal(conf.general.state_file, 'watchstate');
  assert.deepEqual(
    conf.generalIgnored.map((i) => i.option),
    ['use_gzip_http_content_encoding'],
  );
  const m = conf.sections[0]!;
  assert.deepEqual(m.spec, {
    section: 'm',
    file: '/m',
    log_group_name: 'm',
    log_stream_name: 's',
    encoding: 'latin-1',
    batch_size: 1048576,
  });
  assert.deepEqual(
    m.ignored.map((i) => [i.option, i.used]),
    [
      ['initial_position', 'start_of_file'],
      ['batch_count', '1000'],
      ['batch_size', '1048576'],
      ['file_fingerprint_lines', '1'],
      ['multi_line_start_pattern', '^[^\\s]'],
    ],
  );
});
