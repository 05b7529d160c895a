// Table-driven cases of the agent log classifier: test/cases/doctor/agent-log/*.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAgentLog, parseAgentLogLine } from '../../../src/agents/awslogs/doctor/agent-log.js';
import { loadCases } from './cases.js';

interface Case {
  name: string;
  utcOffsetMinutes: number;
  truncated: boolean;
  lines: string[];
  expect: Record<string, unknown>[];
}

const cases = loadCases<Case>('agent-log');
test('there are agent log cases', () => assert.ok(cases.length >= 8));
for (const [file, c] of cases) {
  test(`agent log ${file}: ${c.name}`, () => {
    const faults = classifyAgentLog(c.lines.join('\n') + '\n', c.utcOffsetMinutes, c.truncated);
    assert.deepEqual(faults.map((f) => f.fault).sort(), c.expect.map((e) => e.fault).sort());
    for (const e of c.expect) {
      const f = faults.find((x) => x.fault === e.fault)!;
      for (const [k, v] of Object.entries(e)) assert.deepEqual((f as unknown as Record<string, unknown>)[k], v, k);
    }
  });
}

test("asctime is read in the host's zone", () => {
  const kst = parseAgentLogLine('2026-11-25 19:00:00,000 - cwlogs.push - INFO - 1 - MainThread - x', 540);
  assert.equal(kst.atMs, Date.UTC(2026, 10, 25, 10));
  assert.equal(parseAgentLogLine('garbage', 0).atMs, undefined);
});
