// The worker thread of pattern-workers.ts: runs the checks that evaluate patterns on a host's data
// (preflight's per-section checks, the agent log's classification), so that a pattern that backtracks
// holds this thread, which can be terminated, and never the run's own.
import { parentPort } from 'node:worker_threads';
import { classifyAgentLog } from '../doctor/agent-log.js';
import { hostLocalTime } from '../doctor/local-time.js';
import { sectionPreflight } from '../doctor/preflight.js';
import type { PatternTask } from './pattern-workers.js';

function run(task: PatternTask): unknown {
  switch (task.kind) {
    case 'section':
      return sectionPreflight(task.spec, task.facts, 0);
    case 'agent-log':
      return classifyAgentLog(task.text, hostLocalTime(task.facts).local, task.truncated);
  }
}

parentPort?.on('message', (message: { id: number; task: PatternTask }) => {
  try {
    parentPort!.postMessage({ id: message.id, ok: true, result: run(message.task) });
  } catch (err) {
    parentPort!.postMessage({ id: message.id, ok: false, error: (err as Error).message ?? String(err) });
  }
});
