// The end of every repair run: verify that new lines arrive (a probe line per log, waited for in CloudWatch
// Logs), and mark the faults the run repaired.
import type { JournalHost } from '../../journal/journal.js';
import type { Transport } from '../../core/ports.js';
import type { RepairOutcome } from '../../core/agent-plugin.js';
import type { DoctorHostReport } from '../../core/report.js';
import type { HostFacts } from '../../core/types.js';
import type { PreparedHost } from '../fleet/prepare.js';
import { verifyHost, type LogsReaders } from '../verify/verify-host.js';

export interface VerifyAfterRepair {
  runId: string;
  reset: boolean;
  verifyTimeoutS?: number;
}

export async function verified(
  transport: Transport,
  host: PreparedHost,
  facts: HostFacts,
  readers: LogsReaders,
  options: VerifyAfterRepair,
  progress: (text: string) => void,
  report: DoctorHostReport,
  journal: JournalHost,
): Promise<RepairOutcome> {
  progress('verifying that new lines arrive');
  const checks = await verifyHost(transport, host, facts, readers, {
    runId: options.runId,
    probe: true,
    ...(options.verifyTimeoutS ? { timeoutS: options.verifyTimeoutS } : {}),
  });
  const missing = checks.filter((c) => c.state !== 'arrived');
  const { error: _diagnosed, ...rest } = report;
  void _diagnosed;
  // The faults this run repaired are marked, so that the report says what was done about them.
  rest.faults = (rest.faults ?? []).map((f) =>
    ((f.repair === 'repair-state' || f.repair === 'restart') && !options.reset) ||
    (options.reset && (f.fault === 'stale-state' || f.fault === 'dead-publisher'))
      ? { ...f, repaired: true }
      : f,
  );
  if (missing.length === 0) return { report: { ...rest, checks }, journal };
  const error = {
    message: `verify after the repair: ${missing.length} of ${checks.length} log(s) did not arrive: ${missing.map((c) => `${c.log} (${c.state})`).join(', ')}`,
  };
  return { report: { ...rest, status: 'failed', checks, error }, journal: { ...journal, status: 'failed', error } };
}
