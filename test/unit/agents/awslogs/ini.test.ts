import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IniConfig, IniError, parseIni, pyInt, pyRepr } from '../../../../src/agents/awslogs/ini.js';

const parse = (text: string): ReturnType<typeof parseIni> => parseIni(text, 'awslogs.conf');

test('sections in order, "=" and ":" delimiters, values and names stripped, names lower-cased', () => {
  const ini = parse('[general]\nstate_file = /var/lib/awslogs/agent-state\n[b]\n  File :  /var/log/x  \n');
  assert.deepEqual([...ini.sections.keys()], ['general', 'b']);
  assert.equal(ini.sections.get('general')!.get('state_file'), '/var/lib/awslogs/agent-state');
  assert.equal(ini.sections.get('b')!.get('file'), '/var/log/x');
});

test('the first delimiter splits: a value may hold "=" and ":"', () => {
  const ini = parse('[s]\ndatetime_format = %H:%M:%S\nk: a=b\n');
  assert.equal(ini.sections.get('s')!.get('datetime_format'), '%H:%M:%S');
  assert.equal(ini.sections.get('s')!.get('k'), 'a=b');
});

test('full-line # and ; comments are skipped; inline ones stay in the value', () => {
  const ini = parse('# top\n[s]\n; note\n  # indented comment\nk = v ; not a comment\nh = a#b\n');
  assert.equal(ini.sections.get('s')!.get('k'), 'v ; not a comment');
  assert.equal(ini.sections.get('s')!.get('h'), 'a#b');
});

test('indented lines continue a value; blank lines inside are kept, trailing ones dropped', () => {
  const ini = parse('[s]\nk = one\n  two\n\n  three\n\nj = x\n');
  assert.equal(ini.sections.get('s')!.get('k'), 'one\ntwo\n\nthree');
  assert.equal(ini.sections.get('s')!.get('j'), 'x');
});

test('an empty value is allowed; a section header ignores what follows "]"', () => {
  const ini = parse('[s] trailing\nk =\n');
  assert.equal(ini.sections.get('s')!.get('k'), '');
});

test('DEFAULT is no section and gives its options to every section', () => {
  const ini = parse('[DEFAULT]\nbuffer_duration = 7000\n[s]\nfile = f\n');
  assert.deepEqual([...ini.sections.keys()], ['s']);
  const cfg = new IniConfig(ini.sections, ini.defaults);
  assert.equal(cfg.get('s', 'buffer_duration'), '7000');
  assert.equal(cfg.get('s', 'FILE'), 'f');
});

test('no interpolation: % and braces are literal', () => {
  const ini = parse('[s]\nlog_stream_name = {instance_id}\ndatetime_format = %%Y %(x)s\n');
  assert.equal(ini.sections.get('s')!.get('log_stream_name'), '{instance_id}');
  assert.equal(ini.sections.get('s')!.get('datetime_format'), '%%Y %(x)s');
});

test('text before any section header: MissingSectionHeaderError, worded as Python', () => {
  assert.throws(
    () => parse('file = x\n'),
    (e: unknown) =>
      e instanceof IniError &&
      e.message === "File contains no section headers.\nfile: 'awslogs.conf', line: 1\n'file = x\\n'",
  );
});

test('a duplicate section or option is an error (strict)', () => {
  assert.throws(
    () => parse('[a]\nk=1\n[a]\n'),
    (e: unknown) =>
      e instanceof IniError && e.message === "While reading from 'awslogs.conf' [line  3]: section 'a' already exists",
  );
  assert.throws(
    () => parse('[a]\nk=1\nK=2\n'),
    (e: unknown) =>
      e instanceof IniError &&
      e.message === "While reading from 'awslogs.conf' [line  3]: option 'k' in section 'a' already exists",
  );
});

test('lines without a delimiter are collected into one ParsingError', () => {
  assert.throws(
    () => parse('[a]\njunk\nk = v\nmore junk\n'),
    (e: unknown) =>
      e instanceof IniError &&
      e.message ===
        "Source contains parsing errors: 'awslogs.conf'\n\t[line  2]: 'junk\\n'\n\t[line  4]: 'more junk\\n'",
  );
});

test('get: NoSectionError and NoOptionError as Python words them', () => {
  const ini = parse('[a]\nk = v\n');
  const cfg = new IniConfig(ini.sections, ini.defaults);
  assert.throws(() => cfg.get('general', 'state_file'), /^IniError: No section: 'general'$/);
  assert.throws(() => cfg.get('a', 'file'), /^IniError: No option 'file' in section: 'a'$/);
  assert.equal(cfg.find('a', 'file'), undefined);
});

test('CRLF line ends and a last line without newline', () => {
  const ini = parse('[a]\r\nk = v\r\nj = w');
  assert.equal(ini.sections.get('a')!.get('k'), 'v');
  assert.equal(ini.sections.get('a')!.get('j'), 'w');
});

test('pyInt accepts what int() accepts', () => {
  assert.equal(pyInt(' 5000 '), 5000);
  assert.equal(pyInt('+10'), 10);
  assert.equal(pyInt('1_000'), 1000);
  assert.equal(pyInt('5s'), undefined);
  assert.equal(pyInt('5.0'), undefined);
  assert.equal(pyInt(''), undefined);
});

test('pyRepr quotes like Python', () => {
  assert.equal(pyRepr("it's"), '"it\'s"');
  assert.equal(pyRepr('a\tb'), "'a\\tb'");
});
