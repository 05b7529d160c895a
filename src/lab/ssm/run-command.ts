// The lab's Run Command: commands and their invocations, moved through SSM's states by the service's rules
// (../shared/reference/ssm-run-command.md): Pending → (delivered to the agent) InProgress → a final state;
// MaxConcurrency invocations at a time, the rest Terminated once more than MaxErrors have failed; the delivery
// timeout (TimeoutSeconds) and the agent's execution timeout; stdout and stderr kept to 24,000 and 8,000
// characters and 2,500 in ListCommandInvocations; an invocation unknown for a moment after its SendCommand
// (eventual consistency). Which agents exist, and whether they are online, is in agents.ts.
import { randomUUID } from 'node:crypto';

export type Status =
  'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';

/** The agent's word on a command it ran (or was told to stop). */
export type AgentOutcome = 'success' | 'failed' | 'timedout' | 'cancelled';

export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
export const PLUGIN_OUTPUT_LIMIT = 2_500;
export const MAX_INSTANCE_IDS = 50;
/** How long a new command's invocations stay unknown (InvocationDoesNotExist), ms. */
export const CONSISTENCY_DELAY_MS = 500;

export interface Invocation {
  commandId: string;
  instanceId: string;
  status: Status;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
  /** Handed to the instance's queue (takes one of MaxConcurrency's slots). */
  dispatched: boolean;
  /** Picked up by the agent. */
  deliveredAt?: number;
  endedAt?: number;
  /** CancelCommand asked for it while the agent runs it. */
  cancelRequested?: boolean;
}

export interface Command {
  commandId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  comment: string;
  requestedAt: number;
  timeoutSeconds: number;
  executionTimeoutS: number;
  maxConcurrency: string;
  maxErrors: string;
  concurrency: number;
  errorsAllowed: number;
  invocations: Invocation[];
  /** Until then, its invocations are unknown to GetCommandInvocation and ListCommandInvocations. */
  visibleAt: number;
}

/** A message for an agent: run a command, or stop one. */
export type AgentMessage =
  { type: 'run'; commandId: string; script: string; executionTimeoutS: number } | { type: 'cancel'; commandId: string };

/** An API error in SSM's words (`__type`, message, HTTP status). */
export class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SsmError';
  }
}

const FINAL: ReadonlySet<Status> = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);
const MAX_CONCURRENCY = /^(?:[1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^(?:[1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$/;

/** A count, or a percentage of the targets (rounded down; concurrency at least 1). */
function resolveRate(value: string, targets: number, atLeast: number): number {
  if (value.endsWith('%')) return Math.max(atLeast, Math.floor((Number(value.slice(0, -1)) * targets) / 100));
  return Number(value);
}

/** The agent's own cut of a plugin's output for ListCommandInvocations (amazon-ssm-agent's TruncateOutput). */
export function pluginOutput(stdout: string, stderr: string, capacity = PLUGIN_OUTPUT_LIMIT): string {
  const truncOut = '\n---Output truncated---';
  const truncErr = '\n---Error truncated----';
  const title = stderr.length > 0 ? '\n----------ERROR-------\n' : '';
  const space = capacity - title.length;
  if (stdout.length + stderr.length < space) return stdout + title + stderr;
  if (stdout.length > space / 2 && stderr.length > space / 2) {
    const size = space - truncErr.length - truncOut.length;
    return stdout.slice(0, size / 2) + truncOut + title + stderr.slice(0, size / 2) + truncErr;
  }
  if (stdout.length < space / 2) {
    const size = space - truncErr.length;
    return stdout + title + stderr.slice(0, size - stdout.length) + truncErr;
  }
  const size = space - truncOut.length;
  return stdout.slice(0, size - stderr.length) + truncOut + title + stderr;
}

export interface RunCommandOptions {
  /** How long a new command's invocations stay unknown (eventual consistency), ms. */
  consistencyDelayMs?: number;
  /** Whether an instance has a registered agent (InvalidInstanceId otherwise). */
  registered: (instanceId: string) => boolean;
  now?: () => number;
}

export class RunCommand {
  private readonly commands = new Map<string, Command>();
  private readonly order: string[] = [];
  private readonly now: () => number;

  constructor(private readonly options: RunCommandOptions) {
    this.now = options.now ?? Date.now;
  }

  send(input: Record<string, unknown>): Command {
    const documentName = String(input.DocumentName ?? '');
    if (documentName !== 'AWS-RunShellScript')
      throw new SsmError(
        'InvalidDocument',
        `the lab's SSM knows the document AWS-RunShellScript only, not ${documentName}`,
      );
    if (input.Targets !== undefined)
      throw new SsmError('ValidationException', "the lab's SSM endpoint takes InstanceIds, not Targets");
    const ids = input.InstanceIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((i) => typeof i !== 'string'))
      throw new SsmError('ValidationException', 'InstanceIds: at least one instance id is required');
    if (ids.length > MAX_INSTANCE_IDS)
      throw new SsmError(
        'ValidationException',
        `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INSTANCE_IDS}`,
      );
    const instanceIds = [...new Set(ids as string[])];
    const unknown = instanceIds.filter((i) => !this.options.registered(i));
    if (unknown.length > 0)
      throw new SsmError('InvalidInstanceId', `Instances [[${unknown.join(', ')}]] not in a valid state for account`);
    const parameters = (input.Parameters ?? {}) as Record<string, unknown>;
    const commands = parameters.commands;
    if (!Array.isArray(commands) || commands.length === 0 || commands.some((c) => typeof c !== 'string'))
      throw new SsmError('InvalidParameters', 'Parameter "commands" is required and is a list of strings');
    const timeoutParam = parameters.executionTimeout;
    const executionTimeoutS = Array.isArray(timeoutParam) ? Number(timeoutParam[0]) : 3600;
    if (!Number.isInteger(executionTimeoutS) || executionTimeoutS < 1 || executionTimeoutS > 172_800)
      throw new SsmError('InvalidParameters', 'Parameter "executionTimeout" must be 1 to 172800 (seconds)');
    const timeoutSeconds = input.TimeoutSeconds === undefined ? 3600 : Number(input.TimeoutSeconds);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2_592_000)
      throw new SsmError('ValidationException', 'TimeoutSeconds must be from 30 to 2592000');
    const maxConcurrency = input.MaxConcurrency === undefined ? '50' : String(input.MaxConcurrency);
    const maxErrors = input.MaxErrors === undefined ? '0' : String(input.MaxErrors);
    if (!MAX_CONCURRENCY.test(maxConcurrency))
      throw new SsmError('ValidationException', `MaxConcurrency ${JSON.stringify(maxConcurrency)} is invalid`);
    if (!MAX_ERRORS.test(maxErrors))
      throw new SsmError('ValidationException', `MaxErrors ${JSON.stringify(maxErrors)} is invalid`);
    const now = this.now();
    const commandId = randomUUID();
    const command: Command = {
      commandId,
      documentName,
      parameters: {
        commands: commands as string[],
        ...(Array.isArray(timeoutParam) ? { executionTimeout: timeoutParam.map(String) } : {}),
      },
      instanceIds,
      comment: typeof input.Comment === 'string' ? input.Comment : '',
      requestedAt: now,
      timeoutSeconds,
      executionTimeoutS,
      maxConcurrency,
      maxErrors,
      concurrency: resolveRate(maxConcurrency, instanceIds.length, 1),
      errorsAllowed: resolveRate(maxErrors, instanceIds.length, 0),
      invocations: instanceIds.map((instanceId) => ({
        commandId,
        instanceId,
        status: 'Pending',
        statusDetails: 'Pending',
        responseCode: -1,
        stdout: '',
        stderr: '',
        dispatched: false,
      })),
      visibleAt: now + (this.options.consistencyDelayMs ?? CONSISTENCY_DELAY_MS),
    };
    this.commands.set(commandId, command);
    this.order.push(commandId);
    this.advance(command);
    return command;
  }

  /** Applies the rules that move invocations along; called on every event and by the lab's clock. */
  tick(): void {
    for (const id of this.order) {
      const command = this.commands.get(id)!;
      if (!command.invocations.every((i) => FINAL.has(i.status))) this.advance(command);
    }
  }

  private advance(command: Command): void {
    const now = this.now();
    const expired = now >= command.requestedAt + command.timeoutSeconds * 1000;
    for (const inv of command.invocations) {
      // Not delivered by TimeoutSeconds: it never runs. (Not an error for MaxErrors.)
      if (inv.status === 'Pending' && expired) this.end(inv, 'TimedOut', 'Delivery Timed Out', -1);
      // An agent that vanished mid-command: the service gives up on it after the execution timeout and a margin.
      if (
        inv.status === 'InProgress' &&
        inv.deliveredAt !== undefined &&
        now > inv.deliveredAt + (command.executionTimeoutS + 60) * 1000
      )
        this.end(inv, 'TimedOut', 'Execution Timed Out', -1);
    }
    const errors = command.invocations.filter(
      (i) => i.status === 'Failed' || (i.status === 'TimedOut' && i.statusDetails === 'Execution Timed Out'),
    ).length;
    if (errors > command.errorsAllowed) {
      // Past MaxErrors: what was not sent yet is never sent.
      for (const inv of command.invocations)
        if (inv.status === 'Pending' && !inv.dispatched) this.end(inv, 'Cancelled', 'Terminated', -1);
      return;
    }
    let busy = command.invocations.filter((i) => i.dispatched && !FINAL.has(i.status)).length;
    for (const inv of command.invocations) {
      if (busy >= command.concurrency) break;
      if (inv.status === 'Pending' && !inv.dispatched) {
        inv.dispatched = true;
        busy++;
      }
    }
  }

  private end(inv: Invocation, status: Status, details: string, code: number): void {
    inv.status = status;
    inv.statusDetails = details;
    inv.responseCode = code;
    inv.endedAt = this.now();
  }

  /** What the agent of this instance is to do now; marks what it is handed as InProgress. */
  messagesFor(instanceId: string): AgentMessage[] {
    this.tick();
    const out: AgentMessage[] = [];
    for (const id of this.order) {
      const command = this.commands.get(id)!;
      for (const inv of command.invocations) {
        if (inv.instanceId !== instanceId) continue;
        if (inv.status === 'Pending' && inv.dispatched) {
          inv.status = 'InProgress';
          inv.statusDetails = 'In Progress';
          inv.deliveredAt = this.now();
          out.push({
            type: 'run',
            commandId: id,
            script: (command.parameters.commands ?? []).join('\n'),
            executionTimeoutS: command.executionTimeoutS,
          });
        } else if (inv.status === 'Cancelling' && inv.cancelRequested) {
          inv.cancelRequested = false;
          out.push({ type: 'cancel', commandId: id });
        }
      }
    }
    return out;
  }

  /** The agent's report: the script's exit, or its stop (execution timeout, cancel). Output kept as SSM keeps it. */
  report(
    instanceId: string,
    commandId: string,
    outcome: AgentOutcome,
    code: number,
    stdout: string,
    stderr: string,
  ): void {
    const inv = this.commands.get(commandId)?.invocations.find((i) => i.instanceId === instanceId);
    if (!inv || FINAL.has(inv.status)) return;
    inv.stdout = stdout.slice(0, STDOUT_LIMIT);
    inv.stderr = stderr.slice(0, STDERR_LIMIT);
    if (outcome === 'success') this.end(inv, 'Success', 'Success', code);
    else if (outcome === 'failed') this.end(inv, 'Failed', 'Failed', code);
    else if (outcome === 'timedout') this.end(inv, 'TimedOut', 'Execution Timed Out', code);
    else this.end(inv, 'Cancelled', 'Cancelled', code);
    this.advance(this.commands.get(commandId)!);
  }

  cancel(commandId: string, instanceIds?: string[]): void {
    const command = this.commands.get(commandId);
    if (!command) throw new SsmError('InvalidCommandId', `the command ${commandId} does not exist`);
    for (const inv of command.invocations) {
      if (instanceIds && !instanceIds.includes(inv.instanceId)) continue;
      if (inv.status === 'Pending') this.end(inv, 'Cancelled', 'Cancelled', -1);
      else if (inv.status === 'InProgress') {
        inv.status = 'Cancelling';
        inv.statusDetails = 'Cancelling';
        inv.cancelRequested = true;
      }
    }
  }

  private visible(commandId: string): Command | undefined {
    const command = this.commands.get(commandId);
    return command && this.now() >= command.visibleAt ? command : undefined;
  }

  invocation(commandId: string, instanceId: string): { command: Command; invocation: Invocation } {
    this.tick();
    const command = this.visible(commandId);
    const invocation = command?.invocations.find((i) => i.instanceId === instanceId);
    if (!command || !invocation) throw new SsmError('InvocationDoesNotExist', '');
    return { command, invocation };
  }

  /** Invocations of one command (or all), newest command first, as ListCommandInvocations pages them. */
  invocations(commandId?: string, instanceId?: string): { command: Command; invocation: Invocation }[] {
    this.tick();
    const ids = commandId ? [commandId] : [...this.order].reverse();
    const out: { command: Command; invocation: Invocation }[] = [];
    for (const id of ids) {
      const command = this.visible(id);
      if (!command) continue;
      for (const invocation of command.invocations)
        if (!instanceId || invocation.instanceId === instanceId) out.push({ command, invocation });
    }
    return out;
  }

  list(commandId?: string): Command[] {
    this.tick();
    if (commandId) {
      const command = this.commands.get(commandId);
      if (!command) throw new SsmError('InvalidCommandId', '');
      return [command];
    }
    return [...this.order].reverse().map((id) => this.commands.get(id)!);
  }

  /** The command's overall state, from its invocations'. */
  static statusOf(command: Command): Status {
    const all = command.invocations;
    if (all.some((i) => !FINAL.has(i.status)))
      return all.some((i) => i.status !== 'Pending') ? 'InProgress' : 'Pending';
    if (all.some((i) => i.status === 'Failed')) return 'Failed';
    if (all.some((i) => i.status === 'TimedOut')) return 'TimedOut';
    if (all.some((i) => i.status === 'Cancelled')) return 'Cancelled';
    return 'Success';
  }
}
