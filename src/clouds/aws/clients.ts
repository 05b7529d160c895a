// Builds the AWS SDK v3 clients the tool uses together (the SSM transport builds its own in ssm.ts). The endpoint comes from the inventory (aws_endpoint_url) when
// it names one; otherwise the SDK finds it itself (AWS_ENDPOINT_URL, or endpoint_url in the profile's config).
import { IAMClient } from '@aws-sdk/client-iam';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { STSClient } from '@aws-sdk/client-sts';
import { clientConfig, keepErrorBodies, type AwsTarget } from './client-config.js';

export { clientConfig, keepErrorBodies, retryConfig, type AwsTarget } from './client-config.js';

export interface AwsClients {
  iam: IAMClient;
  ec2: EC2Client;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  sts: STSClient;
  destroy(): void;
}

export function awsClients(target: AwsTarget): AwsClients {
  const config = clientConfig(target);
  const clients = {
    iam: keepErrorBodies(new IAMClient(config)),
    ec2: keepErrorBodies(new EC2Client(config)),
    logs: keepErrorBodies(new CloudWatchLogsClient(config)),
    cloudwatch: keepErrorBodies(new CloudWatchClient(config)),
    sts: keepErrorBodies(new STSClient(config)),
  };
  return {
    ...clients,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
