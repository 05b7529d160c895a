// The agent's rules, table-driven (test/cases/cloudwatch-agent/config.json): each case is an operator's own JSON
// file, written to disk and validated as cloudwatch_agent_json_file is, so every problem carries the line and
// column of the key it is about in that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCloudWatchAgentHosts } from '../../../../src/agents/cloudwatch-agent/validate.js';
import type { Problem } from '../../../../src/core/errors.js';
import { fakeHost } from '../awslogs/fake-host.js';

interface Expected {
  pointer: string;
  rule: string;
  /** A key whose line and column in the written JSON the problem must carry. */
  at?: string;
  line?: number;
  column?: number;
}
interface Case {
  name: string;
  entry?: Record<string, unknown>;
  entries?: unknown[];
  logs?: Record<string, unknown>;
  agent?: Record<string, unknown>;
  top?: Record<string, unknown>;
  text?: string;
  problems?: Expected[];
  warnings?: Expected[];
}
interface CaseFile {
  base: { config: Record<string, Record<string, unknown>>; entry: Record<string, unknown> };
  cases: Case[];
}

const file = JSON.parse(
  readFileSync(new URL('../../../../../test/cases/cloudwatch-agent/config.json', import.meta.url), 'utf8'),
) as CaseFile;
const dir = mkdtempSync(join(tmpdir(), 'cwagent-cases-'));

/** `/LONG513` stands for a path of 513 characters. */
function expand(v: unknown): unknown {
  if (typeof v === 'string') {
    const m = /^\/LONG(\d+)$/.exec(v);
    return m ? `/${'a'.repeat(Number(m[1]) - 1)}` : v;
  }
  return v;
}

function overlay(base: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = expand(v);
  }
  return out;
}

function configText(c: Case): string {
  if (c.text !== undefined) return c.text;
  const entries = c.entries ?? [overlay(file.base.entry, c.entry)];
  const logs = overlay({ ...file.base.config.logs, logs_collected: { files: { collect_list: entries } } }, c.logs);
  const config = overlay({ agent: overlay(file.base.config.agent!, c.agent), logs }, c.top);
  return JSON.stringify(config, null, 2);
}

/** Line and column (1-based) of the first `"key":` in the text: where the problem about that key must point. */
function keyPosition(text: string, key: string): { line: number; column: number } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(`"${key}":`));
  assert.ok(i >= 0, `"${key}" is not in the case's JSON`);
  return { line: i + 1, column: lines[i]!.indexOf(`"${key}":`) + 1 };
}

function check(actual: Problem[], expected: Expected[], text: string, jsonFile: string, what: string): void {
  const shown = JSON.stringify(actual, null, 2);
  assert.equal(actual.length, expected.length, `${what}: expected ${expected.length}, got ${shown}`);
  for (const e of expected) {
    const found = actual.find((a) => {
      const pointer = (a.path ?? '').replace(/^cloudwatch_agent_json_file:?/, '');
      return pointer === e.pointer && a.rule.includes(e.rule);
    });
    assert.ok(found, `${what}: none at ${e.pointer} with "${e.rule}" in ${shown}`);
    assert.equal(found.file, jsonFile, `${what}: the problem names the JSON file`);
    const want =
      e.at !== undefined
        ? keyPosition(text, e.at)
        : e.line !== undefined
          ? { line: e.line, column: e.column }
          : undefined;
    if (want) assert.deepEqual({ line: found.line, column: found.column }, want, `${what}: position of ${e.pointer}`);
  }
}

file.cases.forEach((c, i) => {
  test(`cloudwatch-agent config: ${c.name}`, () => {
    const text = configText(c);
    const jsonFile = join(dir, `case${i}.json`);
    writeFileSync(jsonFile, text);
    const host = fakeHost('web1', {
      aws_region: 'ap-northeast-2',
      cloudwatch_agent_credentials: { source: 'instance_profile' },
      cloudwatch_agent_json_file: jsonFile,
    });
    const result = validateCloudWatchAgentHosts([host]);
    check(result.problems, c.problems ?? [], text, jsonFile, 'problems');
    check(result.warnings, c.warnings ?? [], text, jsonFile, 'warnings');
    assert.equal(result.specs.size, (c.problems ?? []).length === 0 ? 1 : 0, 'a spec exactly when there is no problem');
  });
});
