// What `iam setup` reports: one line per resource it looked at, and what it did to it.

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
