// `provision doctor --reset-state`: the blunt reset, only when asked. Backs up and removes the state file;
// unless --resend, the agent starts once with initial_position = end_of_file in the sections whose file has
// bytes to skip (so nothing is sent again), then the tool's awslogs.conf is put back without a restart.
// A section whose file is empty or missing keeps start_of_file: there is nothing to skip, and the agent,
// which only knows a file by its first line, would skip the first lines written to it after the reset.
// Says how many bytes a resend would send.
import { AWSLOGS_CONF_PATH, AGENT_LOG_PATH } from '../agents/awslogs/desired.js';
import { parseApplyOutput } from '../operations/apply-script.js';
import { fileDiff } from '../operations/file.js';
import { resetStateScript, withEndOfFile } from '../operations/repair-script.js';
import type { ServiceControl } from '../operations/service.js';
import type { Transport } from '../core/ports.js';
import type { ChangeReport } from '../ui/report.js';
import type { Diagnosis } from './doctor.js';
import { runScript } from './host-session.js';
import type { PreparedHost } from './prepare.js';
import type { Outcome, RepairOptions } from './repair.js';
import { verified } from './repair-verify.js';
import { stateRunJournal } from './repair-journal.js';
import type { LogsReaders } from './verify-host.js';

/** Seconds the agent gets after a reset start to record where it starts (its stream refresh is 5 s). */
const RESET_SETTLE_S = 7;

export async function resetHost(
  transport: Transport,
  host: PreparedHost,
  diagnosis: Diagnosis,
  agent: ServiceControl,
  options: RepairOptions,
  readers: LogsReaders,
  progress: (text: string) => void,
): Promise<Outcome> {
  const base = diagnosis.report;
  const statePath = host.spec.general.state_file;
  const resent = host.spec.logs.reduce((sum, section, i) => {
    const view = diagnosis.streams[i];
    return section.initial_position === 'end_of_file' ? sum : sum + (view?.fileSize ?? 0);
  }, 0);
  const skipped = new Set(
    host.spec.logs
      .filter((section, i) => section.initial_position !== 'end_of_file' && (diagnosis.streams[i]?.fileSize ?? 0) > 0)
      .map((section) => section.section),
  );
  const conf = diagnosis.facts.files[AWSLOGS_CONF_PATH];
  const confText = conf?.exists ? conf.content : '';
  const eofConf = withEndOfFile(confText, skipped);
  const endOfFile = !options.resend && conf?.exists === true && eofConf !== confText;
  const changes: ChangeReport[] = [
    { kind: 'service', summary: 'stop the agent', command: agent.stop },
    { kind: 'state', path: statePath, summary: 'back up and remove the state file: the agent forgets every position' },
    ...(endOfFile
      ? [
          {
            kind: 'file',
            path: AWSLOGS_CONF_PATH,
            summary: `initial_position = end_of_file in ${[...skipped].join(', ')} for this one start, then the current file is put back (no restart)`,
            diff: fileDiff(AWSLOGS_CONF_PATH, confText, eofConf, []),
          },
        ]
      : []),
    { kind: 'service', summary: 'start the agent, then verify', command: agent.start },
  ];
  const bytesNote = options.resend
    ? `--resend: ${resent} byte(s) of the current log files ${options.yes ? 'are' : 'would be'} sent again from their start (duplicates in CloudWatch Logs)`
    : `${resent} byte(s) of the current log files would be sent again without end_of_file (pass --resend for that); lines written between the stop and the start are not sent`;
  const { error: _pending, ...rest } = base;
  void _pending;
  if (!options.yes)
    return {
      report: {
        ...rest,
        status: 'changed',
        changes,
        warnings: [...(base.warnings ?? []), bytesNote, 'dry run: nothing was changed; pass --yes to reset'],
      },
    };
  progress('resetting the state');
  const out = await runScript(
    transport,
    host,
    resetStateScript({
      runId: options.runId,
      agent,
      agentLogPath: AGENT_LOG_PATH,
      statePath,
      settleS: RESET_SETTLE_S,
      ...(!endOfFile || !conf?.exists
        ? {}
        : {
            endOfFile: {
              confPath: AWSLOGS_CONF_PATH,
              conf: eofConf,
              mode: conf.mode,
              owner: conf.owner,
              group: conf.group,
            },
          }),
    }),
  );
  const outcome = parseApplyOutput(out.stdout);
  const journal = stateRunJournal(host.host.name, changes, outcome, diagnosis);
  const report = { ...rest, status: 'changed' as const, changes, warnings: [...(base.warnings ?? []), bytesNote] };
  if (!outcome.ok) {
    const error = {
      message: `reset ${outcome.failedStep ?? ''} failed: ${outcome.messages.join(' ') || out.stderr.trim().slice(-300)}`,
    };
    return { report: { ...report, status: 'failed', error }, journal: { ...journal, status: 'failed', error } };
  }
  return verified(transport, host, diagnosis, readers, options, progress, report, journal);
}
