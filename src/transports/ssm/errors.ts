// Errors of the SSM transport, carrying what SSM said (instance, command, status details) so that runs/ and ui/
// report them without parsing messages. An unreachable host's error is SsmUnreachable; all others fail it.
import { TransportError } from '../errors.js';

export type SsmUnreachableReason = 'not-registered' | 'not-online' | 'undeliverable' | 'delivery-timed-out';

/** The SSM agent cannot be reached: none registered, not online, or the command was never delivered. */
export class SsmUnreachable extends TransportError {
  constructor(
    host: string,
    readonly instanceId: string,
    readonly reason: SsmUnreachableReason,
    detail: string,
  ) {
    const hint = {
      'not-registered':
        'install and start the SSM agent, and give the instance a role with AmazonSSMManagedInstanceCore (`provision iam setup --mode role`)',
      'not-online': 'is the SSM agent running on the instance, and can it reach SSM over HTTPS?',
      undeliverable: 'is the instance running, with its SSM agent?',
      'delivery-timed-out': 'the SSM agent did not pick the command up: is it running, and can it reach SSM?',
    }[reason];
    super(`${host} (${instanceId}) unreachable over SSM: ${detail}`, host, hint);
    this.name = 'SsmUnreachable';
  }
}

/** The command ran, or was meant to, and SSM ended it otherwise than with the script's own exit. */
export class SsmCommandFailed extends TransportError {
  constructor(
    host: string,
    readonly instanceId: string,
    readonly commandId: string,
    readonly statusDetails: string,
    detail: string,
    hint?: string,
  ) {
    super(`${host} (${instanceId}), SSM command ${commandId}: ${detail}`, host, hint);
    this.name = 'SsmCommandFailed';
  }
}

/** What came back cannot be trusted whole (cut, or not what the transport sent): the host fails, never guesses. */
export class SsmOutputProblem extends TransportError {
  constructor(host: string, detail: string) {
    super(`${host}: ${detail}`, host);
    this.name = 'SsmOutputProblem';
  }
}
