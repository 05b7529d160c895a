// `provision rollback` of a migration run, on one host: the way back (./way-back.ts) — the CloudWatch agent
// stopped, its positions carried into awslogs' state, the migration's before-images put back, its configuration
// removed — then a fresh line of each log must arrive through awslogs.
import type { JournalHost, JournalRun } from '../../journal/journal.js';
import { journalLine } from '../../journal/journal.js';
import type { HostReport } from '../../ui/report.js';
import type { PreparedHost } from '../fleet/prepare.js';
import { hostStepTimeoutS, probeHost, type SessionOptions } from '../fleet/host-session.js';
import { connected, hostFailure, type HostResult } from '../fleet/connected.js';
import type { HostTransports } from '../fleet/transports.js';
import type { LogsReaders } from '../verify/verify-host.js';
import { loadMigration } from '../../agents/catalog.js';
import { asAwslogsHost, readHostConf } from './host-source.js';
import { hostSession } from '../fleet/host-session.js';
import { supportedFlavour } from '../apply/apply.js';
import { ssmReadRefusal } from './ssm-room.js';

export async function rollbackMigration(
  prepared: PreparedHost,
  target: JournalRun,
  runId: string,
  session: SessionOptions,
  readers: { get: () => Promise<LogsReaders> },
  transports: HostTransports,
  progress: (text: string) => void,
): Promise<{ report: HostReport; journal: JournalHost }> {
  const name = prepared.host.name;
  return connected<HostResult>(
    prepared,
    transports,
    progress,
    async (transport) => {
      const host = await asAwslogsHost(prepared);
      const migration = await loadMigration();
      const { facts } = await probeHost(transport, host);
      const flavour = supportedFlavour(host.agent, facts);
      const conf = await readHostConf(migration, transport, host, runId);
      const translation = migration.translateHost(host.spec, conf, facts);
      const sections = migration.sectionsOf(host.spec, conf);
      const statePath = migration.awslogsSpec(host.spec).general.state_file;
      const refused = await ssmReadRefusal(migration, transport, prepared, runId, {
        patterns: translation.sections.map((s) => s.file),
        statePath,
        wayBack: true,
      });
      if (refused) {
        const error = { message: `not rolled back: ${refused}` };
        return {
          report: { name, status: 'failed', changes: [], error },
          journal: { name, status: 'failed', changes: [], files: [], error },
        };
      }
      progress(`going back from run ${target.run} to awslogs`);
      const back = await migration.wayBack({
        session: hostSession(transport, host),
        facts,
        flavour,
        translation,
        sections,
        statePath,
        ...(conf.main ? { confText: conf.main.text } : {}),
        runId,
        fromRunId: target.run,
        stepTimeoutS: hostStepTimeoutS(session.commandTimeoutMs),
      });
      const changes = back.changes;
      if (!back.ok) {
        const error = { message: back.error ?? 'the way back failed' };
        return {
          report: { name, status: 'failed', changes, warnings: back.warnings, error },
          journal: { name, status: 'failed', changes: changes.map(journalLine), files: [], error },
        };
      }
      progress('verifying that a fresh line arrives through awslogs');
      const { verifyHost } = await import('../verify/verify-host.js');
      const checks = await verifyHost(transport, host, facts, await readers.get(), { runId, probe: true });
      const missing = checks.filter((c) => c.state !== 'arrived');
      const error =
        missing.length > 0
          ? {
              message: `verify: ${missing.length} of ${checks.length} log(s) did not arrive through awslogs: ${missing.map((c) => `${c.log} (${c.state})`).join(', ')}`,
            }
          : undefined;
      const status = error ? 'failed' : 'changed';
      return {
        report: {
          name,
          status,
          changes,
          checks,
          ...(back.warnings.length ? { warnings: back.warnings } : {}),
          ...(error ? { error } : {}),
        },
        journal: { name, status, changes: changes.map(journalLine), files: [], ...(error ? { error } : {}) },
      };
    },
    (failure) => hostFailure(name, failure),
  );
}
