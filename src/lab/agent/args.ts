// Command-line flags of the lab agent. Every path defaults to the real agent's; tests point them elsewhere.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentPython } from '../../agents/awslogs/byte-pattern.js';

export interface AgentArgs {
  config: string;
  configDir: string;
  cliConfig: string;
  logFile: string;
  endpointFile: string;
  instanceIdFile: string;
  awsDir: string;
  /**
   * Test-only (not an agent option): the lowest accepted buffer_duration, 5000 like the agent unless
   * lowered so that integration tests need not wait 5 s per batch.
   */
  minBufferDuration: number;
  /** The Python the stand-in behaves as (`--python 2.7|3`): Amazon Linux's package runs 2.7. */
  python: AgentPython;
  /**
   * Lab-only (not an agent option): seconds the agent waits before it brings a failed stream back (a dead
   * publisher's 60 s, a failed refresh's 60 s). 60 as in the agent unless the lab host sets it for a test.
   */
  restartDelayS: number;
  /**
   * Lab-only (not an agent option): a file the agent creates once its configuration is loaded and it runs,
   * so that the lab's SysV script can tell "started" from "refused its config" without guessing a delay.
   */
  readyFile?: string;
}

export const DEFAULT_ARGS: AgentArgs = {
  config: '/etc/awslogs/awslogs.conf',
  configDir: '/etc/awslogs/config',
  cliConfig: '/etc/awslogs/awscli.conf',
  logFile: '/var/log/awslogs.log',
  endpointFile: '/var/lib/awslogs-lab/endpoint_url',
  instanceIdFile: '/var/lib/cloud/data/instance-id',
  awsDir: join(homedir(), '.aws'),
  minBufferDuration: 5000,
  python: '2.7',
  restartDelayS: 60,
};

export const USAGE = `usage: main.js [--config FILE] [--config-dir DIR] [--cli-config FILE] [--log-file FILE]
               [--endpoint-file FILE] [--instance-id-file FILE] [--aws-dir DIR] [--python 2.7|3]`;

export function parseAgentArgs(argv: string[]): AgentArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'config-dir': { type: 'string' },
      'cli-config': { type: 'string' },
      'log-file': { type: 'string' },
      'endpoint-file': { type: 'string' },
      'instance-id-file': { type: 'string' },
      'aws-dir': { type: 'string' },
      'min-buffer-duration': { type: 'string' },
      python: { type: 'string' },
      'restart-delay': { type: 'string' },
      'ready-file': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const min = values['min-buffer-duration'];
  if (min !== undefined && !/^\d+$/.test(min)) throw new Error(`--min-buffer-duration: not a number: ${min}`);
  const python = values.python ?? DEFAULT_ARGS.python;
  if (python !== '2.7' && python !== '3') throw new Error(`--python: 2.7 or 3, not ${python}`);
  const delay = values['restart-delay'];
  if (delay !== undefined && !/^\d+(\.\d+)?$/.test(delay)) throw new Error(`--restart-delay: not a number: ${delay}`);
  return {
    config: values.config ?? DEFAULT_ARGS.config,
    configDir: values['config-dir'] ?? DEFAULT_ARGS.configDir,
    cliConfig: values['cli-config'] ?? DEFAULT_ARGS.cliConfig,
    logFile: values['log-file'] ?? DEFAULT_ARGS.logFile,
    endpointFile: values['endpoint-file'] ?? DEFAULT_ARGS.endpointFile,
    instanceIdFile: values['instance-id-file'] ?? DEFAULT_ARGS.instanceIdFile,
    awsDir: values['aws-dir'] ?? DEFAULT_ARGS.awsDir,
    minBufferDuration: min !== undefined ? Number(min) : DEFAULT_ARGS.minBufferDuration,
    python,
    restartDelayS: delay !== undefined ? Number(delay) : DEFAULT_ARGS.restartDelayS,
    ...(values['ready-file'] !== undefined ? { readyFile: values['ready-file'] } : {}),
  };
}
