import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat, FormatError } from '../../../../src/agents/awslogs/strptime.js';
import { DateTimeParser } from '../../../../src/lab/agent/datetime-parser.js';

function fields(format: string, text: string): ReturnType<ReturnType<typeof compileFormat>['fields']> {
  const c = compileFormat(format);
  const m = c.regex.exec(text);
  assert.ok(m?.groups, `${format} should match ${text}`);
  return c.fields(m.groups);
}

const utc = (format: string, now?: Date): DateTimeParser =>
  new DateTimeParser(format, 'UTC', now ? () => now : undefined);

test('%Y %m %d %H %M %S', () => {
  const f = fields('%Y-%m-%d %H:%M:%S', '2020-11-05 10:00:00');
  assert.deepEqual([f.year, f.month, f.day, f.hour, f.minute, f.second], [2020, 11, 5, 10, 0, 0]);
});

test('%y: 00-68 → 20xx, 69-99 → 19xx', () => {
  assert.equal(fields('%y', '68').year, 2068);
  assert.equal(fields('%y', '69').year, 1969);
});

test('%b %B month names, any case; %a %A weekday names accepted', () => {
  assert.equal(fields('%b %d', 'NOV 05').month, 11);
  assert.equal(fields('%B %d', 'september 1').month, 9);
  assert.equal(fields('%a %b %d', 'Thu Nov 05').month, 11);
  assert.equal(fields('%A, %B %d %Y', 'Thursday, November 05 2020').day, 5);
});

test('%d accepts a space-padded day (syslog "Nov  5")', () => {
  assert.equal(fields('%b %d %H:%M:%S', 'Nov  5 10:00:00').day, 5);
});

test('%I with %p: 12 AM is 0, 12 PM is 12, 1 PM is 13; %I alone is AM', () => {
  assert.equal(fields('%I %p', '12 AM').hour, 0);
  assert.equal(fields('%I %p', '12 pm').hour, 12);
  assert.equal(fields('%I %p', '01 PM').hour, 13);
  assert.equal(fields('%I', '07').hour, 7);
});

test('%f takes 1 to 6 digits: milliseconds become microseconds', () => {
  assert.equal(fields('%S.%f', '01.123').microsecond, 123000);
  assert.equal(fields('%S.%f', '01.123456').microsecond, 123456);
  assert.equal(fields('%S.%f', '01.5').microsecond, 500000);
});

test('%j day of year sets month and day', () => {
  const f = fields('%Y %j', '2020 060');
  assert.deepEqual([f.month, f.day], [2, 29]);
});

test('%U and %W with a weekday give the date', () => {
  // 2020: Jan 1 is a Wednesday. Week 1 (Monday first) starts Mon Jan 6.
  const w = fields('%Y %W %w', '2020 01 1');
  assert.deepEqual([w.month, w.day], [1, 6]);
  // Week 1 (Sunday first) starts Sun Jan 5.
  const u = fields('%Y %U %w', '2020 01 0');
  assert.deepEqual([u.month, u.day], [1, 5]);
});

test('%c %x %X in the C locale; %% is a literal percent', () => {
  const c = fields('%c', 'Thu Nov  5 10:00:00 2020');
  assert.deepEqual([c.year, c.month, c.day, c.hour], [2020, 11, 5, 10]);
  const x = fields('%x %X', '11/05/20 10:11:12');
  assert.deepEqual([x.year, x.month, x.day, x.second], [2020, 11, 5, 12]);
  assert.equal(fields('100%% %H', '100% 07').hour, 7);
});

test('%z is [+-]HHMM; %Z accepts UTC/GMT', () => {
  assert.equal(fields('%H:%M %z', '10:00 +0900').offsetMinutes, 540);
  assert.equal(fields('%H:%M %z', '10:00 -0130').offsetMinutes, -90);
  assert.equal(compileFormat('%H %z').regex.test('10 +09:00'), false);
  assert.equal(fields('%H %Z', '10 GMT').hour, 10);
});

test('blanks in the format match any run of blanks; regex characters are literal', () => {
  assert.ok(compileFormat('[%d/%b/%Y:%H:%M:%S]').regex.test('[05/Nov/2020:10:00:00]'));
  assert.ok(compileFormat('%H %M').regex.test('10 \t 11'));
  assert.equal(compileFormat('%H.%M').regex.test('10x11'), false);
});

test('invalid formats: unknown directive, stray %, a directive twice', () => {
  assert.throws(() => compileFormat('%Q'), FormatError);
  assert.throws(() => compileFormat('%H%'), FormatError);
  assert.throws(() => compileFormat('%H %H'), FormatError);
});

test('impossible dates throw (Python ValueError)', () => {
  assert.throws(() => fields('%Y-%m-%d', '2021-02-29'), FormatError);
  assert.throws(() => fields('%M:%S', '10:61'), FormatError);
});

test('a year-less format is checked in 1900: Feb 29 fails even in a leap year', () => {
  const p = utc('%b %d %H:%M:%S', new Date(Date.UTC(2024, 2, 10)));
  assert.throws(() => p.parse('Feb 29 10:00:00 host x'));
});

test('a year-less format takes this year, or last year for a later month', () => {
  const now = new Date(Date.UTC(2020, 10, 5, 12));
  const p = utc('%b %d %H:%M:%S', now);
  assert.equal(p.parse('Nov  5 10:00:00 host sshd'), Date.UTC(2020, 10, 5, 10));
  assert.equal(p.parse('Dec 31 23:59:59 host sshd'), Date.UTC(2019, 11, 31, 23, 59, 59));
});

test('the timestamp is found anywhere in the line; no match → undefined', () => {
  const p = utc('%Y-%m-%d %H:%M:%S');
  assert.equal(p.parse('[INFO] at 2020-11-05 10:00:00 started'), Date.UTC(2020, 10, 5, 10));
  assert.equal(p.parse('no time here'), undefined);
});

test('%z wins over time_zone; UTC and LOCAL (process TZ) otherwise', () => {
  assert.equal(utc('%Y-%m-%d %H:%M:%S %z').parse('2020-11-05 19:00:00 +0900'), Date.UTC(2020, 10, 5, 10));
  const local = new DateTimeParser('%Y-%m-%d %H:%M:%S', 'LOCAL');
  assert.equal(local.parse('2020-11-05 10:00:00'), new Date(2020, 10, 5, 10).getTime());
  assert.equal(utc('%Y-%m-%d %H:%M:%S.%f').parse('2020-11-05 10:00:00.250'), Date.UTC(2020, 10, 5, 10, 0, 0, 250));
});
