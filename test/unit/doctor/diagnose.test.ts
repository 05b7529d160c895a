// From the pieces to named faults: which explanation wins for skipped events, and remedies that depend on
// the inventory (credentials source).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, type DiagnosisInput } from '../../../src/agents/awslogs/doctor/diagnose.js';
import type { HostSpec } from '../../../src/agents/awslogs/spec.js';
import type { HostFacts } from '../../../src/core/types.js';
import type { LogFault } from '../../../src/agents/awslogs/doctor/agent-log.js';
import type { StreamView } from '../../../src/agents/awslogs/doctor/state-view.js';

const NOW = Date.UTC(2026, 10, 25, 10);
const facts = {
  package: { installed: true, version: '1.1.4' },
  service: { active: true, enabled: true },
  clockMs: NOW,
} as unknown as HostFacts;
const spec = (source: 'instance_profile' | 'keys'): HostSpec =>
  ({ region: 'ap-northeast-2', credentials: { source }, logs: [] }) as unknown as HostSpec;
const future = (atMs: number, timestampMs: number): LogFault => ({
  fault: 'future',
  what: 'events skipped',
  count: 1,
  current: true,
  sample: 'Skip event …',
  lastMs: atMs,
  skipped: [{ timestampMs, start: 0, end: 10, atMs }],
});
const input = (over: Partial<DiagnosisInput>): DiagnosisInput => ({
  spec: spec('keys'),
  facts,
  logFaults: [],
  streams: [],
  preflight: [],
  ...over,
});
const names = (i: DiagnosisInput): string[] => diagnose(i).map((f) => f.fault);

test('a stale row explains the skips: stale-state only, repairable by doctor --fix', () => {
  const stale: StreamView = { log: 'app', stale: true, notes: ['stale'], push: { source_id: 'x' } as never };
  const faults = diagnose(input({ streams: [stale], logFaults: [future(NOW, NOW)] }));
  assert.deepEqual(
    faults.map((f) => [f.fault, f.repair]),
    [['stale-state', 'repair-state']],
  );
});

test("skips of events ahead of the agent's own clock, with no state or preflight finding: lines-ahead", () => {
  assert.deepEqual(names(input({ logFaults: [future(NOW, NOW + 3 * 3_600_000)] })), ['lines-ahead']);
});

test('preflight findings become faults: clock, future lines, format, rotation', () => {
  const preflight = [
    { check: 'clock', level: 'error' as const, message: '3 h behind' },
    { check: 'future', log: 'app', level: 'error' as const, message: 'ahead' },
    { check: 'datetime_format', log: 'app', level: 'warning' as const, message: '50%' },
    { check: 'fingerprint', log: 'app', level: 'warning' as const, message: 'same' },
    { check: 'file', log: 'app', level: 'ok' as const, message: 'reads' },
  ];
  assert.deepEqual(names(input({ preflight, logFaults: [future(NOW, NOW + 3 * 3_600_000)] })), [
    'clock-skew',
    'lines-ahead',
    'datetime-format',
    'rotation-undetected',
  ]);
});

test('missing credentials: the remedy follows the inventory; keys are re-applied by provision apply', () => {
  const missing: LogFault = { fault: 'credentials-missing', what: 'x', count: 2, current: true, sample: 's' };
  const [profile] = diagnose(input({ spec: spec('instance_profile'), logFaults: [missing] }));
  assert.match(profile!.remedy, /instance profile/);
  assert.equal(profile!.repair, undefined);
  const [keys] = diagnose(input({ logFaults: [missing] }));
  assert.equal(keys!.repair, 'apply');
});

test('an agent not installed is one fault; a stopped, disabled one two; history is a warning', () => {
  assert.deepEqual(names(input({ facts: { ...facts, package: { installed: false } } })), ['not-installed']);
  const down = { ...facts, service: { active: false, enabled: false } };
  assert.deepEqual(names(input({ facts: down })), ['agent-stopped', 'agent-disabled']);
  const old: LogFault = { fault: 'throttling', what: 'x', count: 1, current: false, sample: 's' };
  assert.equal(diagnose(input({ logFaults: [old] }))[0]?.severity, 'warning');
});
