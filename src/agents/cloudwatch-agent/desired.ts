// What a host running the CloudWatch agent must look like: the package, the managed JSON (stable,
// pretty-printed), common-config.toml, the shared credentials file, the service, and the command that installs a
// config (the agent's own validation runs on the host before anything is replaced). Pure.
import type { DesiredCommand, DesiredFile, DesiredState, OsFlavour } from '../../core/types.js';
import { canonical } from './config-check.js';
import {
  COMMON_CONFIG_PATH,
  CONFIG_DIR,
  CREDENTIALS_PATH,
  CREDENTIALS_PROFILE,
  CTL_PATH,
  LEGACY_JSON_PATH,
  MANAGED_JSON_PATH,
  PACKAGE_NAME,
  SERVICE_NAME,
  TOML_PATH,
  YAML_PATH,
} from './paths.js';
import { fetchConfigName, installedConfigPath } from './state-folder.js';
import type { CloudWatchAgentSpec, ResolvedCredentials } from './spec.js';

/**
 * JSON with every object's keys sorted (the agent does not care about their order; lists keep theirs), two-space
 * indentation and a trailing newline: the same config always prints the same bytes, so a dry-run diff is stable.
 */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonical(value)), null, 2)}\n`;
}

export function desiredJson(spec: CloudWatchAgentSpec): string {
  return stableJson(spec.config);
}

/**
 * common-config.toml: the package's stock comments, and a [credentials] section when keys are written. The
 * path and profile are the tool's constants; TOML basic strings take JSON's escapes.
 */
export function commonConfigToml(spec: CloudWatchAgentSpec): string {
  const lines = [
    '# Written by awslogs-provision. Settings the agent and amazon-cloudwatch-agent-ctl read besides the JSON:',
    '# [credentials] shared_credential_profile / shared_credential_file, [proxy], [ssl] ca_bundle_path, [imds].',
    '',
  ];
  if (spec.credentials.source !== 'instance_profile') {
    lines.push(
      '[credentials]',
      `   shared_credential_profile = ${JSON.stringify(CREDENTIALS_PROFILE)}`,
      `   shared_credential_file = ${JSON.stringify(CREDENTIALS_PATH)}`,
      '',
    );
  }
  return lines.join('\n');
}

/** The shared credentials file common-config.toml names; empty (absent) for an instance profile. */
export function credentialsFile(keys: ResolvedCredentials): string {
  const lines = [
    `[${CREDENTIALS_PROFILE}]`,
    `aws_access_key_id = ${keys.accessKeyId}`,
    `aws_secret_access_key = ${keys.secretAccessKey}`,
  ];
  if (keys.sessionToken) lines.push(`aws_session_token = ${keys.sessionToken}`);
  return `${lines.join('\n')}\n`;
}

export interface CloudWatchAgentDesired {
  package: { name: string };
  /**
   * The files the tool writes. The managed JSON does not restart the agent itself: the install command does,
   * only when it or the agent's copy in amazon-cloudwatch-agent.d/ differs.
   */
  files: DesiredFile[];
  service: { name: string; running: true; enabled: true };
  /** The agent's copy of the managed JSON, which the tool compares with it (fetch-config writes it). */
  installedConfigPath: string;
  /** Validates the managed JSON with the agent's own rules, installs it in .d/ and restarts the agent; exit 1 when refused. */
  installCommand: string;
}

/**
 * The desired state of one host. `keys` are the resolved credentials for keys/env sources (undefined for the
 * instance profile): they land only in the credentials file, root's, 0600 (0640 to the group of the user the agent
 * runs as).
 */
export function desiredState(spec: CloudWatchAgentSpec, keys: ResolvedCredentials | undefined): CloudWatchAgentDesired {
  const files: DesiredFile[] = [
    {
      path: MANAGED_JSON_PATH,
      content: desiredJson(spec),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      secrets: [],
      notifies: false,
    },
    {
      path: COMMON_CONFIG_PATH,
      content: commonConfigToml(spec),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      secrets: [],
      notifies: true,
    },
  ];
  if (keys !== undefined && spec.credentials.source !== 'instance_profile') {
    const secrets = [keys.secretAccessKey, ...(keys.sessionToken ? [keys.sessionToken] : [])];
    // Root's, so that the tool never writes through a file another user controls (path-guard.ts); readable by the
    // group of agent.run_as_user (the package's cwagent has a group of its name), else by root alone.
    const asUser = spec.runAsUser !== undefined && spec.runAsUser !== 'root' && spec.runAsUser !== '0';
    files.push({
      path: CREDENTIALS_PATH,
      content: credentialsFile(keys),
      mode: asUser ? 0o640 : 0o600,
      owner: 'root',
      group: asUser ? spec.runAsUser! : 'root',
      secrets,
      holdsSecrets: true,
      notifies: true,
      credentials: true,
    });
  }
  return {
    package: { name: PACKAGE_NAME },
    files,
    service: { name: SERVICE_NAME, running: true, enabled: true },
    installedConfigPath: installedConfigPath(MANAGED_JSON_PATH),
    installCommand: `${CTL_PATH} -a fetch-config -m ec2 -c file:${MANAGED_JSON_PATH} -s`,
  };
}

/** The package manager command on a flavour the agent runs on; undefined where it does not (Amazon Linux 1). */
export function installPackageCommand(flavour: OsFlavour): string | undefined {
  switch (flavour) {
    case 'amzn2023':
      return `dnf install -y ${PACKAGE_NAME}`;
    case 'amzn2':
      return `yum install -y ${PACKAGE_NAME}`;
    case 'amzn1':
      return undefined;
  }
}

/** Why the agent cannot be provisioned on a flavour, or undefined when it can. */
export function unsupportedFlavour(flavour: OsFlavour | 'unknown'): string | undefined {
  if (flavour === 'amzn2' || flavour === 'amzn2023') return undefined;
  if (flavour === 'amzn1') {
    return 'Amazon Linux 1 cannot run amazon-cloudwatch-agent here: it has no package repository for it, runs it only under upstart, and is past its end of life; keep log_agent: awslogs on this host';
  }
  return 'amazon-cloudwatch-agent is provisioned on Amazon Linux 2 (yum) and Amazon Linux 2023 (dnf) only';
}

/**
 * `fetch-config` as a desired command: it validates the managed JSON with the agent's own rules, then copies it
 * into amazon-cloudwatch-agent.d/ (replacing every other config there), deletes the legacy JSON, regenerates the
 * TOML and restarts the agent. It runs only when the managed JSON changes, when the agent's copy is not the
 * desired JSON, or when the folder holds any other config: a re-run changes nothing and restarts nothing.
 */
export function fetchConfigCommand(spec: CloudWatchAgentSpec): DesiredCommand {
  const copy = installedConfigPath(MANAGED_JSON_PATH);
  return {
    name: 'fetch-config',
    command: `${CTL_PATH} -a fetch-config -m ec2 -c file:${MANAGED_JSON_PATH} -s`,
    after: [MANAGED_JSON_PATH],
    expect: [{ path: copy, content: desiredJson(spec) }],
    only: { dir: CONFIG_DIR, names: [fetchConfigName(MANAGED_JSON_PATH)] },
    // What it writes or removes: its copy (and the .tmp it stages, left behind when validation refuses), the
    // legacy JSON, the generated TOML and YAML, and every other config in the folder.
    writes: [copy, `${copy}.tmp`, LEGACY_JSON_PATH, TOML_PATH, YAML_PATH],
    writesIn: [CONFIG_DIR],
    restartsService: true,
  };
}

/** The whole desired state: the package (dnf or yum, by flavour), the files, fetch-config, the service. */
export function desiredHostState(spec: CloudWatchAgentSpec, files: DesiredFile[]): DesiredState {
  return {
    package: { name: PACKAGE_NAME },
    files,
    commands: [fetchConfigCommand(spec)],
    service: { name: SERVICE_NAME, running: true, enabled: true },
  };
}
