// SSM's final states, in the tool's words. A script that ran, whatever its exit code, is an answer (the envelope
// carries the code); an agent that never got the command is unreachable; everything else fails the host and
// says what SSM said — `Terminated` above all: that host was not run at all.
import type { Delivered, SsmHostTarget } from './api.js';
import { SsmCommandFailed, SsmUnreachable } from './errors.js';

/** The invocation's StandardOutputContent when the script ran; throws what SSM's state means otherwise. */
export function ranOutput(target: SsmHostTarget, delivered: Delivered): string {
  const { result, commandId } = delivered;
  const details = result.statusDetails;
  const ran = result.stdout.includes('@@ssm-') || result.status === 'Success';
  if (result.status === 'Success' || (result.status === 'Failed' && ran)) return result.stdout;
  const fail = (detail: string, hint?: string): SsmCommandFailed =>
    new SsmCommandFailed(target.name, target.instanceId, commandId, details, detail, hint);
  switch (result.status) {
    case 'Failed':
      if (details === 'Undeliverable')
        throw new SsmUnreachable(target.name, target.instanceId, 'undeliverable', `SSM could not deliver ${commandId}`);
      throw fail(`failed (${details})${result.stderr ? `: ${result.stderr.trim().slice(-300)}` : ''}`);
    case 'TimedOut':
      if (details === 'Delivery Timed Out')
        throw new SsmUnreachable(
          target.name,
          target.instanceId,
          'delivery-timed-out',
          `SSM could not deliver ${commandId} before its delivery timeout`,
        );
      throw fail(
        `the script ran past its execution timeout (${delivered.executionTimeoutS} s) and SSM stopped it (${details})`,
        'raise --command-timeout if the host is only slow',
      );
    case 'Cancelled':
      if (details === 'Terminated')
        throw fail(
          `not run: SSM terminated this invocation before sending it, because more of the command's hosts failed than its MaxErrors (${delivered.maxErrors}) allows`,
          'the failure threshold (--max-fail-percentage) was passed; fix the failed hosts and run again',
        );
      throw fail(`cancelled (${details})`);
    default:
      throw fail(`ended ${result.status} (${details})`);
  }
}
