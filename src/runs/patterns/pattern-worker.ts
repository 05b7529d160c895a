// The worker thread of pattern-workers.ts: runs the checks that evaluate patterns on a host's data (an agent's
// per-log preflight checks, its log's classification), so that a pattern that backtracks holds this thread,
// which can be terminated, and never the run's own. The agent's plug-in loads here once.
import { parentPort } from 'node:worker_threads';
import { loadAgent } from '../../agents/catalog.js';
import type { PatternTask } from './pattern-workers.js';
import type { LogAgentName } from '../../core/agent-plugin.js';

async function run(task: PatternTask): Promise<unknown> {
  const agent = await loadAgent(task.agent);
  switch (task.kind) {
    case 'log':
      return agent.preflight.logChecks(task.spec, task.facts, task.index);
    case 'agent-log':
      return agent.doctor.classifyLog(task.text, task.truncated, task.facts);
  }
}

parentPort?.on('message', (message: { id: number; task: PatternTask } | { preload: LogAgentName[] }) => {
  // Loaded while the hosts connect, so that a task's deadline is not spent loading its agent.
  if ('preload' in message) {
    for (const name of message.preload) void loadAgent(name).catch(() => undefined);
    return;
  }
  run(message.task).then(
    (result) => parentPort!.postMessage({ id: message.id, ok: true, result }),
    (err: unknown) =>
      parentPort!.postMessage({ id: message.id, ok: false, error: (err as Error).message ?? String(err) }),
  );
});
