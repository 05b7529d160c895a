// `provision verify`: for every host and log section, does a fresh line arrive in the expected group
// and stream? Exit 1 when anything did not.
import { RunFailed } from '../../core/errors.js';
import { explainCallerFailure } from '../../clouds/aws/credentials.js';
import { newRunId } from '../../journal/journal.js';
import { printHuman, printJson, summarise, type HostReport, type RunReport } from '../../ui/report.js';
import { prepare, type PreparedHost } from '../fleet/prepare.js';
import { failureOf, gatherFacts, type SessionOptions } from '../fleet/host-session.js';
import { onEveryHost, type HostTransports } from '../fleet/transports.js';
import { interruption } from '../fleet/interruption.js';
import { LogsReaders, logArrives, verifyHost, type VerifyOptions } from './verify-host.js';

export interface VerifyRunOptions {
  inventory: string;
  limit?: string;
  forks: number;
  json: boolean;
  timeoutS?: number;
  probe: boolean;
  last?: number;
  session: SessionOptions;
}

export async function runVerify(options: VerifyRunOptions): Promise<RunReport> {
  const prepared = await prepare(options.inventory, options.limit, { render: false });
  const runId = newRunId();
  const readers = new LogsReaders();
  try {
    // Credentials AWS refuses fail the run here, once, before a probe line is written on any host.
    await readers.assertCredentials(prepared.hosts.map((h) => h.spec));
  } catch (err) {
    readers.destroy();
    throw err;
  }
  const stop = interruption();
  const verify: VerifyOptions = {
    runId,
    probe: options.probe,
    last: options.last ?? 0,
    ...(options.timeoutS ? { timeoutS: options.timeoutS } : {}),
  };
  let hosts: HostReport[];
  try {
    hosts = await onEveryHost<HostReport>(
      prepared.hosts,
      {
        forks: options.forks,
        session: options.session,
        comment: `awslogs-provision verify ${runId}`,
        quiet: options.json,
        interrupted: stop.requested,
      },
      {
        run: (host, transports, report) => verifyOne(host, readers, verify, transports, report),
        resultOf: (r) => r,
        notRun: (name, message) => ({ name, status: 'failed', changes: [], error: { message } }),
      },
    );
  } finally {
    stop.release();
    readers.destroy();
  }
  const report: RunReport = { run: runId, command: 'verify', hosts, summary: summarise(hosts) };
  if (options.json) printJson(report);
  else printHuman(report, { diffs: false });
  const failed = report.summary.failed + report.summary.unreachable;
  if (failed > 0) throw new RunFailed(`logs did not arrive from ${failed} host(s)`);
  return report;
}

async function verifyOne(
  host: PreparedHost,
  readers: LogsReaders,
  verify: VerifyOptions,
  transports: HostTransports,
  progress: (text: string) => void,
): Promise<HostReport> {
  const name = host.host.name;
  let transport;
  try {
    progress('connecting');
    transport = await transports.open(host);
  } catch (err) {
    return { name, changes: [], ...failureOf(err) };
  }
  try {
    const facts = await gatherFacts(transport, host);
    progress(verify.probe ? 'waiting for the probe lines in CloudWatch Logs' : 'reading CloudWatch Logs');
    const checks = await verifyHost(transport, host, facts, readers, verify).catch(async (err: unknown) => {
      throw await explainCallerFailure(err);
    });
    const missing = checks.filter((c) => !logArrives(c.state));
    return {
      name,
      status: missing.length === 0 ? 'ok' : 'failed',
      changes: [],
      checks,
      ...(missing.length > 0
        ? {
            error: {
              message: `${missing.length} of ${checks.length} log(s) did not arrive: ${missing.map((c) => `${c.log} (${c.state})`).join(', ')}`,
            },
          }
        : {}),
    };
  } catch (err) {
    return { name, changes: [], ...failureOf(err) };
  } finally {
    await transport.close().catch(() => undefined);
  }
}
