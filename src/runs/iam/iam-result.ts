// What `iam setup` reports: one line per resource it looked at, and what it did to it.

/** The IAM user, role and profile name when none is given (light: the CLI reads it without the AWS SDK). */
export const DEFAULT_IDENTITY_NAME = 'awslogs-agent';

export type IamAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'would-create' | 'would-update' | 'skipped';

export interface IamResult {
  /** e.g. `iam-user/awslogs-agent`, `access-key/awslogs-agent`, `aws-profile/awslogs`, `ec2-instance/i-…`. */
  resource: string;
  action: IamAction;
  /** Never holds a secret. */
  detail: string;
}

export const MASK = '********';

export function changed(results: IamResult[]): boolean {
  return results.some((r) => r.action !== 'unchanged' && r.action !== 'skipped');
}
