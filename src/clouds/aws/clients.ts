// The one place that builds AWS SDK v3 clients. The endpoint comes from the inventory (aws_endpoint_url) when
// it names one; otherwise the SDK finds it itself (AWS_ENDPOINT_URL, or endpoint_url in the profile's config).
import { IAMClient } from '@aws-sdk/client-iam';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { STSClient } from '@aws-sdk/client-sts';

export interface AwsTarget {
  region: string;
  /** An explicit endpoint (the inventory's aws_endpoint_url); absent: the SDK's own resolution. */
  endpointUrl?: string;
  /** A named profile of the shared files; absent: AWS_PROFILE or default. */
  profile?: string;
  /** Explicit keys instead of the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call, retries included; 5 unless told. */
  maxAttempts?: number;
}

export interface AwsClients {
  iam: IAMClient;
  ec2: EC2Client;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  sts: STSClient;
  destroy(): void;
}

/** The shared configuration of every client: region, endpoint, profile, standard retries. */
export function clientConfig(target: AwsTarget) {
  // The tool never asks the instance metadata service for anything (it runs on an operator's machine).
  process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
  return {
    region: target.region,
    retryMode: 'standard' as const,
    maxAttempts: target.maxAttempts ?? 5,
    ...(target.endpointUrl ? { endpoint: target.endpointUrl } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
}

export function awsClients(target: AwsTarget): AwsClients {
  const config = clientConfig(target);
  const clients = {
    iam: new IAMClient(config),
    ec2: new EC2Client(config),
    logs: new CloudWatchLogsClient(config),
    cloudwatch: new CloudWatchClient(config),
    sts: new STSClient(config),
  };
  return {
    ...clients,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
