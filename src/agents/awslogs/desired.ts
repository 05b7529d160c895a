// What a host running the awslogs agent must look like: the package, its two files, its service.
import type { DesiredState, OsFlavour } from '../../core/types.js';
import type { HostSpec, RenderedFiles } from './spec.js';

export const AWSLOGS_CONF_PATH = '/etc/awslogs/awslogs.conf';
export const AWSCLI_CONF_PATH = '/etc/awslogs/awscli.conf';
export const PACKAGE_NAME = 'awslogs';
/** The agent's own log (Python logging; the manual, step 2.5). */
export const AGENT_LOG_PATH = '/var/log/awslogs.log';

/**
 * True (in a host script, the agent's PID in `$pid`) once the agent has loaded its configuration and state:
 * its own log then has a line of that process from one of the loggers below `cwlogs.push` (stream, reader,
 * publisher, watcher…), which it writes only after the config and the state file opened.
 */
export const AGENT_READY = `tail -c 65536 ${AGENT_LOG_PATH} 2>/dev/null | grep -q -- " - cwlogs\\.push\\.[a-z]* - [A-Z]* - $pid - "`;
/**
 * Where the agent's code (the awscli-cwlogs plugin's `cwlogs` package) lives, by how it was installed: Amazon
 * Linux's package (Python 2.7), a pip install, awslogs-agent-setup.py's virtualenv. The Python in the matching
 * path is the one the agent runs on, which decides how it compiles multi_line_start_pattern.
 */
export const AGENT_CODE_DIRS = [
  '/usr/lib/python*/site-packages/cwlogs',
  '/usr/lib/python*/dist-packages/cwlogs',
  '/usr/lib64/python*/site-packages/cwlogs',
  '/usr/local/lib/python*/site-packages/cwlogs',
  '/usr/local/lib/python*/dist-packages/cwlogs',
  '/var/awslogs/lib/python*/site-packages/cwlogs',
];

/** The package's service: a SysV script on Amazon Linux 1, a systemd unit on Amazon Linux 2. */
export function serviceName(flavour: OsFlavour): string {
  switch (flavour) {
    case 'amzn1':
      return 'awslogs';
    case 'amzn2':
    case 'amzn2023': // no awslogs package there: apply refuses such a host before this name is used
      return 'awslogsd';
  }
}

/**
 * The desired state of one host. Both files restart the agent when they change; awscli.conf may hold a
 * secret key, so it is readable by root only and its secrets are masked wherever it is shown.
 */
export function desiredState(_spec: HostSpec, files: RenderedFiles, flavour: OsFlavour): DesiredState {
  return {
    package: { name: PACKAGE_NAME },
    files: [
      {
        path: AWSLOGS_CONF_PATH,
        content: files.awslogsConf,
        mode: 0o644,
        owner: 'root',
        group: 'root',
        secrets: [],
        notifies: true,
      },
      {
        path: AWSCLI_CONF_PATH,
        content: files.awscliConf,
        mode: 0o600,
        owner: 'root',
        group: 'root',
        secrets: [...files.secrets],
        holdsSecrets: true,
        notifies: true,
        credentials: true,
      },
    ],
    service: { name: serviceName(flavour), running: true, enabled: true },
  };
}
