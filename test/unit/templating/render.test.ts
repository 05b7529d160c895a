import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderTemplate } from '../../../src/templating/render.js';
import { DEFAULT_TEMPLATES_DIR, renderHostFiles, templateFile } from '../../../src/agents/awslogs/render.js';
import { validateHosts } from '../../../src/agents/awslogs/validate.js';
import type { HostSpec } from '../../../src/agents/awslogs/spec.js';
import { InputError } from '../../../src/core/errors.js';
import { fakeHost } from '../agents/awslogs/fake-host.js';

const FULL: HostSpec = {
  host: 'web1',
  region: 'ap-northeast-2',
  regionDefaulted: false,
  credentials: { source: 'keys', profile: 'logs' },
  general: {
    state_file: '/var/lib/awslogs/agent-state',
    logging_config_file: '/etc/awslogs/logging.conf',
    use_gzip_http_content_encoding: false,
  },
  logs: [
    {
      section: '/var/log/messages',
      file: '/var/log/messages',
      log_group_name: '/var/log/messages',
      log_stream_name: '{instance_id}',
      datetime_format: '%b %d %H:%M:%S',
      time_zone: 'LOCAL',
      initial_position: 'start_of_file',
      encoding: 'utf_8',
      buffer_duration: 5000,
      batch_count: 1000,
      batch_size: 32768,
      file_fingerprint_lines: '1-3',
      multi_line_start_pattern: '{datetime_format}',
    },
    {
      section: 'app',
      file: '/var/log/app/*.log',
      log_group_name: 'app',
      log_stream_name: '{hostname}-app',
    },
  ],
};

const KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

test('render: a full spec gives the expected awslogs.conf', () => {
  const files = renderHostFiles(FULL, KEYS, DEFAULT_TEMPLATES_DIR);
  assert.equal(
    files.awslogsConf,
    `# /etc/awslogs/awslogs.conf for web1, written by awslogs-provision: edits here are replaced on the next run.
[general]
state_file = /var/lib/awslogs/agent-state
logging_config_file = /etc/awslogs/logging.conf
use_gzip_http_content_encoding = false

[/var/log/messages]
file = /var/log/messages
log_group_name = /var/log/messages
log_stream_name = {instance_id}
datetime_format = %b %d %H:%M:%S
time_zone = LOCAL
initial_position = start_of_file
encoding = utf_8
buffer_duration = 5000
batch_count = 1000
batch_size = 32768
file_fingerprint_lines = 1-3
multi_line_start_pattern = {datetime_format}

[app]
file = /var/log/app/*.log
log_group_name = app
log_stream_name = {hostname}-app
`,
  );
});

test('render: awscli.conf with keys lists the secret key as a secret', () => {
  const files = renderHostFiles(FULL, KEYS, DEFAULT_TEMPLATES_DIR);
  assert.equal(
    files.awscliConf,
    `# /etc/awslogs/awscli.conf for web1, written by awslogs-provision: edits here are replaced on the next run.
[plugins]
cwlogs = cwlogs

[default]
region = ap-northeast-2
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
`,
  );
  assert.deepEqual(files.secrets, [KEYS.secretAccessKey]);
});

test('render: env credentials with a session token and an endpoint', () => {
  const spec: HostSpec = { ...FULL, credentials: { source: 'env' }, endpointUrl: 'http://10.200.0.1:4566' };
  const files = renderHostFiles(spec, { ...KEYS, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' }, DEFAULT_TEMPLATES_DIR);
  assert.match(files.awscliConf, /\nendpoint_url = http:\/\/10\.200\.0\.1:4566\n/);
  assert.match(files.awscliConf, /\naws_session_token = FwoGZXIvYXdzEXAMPLETOKEN\n$/);
  assert.deepEqual(files.secrets, [KEYS.secretAccessKey, 'FwoGZXIvYXdzEXAMPLETOKEN']);
});

test('render: an instance profile writes no keys, even when some are passed', () => {
  const spec: HostSpec = { ...FULL, credentials: { source: 'instance_profile' } };
  const files = renderHostFiles(spec, KEYS, DEFAULT_TEMPLATES_DIR);
  assert.equal(
    files.awscliConf,
    `# /etc/awslogs/awscli.conf for web1, written by awslogs-provision: edits here are replaced on the next run.
[plugins]
cwlogs = cwlogs

[default]
region = ap-northeast-2
`,
  );
  assert.deepEqual(files.secrets, []);
});

test('render: keys without resolved credentials is a programming error', () => {
  assert.throws(() => renderHostFiles(FULL, undefined, DEFAULT_TEMPLATES_DIR), /needs resolved credentials/);
});

test('render: a credential with a line break is refused and not shown', () => {
  const evil = { accessKeyId: 'AKIA', secretAccessKey: 'abc\n[evil]' };
  assert.throws(
    () => renderHostFiles(FULL, evil, DEFAULT_TEMPLATES_DIR),
    (err: unknown) =>
      err instanceof InputError && /secret access key/.test(err.message) && !err.message.includes('[evil]'),
  );
});

test('render: DEFAULT_TEMPLATES_DIR is the repo templates/', () => {
  assert.ok(existsSync(path.join(DEFAULT_TEMPLATES_DIR, 'awslogs.conf.hbs')));
  assert.ok(existsSync(path.join(DEFAULT_TEMPLATES_DIR, 'awscli.conf.hbs')));
});

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'awslogs-templates-'));
}

test('render: the operator templates dir wins file by file', () => {
  const dir = tempDir();
  try {
    writeFileSync(
      path.join(dir, 'awslogs.conf.hbs'),
      '[general]\nstate_file = {{general.state_file}}\n# {{host}} custom\n',
    );
    const spec: HostSpec = { ...FULL, templatesDir: dir };
    const files = renderHostFiles(spec, KEYS, DEFAULT_TEMPLATES_DIR);
    assert.equal(files.awslogsConf, '[general]\nstate_file = /var/lib/awslogs/agent-state\n# web1 custom\n');
    assert.match(files.awscliConf, /^# \/etc\/awslogs\/awscli\.conf for web1/);
    assert.equal(
      templateFile('awscli.conf.hbs', spec, DEFAULT_TEMPLATES_DIR),
      path.join(DEFAULT_TEMPLATES_DIR, 'awscli.conf.hbs'),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('render: a missing variable is an InputError naming the template file and line (strict mode)', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'awscli.conf.hbs');
    writeFileSync(file, '[default]\nregion = {{regon}}\n');
    assert.throws(
      () => renderHostFiles({ ...FULL, templatesDir: dir }, KEYS, DEFAULT_TEMPLATES_DIR),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.deepEqual(err.problems, [
          {
            file,
            line: 2,
            column: 12,
            rule: 'template variable "regon" is not defined for this host (strict mode)',
            path: 'hosts.web1',
          },
        ]);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('render: an option the host does not set is missing too, unless guarded by #if', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 't.hbs');
    writeFileSync(file, '{{#each logs}}{{time_zone}}{{/each}}');
    assert.throws(() => renderTemplate(file, { logs: [{ section: 'a' }] }), /"time_zone" is not defined/);
    writeFileSync(file, '{{#each logs}}{{#if time_zone}}{{time_zone}}{{/if}}{{/each}}');
    assert.equal(renderTemplate(file, { logs: [{ section: 'a' }] }), '');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('render: a template syntax error is an InputError naming the file', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'awslogs.conf.hbs');
    writeFileSync(file, '[general]\n{{#if general}\n');
    assert.throws(
      () => renderTemplate(file, {}),
      (err: unknown) =>
        err instanceof InputError && err.problems[0]?.file === file && /template error: Parse error/.test(err.message),
    );
    assert.throws(
      () => renderTemplate(path.join(dir, 'absent.hbs'), {}),
      (err: unknown) => err instanceof InputError && /cannot read the template/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

/** Reads an ini file the way the agent does (configparser, raw: no % interpolation) and returns it as JSON. */
function readWithConfigparser(text: string): Record<string, Record<string, string>> {
  const script = [
    'import configparser, json, sys',
    'p = configparser.RawConfigParser(strict=True)',
    'p.optionxform = str',
    'p.read_string(sys.stdin.read())',
    'print(json.dumps({s: dict(p.items(s)) for s in p.sections()}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' })) as Record<
    string,
    Record<string, string>
  >;
}

test('render: python configparser reads back exactly the sections and options given', () => {
  const logs = [
    {
      file: '/var/log/messages',
      log_group_name: '/var/log/messages',
      log_stream_name: '{instance_id}',
      datetime_format: '%b %d %H:%M:%S',
      multi_line_start_pattern: '{datetime_format}',
      time_zone: 'LOCAL',
      initial_position: 'start_of_file',
      buffer_duration: 5000,
    },
    {
      section: 'nginx access; (1) = "quoted" #not-a-comment',
      file: '/var/log/nginx/access-[0-9].log',
      log_group_name: 'nginx#access',
      log_stream_name: 'web = {hostname} % {ip_address}',
      datetime_format: '%d/%b/%Y:%H:%M:%S %z',
      multi_line_start_pattern: '^(?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+) - [^\\s]+ \\[',
      encoding: 'latin-1',
      batch_count: '500',
      batch_size: 65536,
      file_fingerprint_lines: '2-4',
    },
  ];
  const host = fakeHost('web1', {
    aws_region: 'ap-northeast-2',
    awslogs_credentials: { source: 'env' },
    awslogs_general: { state_file: '/var/lib/awslogs/agent-state', use_gzip_http_content_encoding: true },
    awslogs_logs: logs,
  });
  const { specs, problems } = validateHosts([host]);
  assert.deepEqual(problems, []);
  const spec = specs.get('web1') as HostSpec;
  const files = renderHostFiles(spec, { ...KEYS, sessionToken: 'Fwo/token+x=' }, DEFAULT_TEMPLATES_DIR);

  assert.deepEqual(readWithConfigparser(files.awslogsConf), {
    general: { state_file: '/var/lib/awslogs/agent-state', use_gzip_http_content_encoding: 'true' },
    '/var/log/messages': {
      file: '/var/log/messages',
      log_group_name: '/var/log/messages',
      log_stream_name: '{instance_id}',
      datetime_format: '%b %d %H:%M:%S',
      time_zone: 'LOCAL',
      initial_position: 'start_of_file',
      buffer_duration: '5000',
      multi_line_start_pattern: '{datetime_format}',
    },
    'nginx access; (1) = "quoted" #not-a-comment': {
      file: '/var/log/nginx/access-[0-9].log',
      log_group_name: 'nginx#access',
      log_stream_name: 'web = {hostname} % {ip_address}',
      datetime_format: '%d/%b/%Y:%H:%M:%S %z',
      encoding: 'latin_1',
      batch_count: '500',
      batch_size: '65536',
      file_fingerprint_lines: '2-4',
      multi_line_start_pattern: '^(?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+) - [^\\s]+ \\[',
    },
  });
  assert.deepEqual(readWithConfigparser(files.awscliConf), {
    plugins: { cwlogs: 'cwlogs' },
    default: {
      region: 'ap-northeast-2',
      aws_access_key_id: KEYS.accessKeyId,
      aws_secret_access_key: KEYS.secretAccessKey,
      aws_session_token: 'Fwo/token+x=',
    },
  });
});

test('render: a templates dir that does not exist is an error, not a silent fall-back', () => {
  assert.throws(
    () => renderHostFiles({ ...FULL, templatesDir: '/nonexistent/templates' }, KEYS, DEFAULT_TEMPLATES_DIR),
    (err: unknown) => err instanceof InputError && /awslogs_templates_dir is not a directory/.test(err.message),
  );
});

// Defence in depth: whatever got past the inventory's checks (a host name, a value a custom template picks),
// the rendering itself writes no control character and no value Python 2.7 reads as empty, comment or not.
test('render: a host name with a newline or an escape is refused in the stock templates, comment line included', () => {
  for (const host of [
    'web1\n[exfil]\nfile = /etc/shadow',
    'web1\r[x]',
    'web1\u001b[2J',
    'web1\u2028x',
    'web1\u0085',
    'a\tb',
  ]) {
    assert.throws(
      () => renderHostFiles({ ...FULL, host }, KEYS, DEFAULT_TEMPLATES_DIR),
      (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        const p = err.problems[0]!;
        assert.match(p.file, /awslogs\.conf\.hbs$/);
        assert.equal(p.line, 1);
        assert.match(p.rule, /"host" holds a control character/);
        assert.ok(!err.message.includes(host), `the raw name is in the message: ${JSON.stringify(err.message)}`);
        return true;
      },
    );
  }
});

test('render: every substitution of a custom template is checked: {{{triple}}}, helpers, #each, a key line', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'awslogs.conf.hbs');
    const hostile = { host: 'x\n[evil]', logs: [{ section: 'a\nb' }], region: '""' };
    for (const [source, expected] of [
      ['# {{{host}}}\n', /"host" holds a control character/],
      ['log_stream_name = {{host}}\n', /"host" holds a control character/],
      ['{{#each logs}}[{{section}}]{{/each}}\n', /"section" holds a control character/],
      ['{{lookup logs.[0] "section"}}\n', /holds a control character/],
      ['{{#with logs.[0]}}{{this.section}}{{/with}}\n', /holds a control character/],
      ['region = {{region}}\n', /"region" is exactly "": Python 2.7's ConfigParser reads it as empty/],
    ] as const) {
      writeFileSync(file, source);
      assert.throws(
        () => renderTemplate(file, hostile),
        (err: unknown) => err instanceof InputError && expected.test(err.message) && err.problems[0]?.file === file,
        source,
      );
    }
    writeFileSync(file, 'quotes and brackets are fine: {{host}} "{{region}}"\n');
    assert.equal(
      renderTemplate(file, { host: '[web1]', region: '"a"' }),
      'quotes and brackets are fine: [web1] ""a""\n',
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});
