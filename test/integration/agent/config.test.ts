// An unusable config stops the lab agent at once: non-zero exit, the reason in its log and on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_MAIN, agentLog, makeHost } from './harness.js';

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [AGENT_MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => ok({ code, stderr }));
  });
}

test('no [general] section: exit 255, "No section: \'general\'" logged', async () => {
  const host = makeHost('http://127.0.0.1:9');
  writeFileSync(join(host.dir, 'awslogs.conf'), '[app]\nfile = /x\nlog_group_name = g\nlog_stream_name = s\n');
  const { code, stderr } = await run(host.args);
  assert.equal(code, 255);
  assert.match(agentLog(host), / - cwlogs\.push - ERROR - \d+ - MainThread - No section: 'general'\n/);
  assert.match(stderr, /No section: 'general'/);
});

test('a line outside any section: the parser error is logged', async () => {
  const host = makeHost('http://127.0.0.1:9');
  writeFileSync(join(host.dir, 'awslogs.conf'), 'file = /x\n[general]\n');
  const { code } = await run(host.args);
  assert.notEqual(code, 0);
  assert.match(agentLog(host), /ERROR - \d+ - MainThread - File contains no section headers\./);
});

test('no region anywhere: exit 255, "You must specify a region."', async () => {
  const host = makeHost('http://127.0.0.1:9');
  writeFileSync(join(host.dir, 'awscli.conf'), '[plugins]\ncwlogs = cwlogs\n');
  const { code } = await run(host.args);
  assert.equal(code, 255);
  assert.match(agentLog(host), /You must specify a region\./);
});
