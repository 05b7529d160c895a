// What the SSM transport needs from AWS Systems Manager: the six calls of Run Command it makes, as data. The
// AWS SDK adapter (src/clouds/aws/ssm.ts) implements it; the transport itself imports no SDK code.

/** GetCommandInvocation's Status (SSM's own spelling). */
export type InvocationStatus =
  'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';

export interface SendRequest {
  /** At most 50 (SSM's limit for InstanceIds). */
  instanceIds: string[];
  /** AWS-RunShellScript's `commands`: the script's lines, joined again by the agent and run with sh. */
  commands: string[];
  /** AWS-RunShellScript's `executionTimeout`, seconds (1–172800). */
  executionTimeoutS: number;
  /** TimeoutSeconds: a command not started by then never runs (30–2592000). */
  deliveryTimeoutS: number;
  /** A count or a percentage, as SSM takes it. */
  maxConcurrency: string;
  maxErrors: string;
  comment: string;
}

/** One instance's line of ListCommandInvocations (Details off). */
export interface InvocationSummary {
  instanceId: string;
  status: InvocationStatus;
  /** Pending, In Progress, Delivery Timed Out, Execution Timed Out, Undeliverable, Terminated, … */
  statusDetails: string;
}

/** GetCommandInvocation: the invocation with its output, as SSM keeps it (24,000 / 8,000 characters at most). */
export interface InvocationResult extends InvocationSummary {
  /** The script's exit code; -1 when it never ran. */
  responseCode: number;
  stdout: string;
  stderr: string;
}

export type PingStatus = 'Online' | 'ConnectionLost' | 'Inactive';

/** DescribeInstanceInformation: an instance with a registered SSM agent. */
export interface ManagedInstance {
  instanceId: string;
  pingStatus: PingStatus;
  lastPingAt?: Date;
  agentVersion?: string;
  platform?: string;
}

export interface SsmApi {
  /** Returns the CommandId. */
  sendCommand(request: SendRequest): Promise<string>;
  /** Every invocation of the command SSM knows so far (all pages). */
  listInvocations(commandId: string): Promise<InvocationSummary[]>;
  /** Throws InvocationNotYet while SSM does not know the invocation (right after a send). */
  getInvocation(commandId: string, instanceId: string): Promise<InvocationResult>;
  cancelCommand(commandId: string, instanceIds?: string[]): Promise<void>;
  /** The registered agents among these instances (an instance with none is absent). */
  describeInstances(instanceIds: string[]): Promise<ManagedInstance[]>;
  destroy(): void;
}

/** SSM's InvocationDoesNotExist: eventually consistent right after SendCommand, so asked again. */
export class InvocationNotYet extends Error {
  constructor(
    readonly commandId: string,
    readonly instanceId: string,
  ) {
    super(`SSM does not know the invocation of ${commandId} on ${instanceId} (yet)`);
    this.name = 'InvocationNotYet';
  }
}

/** A host as the SSM transport knows it. */
export interface SsmHostTarget {
  /** Inventory name, for messages. */
  name: string;
  instanceId: string;
}

/** What one host's call came back with, and from which command. */
export interface Delivered {
  result: InvocationResult;
  commandId: string;
  /** The spool token of the envelope (for fetching the rest of the output). */
  token: string;
  maxErrors: string;
  executionTimeoutS: number;
}
