// Who the tool's own AWS calls are made as, asked once before a run touches anything.
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { AwsCallFailed, awsCall, isDenial } from './errors.js';
import { explainCallerFailure } from './credentials.js';

/**
 * The caller's ARN, or undefined when the credentials are good but may not ask (GetCallerIdentity needs no
 * permission on AWS; an endpoint that checks it anyway has still accepted the signature). Credentials AWS
 * refuses, or none found, throw an AwsCredentialsRefused naming where they came from.
 */
export async function assertCredentialsAccepted(
  sts: STSClient,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  try {
    const out = await awsCall('GetCallerIdentity', 'the caller', () => sts.send(new GetCallerIdentityCommand({})));
    return out.Arn;
  } catch (err) {
    if (err instanceof AwsCallFailed && isDenial(err.code)) return undefined;
    throw await explainCallerFailure(err, env);
  }
}
