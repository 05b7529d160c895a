// EC2, as the tool needs it: which instance profile an instance has, and giving it one.
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { AwsCallFailed, awsCall } from './errors.js';

export interface ProfileAssociation {
  instanceId: string;
  instanceProfileArn: string;
  associationId: string;
  state: string;
}

export class Ec2 {
  constructor(
    readonly client: EC2Client,
    /** How long a just-created instance profile may take to become visible to EC2. */
    private readonly propagationMs = 60_000,
  ) {}

  /** The current (associating or associated) instance profile association of each instance that has one. */
  async profileAssociations(instanceIds: string[]): Promise<Map<string, ProfileAssociation>> {
    const found = new Map<string, ProfileAssociation>();
    if (instanceIds.length === 0) return found;
    let token: string | undefined;
    do {
      const out = await awsCall('DescribeIamInstanceProfileAssociations', instanceIds.join(','), () =>
        this.client.send(
          new DescribeIamInstanceProfileAssociationsCommand({
            Filters: [
              { Name: 'instance-id', Values: instanceIds },
              { Name: 'state', Values: ['associating', 'associated'] },
            ],
            NextToken: token,
          }),
        ),
      );
      for (const a of out.IamInstanceProfileAssociations ?? []) {
        if (!a.InstanceId || (a.State !== 'associating' && a.State !== 'associated')) continue;
        found.set(a.InstanceId, {
          instanceId: a.InstanceId,
          instanceProfileArn: a.IamInstanceProfile?.Arn ?? '',
          associationId: a.AssociationId ?? '',
          state: a.State,
        });
      }
      token = out.NextToken;
    } while (token);
    return found;
  }

  /** Associates; retries while EC2 does not see a just-created instance profile yet. */
  async associateProfile(instanceId: string, instanceProfileName: string): Promise<string> {
    const deadline = Date.now() + this.propagationMs;
    for (let delay = 1000; ; delay = Math.min(delay * 2, 8000)) {
      try {
        const out = await awsCall('AssociateIamInstanceProfile', instanceId, () =>
          this.client.send(
            new AssociateIamInstanceProfileCommand({
              InstanceId: instanceId,
              IamInstanceProfile: { Name: instanceProfileName },
            }),
          ),
        );
        return out.IamInstanceProfileAssociation?.AssociationId ?? '';
      } catch (err) {
        // The retry of an association whose answer was lost finds it made (IncorrectState): ours, if it
        // holds this instance profile.
        if (err instanceof AwsCallFailed && /IncorrectState/.test(err.code) && (err.attempts ?? 1) > 1) {
          const current = (await this.profileAssociations([instanceId])).get(instanceId);
          if (current && current.instanceProfileArn.endsWith(`:instance-profile/${instanceProfileName}`))
            return current.associationId;
        }
        const notYet = err instanceof AwsCallFailed && /InvalidParameterValue/.test(err.code);
        if (!notYet || Date.now() + delay > deadline) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
