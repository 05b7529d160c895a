// The SSM JSON 1.1 API of the lab (`X-Amz-Target: AmazonSSM.<Action>`), for the six Run Command calls:
// SendCommand, GetCommandInvocation, ListCommandInvocations, ListCommands, CancelCommand and
// DescribeInstanceInformation, answered in the shapes and error types AWS uses.
import type { Agents } from './agents.js';
import { pluginOutput, RunCommand, SsmError, type Command, type Invocation } from './run-command.js';

export const ACTIONS = [
  'SendCommand',
  'GetCommandInvocation',
  'ListCommandInvocations',
  'ListCommands',
  'CancelCommand',
  'DescribeInstanceInformation',
] as const;
export type Action = (typeof ACTIONS)[number];

const epoch = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);
const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());

function page<T>(items: T[], input: Record<string, unknown>, max: number): { items: T[]; next?: string } {
  const size = input.MaxResults === undefined ? max : Number(input.MaxResults);
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw new SsmError('ValidationException', `MaxResults must be from 1 to ${max}`);
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0)
    throw new SsmError('InvalidNextToken', 'The specified token is not valid.');
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { next: String(end) } : {}) };
}

function commandView(c: Command): Record<string, unknown> {
  const count = (pred: (i: Invocation) => boolean) => c.invocations.filter(pred).length;
  return {
    CommandId: c.commandId,
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: c.comment,
    ExpiresAfter: epoch(c.requestedAt + c.timeoutSeconds * 1000),
    Parameters: c.parameters,
    InstanceIds: c.instanceIds,
    Targets: [],
    RequestedDateTime: epoch(c.requestedAt),
    Status: RunCommand.statusOf(c),
    StatusDetails: RunCommand.statusOf(c) === 'InProgress' ? 'In Progress' : RunCommand.statusOf(c),
    MaxConcurrency: c.maxConcurrency,
    MaxErrors: c.maxErrors,
    TargetCount: c.invocations.length,
    CompletedCount: count((i) => ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(i.status)),
    ErrorCount: count(
      (i) => i.status === 'Failed' || (i.status === 'TimedOut' && i.statusDetails === 'Execution Timed Out'),
    ),
    DeliveryTimedOutCount: count((i) => i.statusDetails === 'Delivery Timed Out'),
    TimeoutSeconds: c.timeoutSeconds,
  };
}

export interface ApiContext {
  runCommand: RunCommand;
  agents: Agents;
  /** Wakes the agents' held polls after a change. */
  wake: () => void;
}

export function handle(action: Action, input: Record<string, unknown>, ctx: ApiContext): unknown {
  const { runCommand, agents } = ctx;
  switch (action) {
    case 'SendCommand': {
      const command = runCommand.send(input);
      ctx.wake();
      return { Command: commandView(command) };
    }
    case 'GetCommandInvocation': {
      const { command, invocation: i } = runCommand.invocation(
        String(input.CommandId ?? ''),
        String(input.InstanceId ?? ''),
      );
      return {
        CommandId: command.commandId,
        InstanceId: i.instanceId,
        Comment: command.comment,
        DocumentName: command.documentName,
        DocumentVersion: '$DEFAULT',
        PluginName: 'aws:runShellScript',
        ResponseCode: i.responseCode,
        ExecutionStartDateTime: iso(i.deliveredAt),
        ExecutionElapsedTime: i.deliveredAt
          ? `PT${(((i.endedAt ?? Date.now()) - i.deliveredAt) / 1000).toFixed(3)}S`
          : '',
        ExecutionEndDateTime: iso(i.endedAt),
        Status: i.status,
        StatusDetails: i.statusDetails,
        StandardOutputContent: i.stdout,
        StandardOutputUrl: '',
        StandardErrorContent: i.stderr,
        StandardErrorUrl: '',
      };
    }
    case 'ListCommandInvocations': {
      const all = runCommand.invocations(
        typeof input.CommandId === 'string' ? input.CommandId : undefined,
        typeof input.InstanceId === 'string' ? input.InstanceId : undefined,
      );
      const { items, next } = page(all, input, 50);
      return {
        CommandInvocations: items.map(({ command, invocation: i }) => ({
          CommandId: command.commandId,
          InstanceId: i.instanceId,
          InstanceName: '',
          Comment: command.comment,
          DocumentName: command.documentName,
          DocumentVersion: '$DEFAULT',
          RequestedDateTime: epoch(command.requestedAt),
          Status: i.status,
          StatusDetails: i.statusDetails,
          StandardOutputUrl: '',
          StandardErrorUrl: '',
          ...(input.Details === true
            ? {
                CommandPlugins: [
                  {
                    Name: 'aws:runShellScript',
                    Status: i.status,
                    StatusDetails: i.statusDetails,
                    ResponseCode: i.responseCode,
                    ResponseStartDateTime: epoch(i.deliveredAt),
                    ResponseFinishDateTime: epoch(i.endedAt),
                    Output: pluginOutput(i.stdout, i.stderr),
                  },
                ],
              }
            : {}),
        })),
        ...(next ? { NextToken: next } : {}),
      };
    }
    case 'ListCommands': {
      const { items, next } = page(
        runCommand.list(typeof input.CommandId === 'string' ? input.CommandId : undefined),
        input,
        50,
      );
      return { Commands: items.map(commandView), ...(next ? { NextToken: next } : {}) };
    }
    case 'CancelCommand': {
      runCommand.cancel(
        String(input.CommandId ?? ''),
        Array.isArray(input.InstanceIds) ? (input.InstanceIds as string[]) : undefined,
      );
      ctx.wake();
      return {};
    }
    case 'DescribeInstanceInformation': {
      const filters = [
        ...((input.Filters as { Key?: string; Values?: string[] }[] | undefined) ?? []).map((f) => ({
          key: f.Key,
          values: f.Values ?? [],
        })),
        ...((input.InstanceInformationFilterList as { key?: string; valueSet?: string[] }[] | undefined) ?? []).map(
          (f) => ({ key: f.key, values: f.valueSet ?? [] }),
        ),
      ];
      let list = agents.list();
      for (const f of filters) {
        if (f.key === 'InstanceIds') list = list.filter((a) => f.values.includes(a.instanceId));
        else if (f.key === 'PingStatus') list = list.filter((a) => f.values.includes(agents.pingStatus(a)));
        else throw new SsmError('InvalidFilterKey', `the lab's SSM filters on InstanceIds and PingStatus only`);
      }
      const size = input.MaxResults === undefined ? 50 : Number(input.MaxResults);
      if (!Number.isInteger(size) || size < 5 || size > 50)
        throw new SsmError('ValidationException', 'MaxResults must be from 5 to 50');
      const { items, next } = page(list, { ...input, MaxResults: size }, 50);
      return {
        InstanceInformationList: items.map((a) => ({
          InstanceId: a.instanceId,
          PingStatus: agents.pingStatus(a),
          LastPingDateTime: epoch(a.lastSeen),
          AgentVersion: a.agentVersion,
          IsLatestVersion: true,
          PlatformType: 'Linux',
          PlatformName: a.platformName,
          PlatformVersion: a.platformVersion,
          ResourceType: 'EC2Instance',
          IPAddress: a.address,
          ComputerName: a.computerName,
        })),
        ...(next ? { NextToken: next } : {}),
      };
    }
  }
}
