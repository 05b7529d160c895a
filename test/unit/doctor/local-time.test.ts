// The host's local time with its zone's DST rules (Intl), table-driven: wall-clock times on both sides of
// a change, in the repeated hour (read as the earlier instant) and in the skipped hour (moved forward by
// the gap); agreement with JavaScript's Date (which the lab agent uses) on every 5 minutes of each change
// day, in any order; and when the probe-time offset stands in for an unknown zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedOffset, hostLocalTime, zoneRules } from '../../../src/doctor/local-time.js';
import { toEpochMs } from '../../../src/lab/agent/datetime-parser.js';
import { parseAgentLogLine } from '../../../src/agents/awslogs/doctor/agent-log.js';
import { zoneFromProbe } from '../../../src/facts/time-zone.js';

/** A wall-clock time as the epoch ms it would be in UTC. */
const wall = (text: string): number => Date.parse(text.replace(' ', 'T') + 'Z');

const CONVERSIONS: { zone: string; wall: string; utc: string; why: string }[] = [
  // Europe/Berlin 2026: CET → CEST on 29 March at 01:00Z (02:00 → 03:00); back on 25 October at 01:00Z (03:00 → 02:00).
  { zone: 'Europe/Berlin', wall: '2026-01-15 12:00:00', utc: '2026-01-15T11:00:00Z', why: 'winter, CET' },
  { zone: 'Europe/Berlin', wall: '2026-07-01 12:00:00', utc: '2026-07-01T10:00:00Z', why: 'summer, CEST' },
  {
    zone: 'Europe/Berlin',
    wall: '2026-03-29 01:59:59',
    utc: '2026-03-29T00:59:59Z',
    why: 'the last second before spring',
  },
  {
    zone: 'Europe/Berlin',
    wall: '2026-03-29 02:00:00',
    utc: '2026-03-29T01:00:00Z',
    why: 'skipped: read as 03:00 CEST',
  },
  {
    zone: 'Europe/Berlin',
    wall: '2026-03-29 02:30:00',
    utc: '2026-03-29T01:30:00Z',
    why: 'skipped: read as 03:30 CEST',
  },
  { zone: 'Europe/Berlin', wall: '2026-03-29 03:00:00', utc: '2026-03-29T01:00:00Z', why: 'the first CEST time' },
  { zone: 'Europe/Berlin', wall: '2026-03-29 03:30:00', utc: '2026-03-29T01:30:00Z', why: 'CEST after the gap' },
  { zone: 'Europe/Berlin', wall: '2026-10-25 01:59:59', utc: '2026-10-24T23:59:59Z', why: 'CEST before autumn' },
  {
    zone: 'Europe/Berlin',
    wall: '2026-10-25 02:00:00',
    utc: '2026-10-25T00:00:00Z',
    why: 'repeated: the earlier (CEST)',
  },
  {
    zone: 'Europe/Berlin',
    wall: '2026-10-25 02:30:00',
    utc: '2026-10-25T00:30:00Z',
    why: 'repeated: the earlier (CEST)',
  },
  {
    zone: 'Europe/Berlin',
    wall: '2026-10-25 02:59:59',
    utc: '2026-10-25T00:59:59Z',
    why: 'repeated: the earlier (CEST)',
  },
  {
    zone: 'Europe/Berlin',
    wall: '2026-10-25 03:00:00',
    utc: '2026-10-25T02:00:00Z',
    why: 'the first unambiguous CET time',
  },
  // America/New_York 2026: EST → EDT on 8 March at 07:00Z (02:00 → 03:00); back on 1 November at 06:00Z (02:00 → 01:00).
  { zone: 'America/New_York', wall: '2026-03-08 01:59:59', utc: '2026-03-08T06:59:59Z', why: 'EST before spring' },
  {
    zone: 'America/New_York',
    wall: '2026-03-08 02:30:00',
    utc: '2026-03-08T07:30:00Z',
    why: 'skipped: read as 03:30 EDT',
  },
  { zone: 'America/New_York', wall: '2026-03-08 03:00:00', utc: '2026-03-08T07:00:00Z', why: 'the first EDT time' },
  { zone: 'America/New_York', wall: '2026-11-01 00:59:59', utc: '2026-11-01T04:59:59Z', why: 'EDT before autumn' },
  {
    zone: 'America/New_York',
    wall: '2026-11-01 01:30:00',
    utc: '2026-11-01T05:30:00Z',
    why: 'repeated: the earlier (EDT)',
  },
  {
    zone: 'America/New_York',
    wall: '2026-11-01 02:00:00',
    utc: '2026-11-01T07:00:00Z',
    why: 'EST after the repeated hour',
  },
  // Australia/Lord_Howe: a half-hour change (+11 → +10:30 on 5 April 2026 at 02:00 → 01:30).
  {
    zone: 'Australia/Lord_Howe',
    wall: '2026-04-05 01:45:00',
    utc: '2026-04-04T14:45:00Z',
    why: 'repeated half hour: the earlier',
  },
  {
    zone: 'Australia/Lord_Howe',
    wall: '2026-04-05 02:15:00',
    utc: '2026-04-04T15:45:00Z',
    why: 'after the change, +10:30',
  },
  // No DST at all.
  { zone: 'Asia/Seoul', wall: '2026-11-25 18:59:00', utc: '2026-11-25T09:59:00Z', why: 'KST, +9 all year' },
  { zone: 'Etc/UTC', wall: '2026-03-29 02:30:00', utc: '2026-03-29T02:30:00Z', why: 'UTC' },
];

for (const c of CONVERSIONS) {
  test(`zone rules: ${c.zone} ${c.wall} → ${c.utc} (${c.why})`, () => {
    const rules = zoneRules(c.zone)!;
    assert.equal(new Date(rules.toEpochMs(wall(c.wall))).toISOString().replace('.000', ''), c.utc);
  });
}

test('zone rules: the same answers whatever order the times come in (the per-hour cache is sound)', () => {
  const zone = 'Europe/Berlin';
  const times = CONVERSIONS.filter((c) => c.zone === zone);
  const fresh = times.map((c) => zoneRules(zone)!.toEpochMs(wall(c.wall)));
  const shared = zoneRules(zone)!;
  for (const order of [times, [...times].reverse()]) {
    for (const c of order) assert.equal(shared.toEpochMs(wall(c.wall)), fresh[times.indexOf(c)], c.wall);
  }
});

test("zone rules agree with JavaScript's Date (the lab agent's LOCAL) every 5 minutes of each change day", () => {
  const saved = process.env.TZ;
  try {
    for (const [zone, days] of [
      ['Europe/Berlin', ['2026-03-29', '2026-10-25']],
      ['America/New_York', ['2026-03-08', '2026-11-01']],
    ] as const) {
      process.env.TZ = zone;
      const rules = zoneRules(zone)!;
      const walls: number[] = [];
      for (const day of days) for (let m = 0; m < 24 * 60; m += 5) walls.push(wall(`${day} 00:00:00`) + m * 60_000);
      // Shuffled (deterministically), so that the cache is filled out of order.
      walls.sort((a, b) => ((a * 7919) % 1009) - ((b * 7919) % 1009));
      for (const w of walls) {
        const d = new Date(w);
        const fields = {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: 0,
          microsecond: 0,
          hasYear: true,
        };
        assert.equal(rules.toEpochMs(w), toEpochMs(fields, 'LOCAL'), `${zone} ${d.toISOString()}`);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('zone rules: offsets at instants, and unknown zones', () => {
  const berlin = zoneRules('Europe/Berlin')!;
  assert.equal(berlin.offsetAt(Date.parse('2026-10-25T00:59:59Z')), 120);
  assert.equal(berlin.offsetAt(Date.parse('2026-10-25T01:00:00Z')), 60);
  assert.equal(zoneRules('Asia/Kolkata')!.offsetAt(Date.parse('2026-06-01T00:00:00Z')), 330);
  assert.equal(zoneRules('Mars/Olympus_Mons'), undefined);
  assert.equal(fixedOffset(540).toEpochMs(wall('2026-11-25 19:00:00')), Date.parse('2026-11-25T10:00:00Z'));
});

const HOSTS: {
  name: string;
  facts: { clockMs: number; utcOffsetMinutes?: number; timeZoneName?: string; timeZoneId?: string };
  zone?: string;
  fallback?: RegExp;
}[] = [
  {
    name: 'a named zone that agrees with the offset: its rules',
    facts: { clockMs: Date.parse('2026-11-25T12:00:00Z'), utcOffsetMinutes: 60, timeZoneId: 'Europe/Berlin' },
    zone: 'Europe/Berlin',
  },
  {
    name: 'no zone named, abbreviation UTC at offset 0: UTC, no warning',
    facts: { clockMs: Date.parse('2026-11-25T12:00:00Z'), utcOffsetMinutes: 0, timeZoneName: 'UTC' },
  },
  {
    name: 'no zone named, CET: the probe-time offset, with the reason',
    facts: { clockMs: Date.parse('2026-11-25T12:00:00Z'), utcOffsetMinutes: 60, timeZoneName: 'CET' },
    fallback: /zone is unknown/,
  },
  {
    name: 'a zone ICU does not know',
    facts: { clockMs: Date.parse('2026-11-25T12:00:00Z'), utcOffsetMinutes: 0, timeZoneId: 'Mars/Olympus_Mons' },
    fallback: /Mars\/Olympus_Mons is unknown/,
  },
  {
    name: 'a zone whose offset disagrees with the host clock (TZ set, or a stale ZONE=)',
    facts: { clockMs: Date.parse('2026-11-25T12:00:00Z'), utcOffsetMinutes: 0, timeZoneId: 'Asia/Seoul' },
    fallback: /Asia\/Seoul, whose offset now is \+540 min, but its clock says \+0 min/,
  },
];

for (const h of HOSTS) {
  test(`host local time: ${h.name}`, () => {
    const { local, fallback } = hostLocalTime(h.facts);
    assert.equal(local.zone, h.zone);
    if (h.fallback) assert.match(fallback ?? '', h.fallback);
    else assert.equal(fallback, undefined);
    if (!h.zone) assert.equal(local.offsetAt(0), h.facts.utcOffsetMinutes);
  });
}

test("the agent's own log lines are read with the zone's rules: before and after a change", () => {
  const berlin = zoneRules('Europe/Berlin')!;
  const line = (t: string) => `${t},000 - cwlogs.push - INFO - 1 - MainThread - x`;
  assert.equal(parseAgentLogLine(line('2026-10-24 12:00:00'), berlin).atMs, Date.parse('2026-10-24T10:00:00Z'));
  assert.equal(parseAgentLogLine(line('2026-10-26 12:00:00'), berlin).atMs, Date.parse('2026-10-26T11:00:00Z'));
});

const LINKS: [string, string | undefined][] = [
  ['/usr/share/zoneinfo/Europe/Berlin', 'Europe/Berlin'],
  ['../usr/share/zoneinfo/Asia/Seoul', 'Asia/Seoul'],
  ['/usr/share/zoneinfo/posix/America/New_York', 'America/New_York'],
  ['/usr/share/zoneinfo/right/Europe/Paris', 'Europe/Paris'],
  ['/usr/share/zoneinfo/Etc/GMT+5', 'Etc/GMT+5'],
  ['/usr/share/zoneinfo/UTC', 'UTC'],
  ['"America/Los_Angeles"', 'America/Los_Angeles'],
  ['Asia/Tokyo', 'Asia/Tokyo'],
  ['', undefined],
  ['/etc/alternatives/localtime', undefined],
  ['/usr/share/zoneinfo/../../../etc/passwd', undefined],
  ['/usr/share/zoneinfo/localtime', undefined],
  ['Europe/Berlin; rm -rf /', undefined],
];

for (const [raw, zone] of LINKS) {
  test(`the probe's zone record ${JSON.stringify(raw)} → ${zone ?? 'none'}`, () => {
    assert.equal(zoneFromProbe(raw), zone);
  });
}
