// Where the unified CloudWatch agent (amazon-cloudwatch-agent) keeps its files on a host, and what the tool
// names there. The package's own layout (../shared/reference/cloudwatch-agent.md, "Packages, files, services").

export const PACKAGE_NAME = 'amazon-cloudwatch-agent';
/** The systemd unit the package installs (Amazon Linux 2 and 2023). */
export const SERVICE_NAME = 'amazon-cloudwatch-agent';

export const AGENT_HOME = '/opt/aws/amazon-cloudwatch-agent';
export const CTL_PATH = `${AGENT_HOME}/bin/amazon-cloudwatch-agent-ctl`;
export const ETC_DIR = `${AGENT_HOME}/etc`;
/** The JSON configs the agent really uses: `fetch-config` replaces this folder's content. */
export const CONFIG_DIR = `${ETC_DIR}/amazon-cloudwatch-agent.d`;
/** Deleted by every `fetch-config`: a tool that manages this path loses its idempotency (upstream 1218, 594). */
export const LEGACY_JSON_PATH = `${ETC_DIR}/amazon-cloudwatch-agent.json`;
/** Generated from the JSON on every `fetch-config` and agent start. */
export const TOML_PATH = `${ETC_DIR}/amazon-cloudwatch-agent.toml`;
export const YAML_PATH = `${ETC_DIR}/amazon-cloudwatch-agent.yaml`;
/** rpm `noreplace`: credentials, proxy, TLS and IMDS settings of the agent and its control script. */
export const COMMON_CONFIG_PATH = `${ETC_DIR}/common-config.toml`;
export const LOGS_DIR = `${AGENT_HOME}/logs`;
export const AGENT_LOG_PATH = `${LOGS_DIR}/amazon-cloudwatch-agent.log`;
export const VALIDATION_LOG_PATH = `${LOGS_DIR}/configuration-validation.log`;
/** Read positions: one file per tailed file (state-folder.ts). */
export const STATE_DIR = `${LOGS_DIR}/state`;

/**
 * The tool's managed JSON: outside `amazon-cloudwatch-agent.d/` (which `fetch-config` rewrites) and not
 * `amazon-cloudwatch-agent.json` (which it deletes). `fetch-config -c file:` copies it into the folder as
 * `file_awslogs-provision.json` (installedConfigPath), and the tool compares the two.
 */
export const MANAGED_JSON_PATH = `${ETC_DIR}/awslogs-provision.json`;
/** The shared credentials file `common-config.toml` points at when the inventory gives keys (0600). */
export const CREDENTIALS_PATH = `${ETC_DIR}/awslogs-provision-credentials`;
/** The profile of CREDENTIALS_PATH, as Amazon's on-premises guide names it. */
export const CREDENTIALS_PROFILE = 'AmazonCloudWatchAgent';
/** The user the package creates; `agent.run_as_user: cwagent` runs the agent as it. */
export const PACKAGE_USER = 'cwagent';
