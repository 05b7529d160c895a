// Table-driven preflight cases: each test/cases/doctor/preflight/*.json is a host's log sections, the tails
// and first lines the probe would return, the host's and the tool's clocks, and the checks expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preflight, type PreflightCheck } from '../../../src/agents/awslogs/doctor/preflight.js';
import type { HostSpec, LogSection } from '../../../src/agents/awslogs/spec.js';
import type { HostFacts, LogSectionFacts } from '../../../src/core/types.js';
import { loadCases } from './cases.js';

interface CaseFile {
  path: string;
  role: 'match' | 'rotated';
  text: string;
  head?: string | null;
  size?: number | null;
  compressed: boolean;
  kind: 'file' | 'directory' | 'other';
  readable: boolean;
}
interface Case {
  name: string;
  hostNow: string;
  toolNow: string;
  utcOffsetMinutes: number;
  timeZoneName: string;
  /** The IANA zone the probe found, when it found one. */
  timeZoneId?: string;
  /** The Python the host's agent runs on, when the probe found its code. */
  agentPython?: string;
  logs: LogSection[];
  files: CaseFile[][];
  expect: { check: string; log?: string; level: string; message?: string; sample?: string }[];
}

function run(c: Case): PreflightCheck[] {
  const spec = { host: 'h', region: 'ap-northeast-2', logs: c.logs } as unknown as HostSpec;
  const logs: LogSectionFacts[] = c.files.map((files, i) => {
    const section: LogSectionFacts = {
      pattern: c.logs[i]!.file,
      files: files.map((f) => ({
        path: f.path,
        role: f.role,
        readable: f.readable,
        kind: f.kind,
        mtimeMs: 0,
        size: f.size ?? Buffer.byteLength(f.text),
        compressed: f.compressed,
        ...(f.head ? { head: f.head } : {}),
      })),
    };
    const newest = files.find((f) => f.role === 'match' && !f.compressed);
    if (newest)
      section.tail = {
        path: newest.path,
        text: newest.text,
        truncated: (newest.size ?? 0) > Buffer.byteLength(newest.text),
      };
    return section;
  });
  const facts = {
    clockMs: Date.parse(c.hostNow),
    utcOffsetMinutes: c.utcOffsetMinutes,
    timeZoneName: c.timeZoneName,
    ...(c.timeZoneId ? { timeZoneId: c.timeZoneId } : {}),
    ...(c.agentPython
      ? { agentPython: { version: c.agentPython, path: `/usr/lib/python${c.agentPython}/site-packages/cwlogs` } }
      : {}),
    logs,
  } as unknown as HostFacts;
  return preflight(spec, facts, { midpointMs: Date.parse(c.toolNow), roundTripMs: 100 });
}

const cases = loadCases<Case>('preflight');
test('there are preflight cases', () => assert.ok(cases.length >= 10));
for (const [file, c] of cases) {
  test(`preflight ${file}: ${c.name}`, () => {
    const checks = run(c);
    for (const e of c.expect) {
      const found = checks.filter((k) => k.check === e.check && k.log === e.log);
      if (e.level === 'absent') {
        assert.deepEqual(found, [], `${e.check} should not be reported`);
        continue;
      }
      assert.equal(found.length, 1, `one ${e.check} check for ${e.log ?? 'the host'}: ${JSON.stringify(checks)}`);
      const k = found[0]!;
      assert.equal(k.level, e.level, JSON.stringify(k));
      if (e.message) assert.match(k.message, new RegExp(e.message));
      if (e.sample) assert.match(k.sample ?? '', new RegExp(e.sample));
    }
  });
}
