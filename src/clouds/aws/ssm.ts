// AWS Systems Manager Run Command for the SSM transport (src/transports/ssm/api.ts): the one place the SSM client
// is built. Loaded only by a run that has SSM hosts (start-up time is benchmarked).
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  InvocationNotYet,
  type InvocationResult,
  type InvocationStatus,
  type InvocationSummary,
  type ManagedInstance,
  type PingStatus,
  type SendRequest,
  type SsmApi,
} from '../../transports/ssm/api.js';
import { clientConfig, keepErrorBodies, type AwsTarget } from './client-config.js';
import { awsCall, errorCode } from './errors.js';

export function ssmApi(target: AwsTarget): SsmApi {
  const client = keepErrorBodies(new SSMClient(clientConfig(target)));
  const where = target.region;
  return {
    async sendCommand(r: SendRequest): Promise<string> {
      const out = await awsCall('SendCommand', r.instanceIds.join(','), () =>
        client.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: r.instanceIds,
            Parameters: { commands: r.commands, executionTimeout: [String(r.executionTimeoutS)] },
            TimeoutSeconds: r.deliveryTimeoutS,
            MaxConcurrency: r.maxConcurrency,
            MaxErrors: r.maxErrors,
            Comment: r.comment.slice(0, 100),
          }),
        ),
      );
      const id = out.Command?.CommandId;
      if (!id) throw new Error(`SendCommand in ${where} answered no CommandId`);
      return id;
    },

    async listInvocations(commandId: string): Promise<InvocationSummary[]> {
      const found: InvocationSummary[] = [];
      let token: string | undefined;
      do {
        const page = await awsCall('ListCommandInvocations', commandId, () =>
          client.send(new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 50, NextToken: token })),
        );
        for (const i of page.CommandInvocations ?? [])
          if (i.InstanceId)
            found.push({
              instanceId: i.InstanceId,
              status: (i.Status ?? 'Pending') as InvocationStatus,
              statusDetails: i.StatusDetails ?? '',
            });
        token = page.NextToken;
      } while (token);
      return found;
    },

    async getInvocation(commandId: string, instanceId: string): Promise<InvocationResult> {
      try {
        const r = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        return {
          instanceId,
          status: (r.Status ?? 'Pending') as InvocationStatus,
          statusDetails: r.StatusDetails ?? '',
          responseCode: r.ResponseCode ?? -1,
          stdout: r.StandardOutputContent ?? '',
          stderr: r.StandardErrorContent ?? '',
        };
      } catch (err) {
        if (errorCode(err) === 'InvocationDoesNotExist') throw new InvocationNotYet(commandId, instanceId);
        return awsCall('GetCommandInvocation', `${commandId} on ${instanceId}`, () => Promise.reject(err));
      }
    },

    async cancelCommand(commandId: string, instanceIds?: string[]): Promise<void> {
      await awsCall('CancelCommand', commandId, () =>
        client.send(
          new CancelCommandCommand({ CommandId: commandId, ...(instanceIds ? { InstanceIds: instanceIds } : {}) }),
        ),
      );
    },

    async describeInstances(instanceIds: string[]): Promise<ManagedInstance[]> {
      const found: ManagedInstance[] = [];
      let token: string | undefined;
      do {
        const page = await awsCall('DescribeInstanceInformation', instanceIds.join(','), () =>
          client.send(
            new DescribeInstanceInformationCommand({
              Filters: [{ Key: 'InstanceIds', Values: instanceIds }],
              MaxResults: 50,
              NextToken: token,
            }),
          ),
        );
        for (const i of page.InstanceInformationList ?? [])
          if (i.InstanceId)
            found.push({
              instanceId: i.InstanceId,
              pingStatus: (i.PingStatus ?? 'ConnectionLost') as PingStatus,
              ...(i.LastPingDateTime ? { lastPingAt: i.LastPingDateTime } : {}),
              ...(i.AgentVersion ? { agentVersion: i.AgentVersion } : {}),
              ...(i.PlatformName ? { platform: `${i.PlatformName} ${i.PlatformVersion ?? ''}`.trim() } : {}),
            });
        token = page.NextToken;
      } while (token);
      return found;
    },

    destroy(): void {
      client.destroy();
    },
  };
}
