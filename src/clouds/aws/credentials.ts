// Where the keys written to a host's agent credentials file come from: the tool's environment or one of the
// operator's AWS profiles, never the inventory. An instance profile needs nothing written.
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { CredentialsSpec, ResolvedCredentials } from '../../core/credentials.js';
import { AwsCredentialsRefused, explainAwsFailure } from './errors.js';
import { readOrEmpty, readSection, sectionName } from './shared-files.js';

export const DEFAULT_PROFILE = 'default';

/** The operator's shared credentials file, as the AWS SDK and CLI find it. */
export function sharedCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || path.join(os.homedir(), '.aws', 'credentials');
}

/** The operator's AWS config file (profiles with role_arn, sso_…, credential_process). */
export function sharedConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || path.join(os.homedir(), '.aws', 'config');
}

/**
 * The keys a host's agent gets, or undefined for an instance profile. Errors name the missing profile or
 * variables and never a secret. `env` is where AWS_* variables and the files' locations are read; `variable`
 * is the inventory variable that chose the source (the agent's), as errors name it.
 */
export async function resolveCredentials(
  spec: CredentialsSpec,
  env: NodeJS.ProcessEnv = process.env,
  variable = 'the credentials source',
): Promise<ResolvedCredentials | undefined> {
  switch (spec.source) {
    case 'instance_profile':
      return undefined;
    case 'env':
      return fromEnvironment(env, variable);
    case 'keys':
      return fromProfile(spec.profile ?? DEFAULT_PROFILE, env, variable);
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv, variable: string): ResolvedCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const missing = [
    ...(accessKeyId ? [] : ['AWS_ACCESS_KEY_ID']),
    ...(secretAccessKey ? [] : ['AWS_SECRET_ACCESS_KEY']),
  ];
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError(
      `${variable} is { source: env } but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set in the environment`,
    );
  }
  const credentials: ResolvedCredentials = { accessKeyId, secretAccessKey };
  if (env.AWS_SESSION_TOKEN) credentials.sessionToken = env.AWS_SESSION_TOKEN;
  return credentials;
}

/** Settings with which a profile's keys come from elsewhere (a role, SSO, a process): left to the SDK. */
const INDIRECT_SETTINGS = [
  'role_arn',
  'source_profile',
  'credential_source',
  'credential_process',
  'sso_session',
  'sso_start_url',
  'web_identity_token_file',
];

/**
 * A profile that holds its keys itself, read from the two files as the SDK merges them (the credentials file
 * wins); undefined for any other profile. Spares the SDK's providers (about 25 ms at every start) for the
 * usual case.
 */
async function staticProfileKeys(profile: string, env: NodeJS.ProcessEnv): Promise<ResolvedCredentials | undefined> {
  let credentialsText: string;
  let configText: string;
  try {
    [credentialsText, configText] = await Promise.all([
      readOrEmpty(sharedCredentialsFile(env)),
      readOrEmpty(sharedConfigFile(env)),
    ]);
  } catch {
    return undefined; // unreadable: the SDK says why, naming the profile
  }
  const merged = {
    ...readSection(configText, sectionName('config', profile)),
    ...readSection(credentialsText, sectionName('credentials', profile)),
  };
  if (INDIRECT_SETTINGS.some((k) => k in merged)) return undefined;
  const { aws_access_key_id: accessKeyId, aws_secret_access_key: secretAccessKey } = merged;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const credentials: ResolvedCredentials = { accessKeyId, secretAccessKey };
  if (merged.aws_session_token) credentials.sessionToken = merged.aws_session_token;
  return credentials;
}

async function fromProfile(profile: string, env: NodeJS.ProcessEnv, variable: string): Promise<ResolvedCredentials> {
  const keys = await staticProfileKeys(profile, env);
  if (keys) return keys;
  let identity;
  try {
    // Loaded here, not at start-up: most runs (instance profile, env) never need the SDK's providers.
    const { fromIni } = await import('@aws-sdk/credential-providers');
    identity = await fromIni({
      profile,
      filepath: sharedCredentialsFile(env),
      configFilepath: sharedConfigFile(env),
      ignoreCache: true,
    })();
  } catch (err) {
    // The SDK's messages name the profile and files, not key material.
    const reason = (err as Error).message.split('\n')[0];
    throw new UsageError(
      `${variable} is { source: keys, profile: ${profile} } but AWS profile "${profile}" gives no credentials ` +
        `(looked in ${sharedCredentialsFile(env)} and ${sharedConfigFile(env)}): ${reason}`,
    );
  }
  const credentials: ResolvedCredentials = {
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
  };
  if (identity.sessionToken) credentials.sessionToken = identity.sessionToken;
  return credentials;
}

/** What named the profile in AWS_PROFILE: the environment, unless the inventory did (runs/aws-profile.ts). */
let profileOrigin = 'AWS_PROFILE';

export function setProfileOrigin(origin: string): void {
  profileOrigin = origin;
}

/**
 * Where the tool's own AWS calls take their credentials from, as the AWS SDK's default chain picks them: a
 * named profile (given, or AWS_PROFILE) wins over AWS_ACCESS_KEY_ID, which wins over the default profile.
 * Names the files and the access key id, never a secret.
 */
export function callerCredentialSource(env: NodeJS.ProcessEnv = process.env, profile?: string): string {
  const files = `${sharedCredentialsFile(env)}, ${sharedConfigFile(env)}`;
  const named = profile ?? env.AWS_PROFILE;
  if (named) return `AWS profile "${named}" (${profile ? 'named by the tool' : profileOrigin}; ${files})`;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return `the keys in AWS_ACCESS_KEY_ID (${env.AWS_ACCESS_KEY_ID})${env.AWS_SESSION_TOKEN ? ' and AWS_SESSION_TOKEN' : ''}`;
  }
  return `AWS profile "${DEFAULT_PROFILE}" (${files})`;
}

/**
 * A failure of the tool's own AWS calls as the operator should read it (see explainAwsFailure), with the
 * source of the credentials named. When the SDK found none ("Could not load credentials from any
 * providers"), the profile is asked on its own for the real reason (absent, or its credential_process
 * returned expired credentials).
 */
export async function explainCallerFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const source = callerCredentialSource(env);
  const explained = explainAwsFailure(err, source);
  if (!(explained instanceof AwsCredentialsRefused) || !/ProviderError$/.test(explained.code)) return explained;
  const profile = env.AWS_PROFILE || (env.AWS_ACCESS_KEY_ID ? undefined : DEFAULT_PROFILE);
  if (!profile) return explained;
  try {
    const { fromIni } = await import('@aws-sdk/credential-providers');
    await fromIni({
      profile,
      filepath: sharedCredentialsFile(env),
      configFilepath: sharedConfigFile(env),
      ignoreCache: true,
    })();
    return explained;
  } catch (why) {
    const reason = ((why as Error).message ?? String(why)).split('\n')[0]!;
    return new AwsCredentialsRefused(source, explained.code, reason, explained.operation);
  }
}
