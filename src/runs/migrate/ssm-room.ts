// Over SSM a script's output comes back through the envelope, at most MAX_COMPRESSED_BYTES compressed (SSM keeps
// 24,000 characters of an invocation's output). The first script of a cut-over (or of a way back) stops one agent,
// hands the host lock to a watchdog and prints up to 256 KiB of the end of each of the newest files of every log:
// output it cannot do without, and which on a host with long, poorly compressible logs may not fit. Its size is
// measured first, read-only, with both agents as they are; a host whose read would not fit is refused with the
// reason, rather than failed after an agent was stopped (the watchdog would start it again only minutes later).
import type { Transport } from '../../core/ports.js';
import type { AwslogsMigration } from '../../agents/catalog.js';
import { wholeScript } from '../../operations/remote-script.js';
import { MAX_COMPRESSED_BYTES } from '../../transports/ssm/envelope.js';
import type { PreparedHost } from '../fleet/prepare.js';
import { runScript } from '../fleet/host-session.js';

/** Room left for the files to grow (and rotate) between the measure and the read: a quarter of the bound. */
export const SSM_READ_BUDGET = Math.floor(MAX_COMPRESSED_BYTES * 0.75);

/**
 * Why this host's cut-over (or way back) cannot go over SSM; undefined when its read fits, or when the host is
 * reached over SSH (no bound but the SSH transport's 16 MiB).
 */
export async function ssmReadRefusal(
  migration: AwslogsMigration,
  transport: Transport,
  host: PreparedHost,
  runId: string,
  read: { patterns: readonly string[]; statePath: string; wayBack: boolean },
): Promise<string | undefined> {
  if (host.transport.kind !== 'aws_ssm') return undefined;
  const out = await runScript(
    transport,
    host,
    wholeScript(runId, `${migration.observedSizeLines(read.patterns, read.statePath, read.wayBack)}\nsay ok`),
  );
  const size = migration.parseObservedSize(out.stdout);
  if (size === undefined)
    return `the size of what the ${read.wayBack ? 'way back' : 'cut-over'} reads of the logs could not be measured (exit ${out.code}: ${out.stderr.trim().slice(-300)}); nothing was stopped`;
  if (size <= SSM_READ_BUDGET) return undefined;
  return `over SSM, what the ${read.wayBack ? 'way back' : 'cut-over'} reads while neither agent runs (the last 256 KiB of the newest files of each log, and awslogs' state) comes to ${size} bytes compressed, more than ${SSM_READ_BUDGET} (three quarters of the ${MAX_COMPRESSED_BYTES} bytes the SSM transport brings back, the rest left for the files to grow); nothing was stopped: reach this host over SSH for this run, or remove its older rotated log files`;
}
