// Where an agent gets its AWS credentials from, for every agent: the same sources, whatever file the agent
// reads them from. Secrets themselves never sit in the inventory. Types only.

export type CredentialsSpec =
  /** Nothing is written: the agent uses the instance profile (or root's own AWS credentials). */
  | { source: 'instance_profile' }
  /** A profile of the operator's ~/.aws/credentials (default `default`), copied into the agent's file. */
  | { source: 'keys'; profile?: string }
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN of the tool's environment. */
  | { source: 'env' };

/** The keys an agent's credentials file gets when the source is `keys` or `env`. */
export interface ResolvedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
