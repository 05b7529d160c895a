// One host's work over its own connection: connect, run, close; a connection that fails or an error the work
// throws is that host's failure (unreachable, or failed with the error's message and hint: failureOf), never the
// run's. `failed` shapes it as the run reports a host.
import type { Transport } from '../../core/ports.js';
import type { JournalHost } from '../../journal/journal.js';
import type { HostReport } from '../../ui/report.js';
import { failureOf, type HostFailure } from './host-session.js';
import type { PreparedHost } from './prepare.js';
import type { HostTransports } from './transports.js';

export interface HostResult {
  report: HostReport;
  journal: JournalHost;
}

/** The report and journal entry of a host that failed (rollback's shape). */
export function hostFailure(name: string, failure: HostFailure): HostResult {
  return { report: { name, ...failure, changes: [] }, journal: { name, ...failure, changes: [], files: [] } };
}

export async function connected<T>(
  host: PreparedHost,
  transports: HostTransports,
  progress: (text: string) => void,
  work: (transport: Transport) => Promise<T>,
  failed: (failure: HostFailure) => T,
): Promise<T> {
  let transport: Transport;
  try {
    progress('connecting');
    transport = await transports.open(host);
  } catch (err) {
    return failed(failureOf(err));
  }
  try {
    return await work(transport);
  } catch (err) {
    return failed(failureOf(err));
  } finally {
    await transport.close().catch(() => undefined);
  }
}
