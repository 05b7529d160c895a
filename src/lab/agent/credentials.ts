// Where the agent finds its credentials and region, in botocore's order for what the lab needs: the
// environment, root's shared credentials file (`~/.aws/credentials` [default]), then the CLI config the
// agent runs with (`/etc/awslogs/awscli.conf` [default]: aws_access_key_id / aws_secret_access_key /
// aws_session_token). Region: the environment, awscli.conf [default] region, then `~/.aws/config`.
// No instance profile: the lab has no metadata service, and the agent must never call one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config.js';
import { IniError, parseIni } from '../../agents/awslogs/ini.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsSettings {
  credentials?: Credentials;
  region?: string;
}

export interface AwsSources {
  cliConfigFile: string;
  /** Folder holding `credentials` and `config` (root's `~/.aws`). */
  awsDir: string;
  env: NodeJS.ProcessEnv;
}

type Sections = Map<string, Map<string, string>>;

function readIni(file: string, fatal: boolean): Sections | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseIni(text, file).sections;
  } catch (err) {
    if (fatal && err instanceof IniError) throw new ConfigError(`Unable to parse config file: ${file}`);
    return undefined;
  }
}

function credentialsIn(section: Map<string, string> | undefined): Credentials | undefined {
  const id = section?.get('aws_access_key_id');
  const secret = section?.get('aws_secret_access_key');
  if (!id || !secret) return undefined;
  const token = section?.get('aws_session_token') ?? section?.get('aws_security_token');
  return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
}

export function resolveAwsSettings(src: AwsSources): AwsSettings {
  const cli = readIni(src.cliConfigFile, true);
  const shared = readIni(join(src.awsDir, 'credentials'), false);
  const userConfig = readIni(join(src.awsDir, 'config'), false);
  const env = src.env;
  let credentials: Credentials | undefined;
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
    credentials = {
      accessKeyId: env['AWS_ACCESS_KEY_ID'],
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
      ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}),
    };
  }
  credentials ??= credentialsIn(shared?.get('default')) ?? credentialsIn(cli?.get('default'));
  const region =
    env['AWS_DEFAULT_REGION'] ||
    env['AWS_REGION'] ||
    cli?.get('default')?.get('region') ||
    userConfig?.get('default')?.get('region') ||
    undefined;
  return { credentials, region };
}
