// The agent's timestamp semantics (plugins/inputs/logfile timestampFromLogLine), as preflight and the lab's
// stand-in use them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimestampParser, type TimestampOptions } from '../../../../src/agents/cloudwatch-agent/timestamp.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0); // 2026-11-25 12:00:00 UTC
const UTC: TimestampOptions = { timezone: 'UTC', nowMs: NOW };
const SEOUL: TimestampOptions = { nowMs: NOW, localOffsetMinutes: () => 540, localZoneName: 'KST' };

function ms(format: string, line: string, o: TimestampOptions = UTC): number | string {
  const r = new TimestampParser(format).parse(line, o);
  return r.kind === 'ok' ? r.ms : r.kind;
}

test('the pattern is searched anywhere in the line and the first match wins', () => {
  const p = new TimestampParser('%Y-%m-%d %H:%M:%S');
  const r = p.parse('[worker 3] 2026-11-24 10:00:00 retried from 2026-11-20 09:00:00', UTC);
  assert.equal(r.kind, 'ok');
  assert.equal(r.kind === 'ok' && r.ms, Date.UTC(2026, 10, 24, 10));
  assert.equal(r.kind === 'ok' && r.index, 11);
  assert.equal(ms('%Y-%m-%d %H:%M:%S', 'no time here'), 'none');
});

test('%f keeps 1–9 digits as milliseconds', () => {
  const f = '%Y-%m-%d %H:%M:%S.%f';
  assert.equal(ms(f, '2026-11-24 10:00:00.5 x'), Date.UTC(2026, 10, 24, 10, 0, 0, 500));
  assert.equal(ms(f, '2026-11-24 10:00:00.123456789 x'), Date.UTC(2026, 10, 24, 10, 0, 0, 123));
  assert.equal(ms('%Y-%m-%d %H:%M:%S,%f', '2026-11-24 10:00:00,07 x'), Date.UTC(2026, 10, 24, 10, 0, 0, 70));
});

test('no year: the current year, or the previous one when that is more than 30 days ahead', () => {
  assert.equal(ms('%b %d %H:%M:%S', 'Nov 20 08:00:00 host x'), Date.UTC(2026, 10, 20, 8));
  assert.equal(ms('%b %d %H:%M:%S', 'Dec 20 08:00:00 host x'), Date.UTC(2026, 11, 20, 8)); // 25 days ahead: this year
  const january = { ...UTC, nowMs: Date.UTC(2027, 0, 2) };
  assert.equal(ms('%b %d %H:%M:%S', 'Dec 31 23:59:00 host x', january), Date.UTC(2026, 11, 31, 23, 59));
});

test('%B matches only seven-letter month names (the upstream bug)', () => {
  assert.equal(ms('%B %d %Y %H:%M', 'October 02 2026 10:00 x'), Date.UTC(2026, 9, 2, 10));
  assert.equal(ms('%B %d %Y %H:%M', 'January 02 2026 10:00 x'), Date.UTC(2026, 0, 2, 10));
  assert.equal(ms('%B %d %Y %H:%M', 'March 02 2026 10:00 x'), 'none');
  // \w{7} finds "ptember" inside "September", which Go's layout then refuses: the agent logs a parse error.
  assert.equal(ms('%B %d %Y %H:%M', 'September 02 2026 10:00 x'), 'invalid');
});

test('zones: %z ±hhmm only, local by default, UTC when asked, %Z of three letters', () => {
  const f = '%Y-%m-%dT%H:%M:%S%z';
  assert.equal(ms(f, '2026-11-24T10:00:00+0900 x'), Date.UTC(2026, 10, 24, 1));
  assert.equal(ms(f, '2026-11-24T10:00:00+09:00 x'), 'none');
  assert.equal(ms('%Y-%m-%d %H:%M:%S', '2026-11-24 10:00:00', SEOUL), Date.UTC(2026, 10, 24, 1));
  assert.equal(ms('%Y-%m-%d %H:%M:%S %Z', '2026-11-24 10:00:00 KST', SEOUL), Date.UTC(2026, 10, 24, 1));
  // A three-letter zone that is not the host's own is a made-up zone at +0000 (Go's rule).
  assert.equal(ms('%Y-%m-%d %H:%M:%S %Z', '2026-11-24 10:00:00 PST', SEOUL), Date.UTC(2026, 10, 24, 10));
  assert.equal(
    ms('%Y-%m-%d %H:%M:%S %Z', '2026-11-24 10:00:00 CEST', SEOUL),
    Date.UTC(2026, 10, 24, 10),
    'CES of CEST',
  );
});

test('12-hour clock, day names, %-d, and what Go refuses', () => {
  assert.equal(ms('%a %b %-d %I:%M:%S %p %Y', 'Tue Nov 3 01:05:00 PM 2026'), Date.UTC(2026, 10, 3, 13, 5));
  assert.equal(ms('%a %b %-d %I:%M:%S %p %Y', 'Tue Nov 3 12:05:00 AM 2026'), Date.UTC(2026, 10, 3, 0, 5));
  assert.equal(ms('%Y-%m-%d %H:%M:%S', '2026-13-01 10:00:00'), 'invalid');
  assert.equal(ms('%Y-%m-%d %H:%M:%S', '2026-02-30 10:00:00'), 'invalid');
  assert.equal(ms('%b %d %H:%M:%S', 'Foo 01 10:00:00'), 'invalid');
});

test("a run of spaces after a literal space: Go's layout parsing skips it (syslog's space-padded day)", () => {
  // Layout "Jan 2 15:04:05": Go's skip() treats the value's "  " as the layout's " ".
  assert.equal(ms('%b %-d %H:%M:%S', 'Nov  3 10:00:00 host x'), Date.UTC(2026, 10, 3, 10));
  assert.equal(ms('%b %-d %H:%M:%S', 'Nov 13 10:00:00 host x'), Date.UTC(2026, 10, 13, 10));
  // Two digits only for %d; and no space skipped where the layout has none before the field.
  assert.equal(ms('%b %d %H:%M:%S', 'Nov  3 10:00:00 host x'), 'none');
  assert.equal(ms('%Y/%-m/%-d', '2026/ 3/ 4 x'), 'invalid');
});

test('a format the agent refuses does not compile', () => {
  assert.throws(() => new TimestampParser('%Y %j'), /%j/);
});
