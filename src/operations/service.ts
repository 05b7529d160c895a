// The agent's service: running, enabled at boot, and restarted when something it reads changed (a handler).

import type { Change, DesiredService, HostFacts, OsFlavour, StepOutcome } from '../core/types.js';

type ServiceChange = Extract<Change, { kind: 'service' }>;
type ServiceAction = ServiceChange['action'];

/** systemd, on Amazon Linux 2 and 2023. */
const SYSTEMD_COMMANDS: Record<ServiceAction, (name: string) => string> = {
  start: (name) => `systemctl start ${name}`,
  // Only the boot-time links: without --no-reload, enable makes systemd reload every unit, its dearest step.
  enable: (name) => `systemctl enable --no-reload ${name}`,
  restart: (name) => `systemctl restart ${name}`,
};

/** How each flavour's init system starts, enables and restarts a service. */
export const SERVICE_COMMANDS: Record<OsFlavour, Record<ServiceAction, (name: string) => string>> = {
  // Amazon Linux 1: SysV init.
  amzn1: {
    start: (name) => `service ${name} start`,
    enable: (name) => `chkconfig ${name} on`,
    restart: (name) => `service ${name} restart`,
  },
  amzn2: SYSTEMD_COMMANDS,
  amzn2023: SYSTEMD_COMMANDS,
};

/** The service's name on a flavour: `names[flavour]` when given, else `name`. */
export function serviceNameOn(desired: DesiredService, flavour: OsFlavour): string {
  return desired.names?.[flavour] ?? desired.name;
}

/** What notified the service in this run: the paths of files the agent reads whose content changes, or the package install. */
export interface ServiceTriggers {
  notifiedBy: string[];
  /** A planned command that (re)starts the service itself (it stands for both the start and the restart). */
  restartedBy?: string;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9@._-]*$/;

/**
 * Handler semantics, as Ansible's `notify`: restart only when something the agent reads changed AND it was
 * running. When it was not running, the start reads the new files, so there is never both a start and a restart.
 * `running: false` means "not managed": no stop is planned, and a running agent still gets its restart.
 */
export function serviceOperation(desired: DesiredService, facts: HostFacts, triggers: ServiceTriggers): StepOutcome {
  const flavour = facts.os.flavour;
  if (flavour === 'unknown') return { changes: [], refusals: [`unsupported OS ${facts.os.id} ${facts.os.version}`] };
  const name = serviceNameOn(desired, flavour);
  if (!SERVICE_NAME.test(name))
    return { changes: [], refusals: [`service name ${JSON.stringify(name)} is not a plain unit name: refused`] };
  const commands = SERVICE_COMMANDS[flavour];
  const make = (action: ServiceAction, why: string): ServiceChange => ({
    kind: 'service',
    action,
    name,
    summary: `${action} ${name} (${why})`,
    command: commands[action](name),
  });

  const changes: ServiceChange[] = [];
  if (triggers.restartedBy === undefined) {
    if (!facts.service.active && desired.running) changes.push(make('start', 'not running'));
    else if (facts.service.active && triggers.notifiedBy.length > 0)
      changes.push(make('restart', `changed: ${triggers.notifiedBy.join(', ')}`));
  }
  if (!facts.service.enabled && desired.enabled) changes.push(make('enable', 'not enabled at boot'));
  if (changes.length > 0) return { changes };

  const state = [facts.service.active ? 'running' : 'stopped', facts.service.enabled ? 'enabled' : 'disabled'];
  if (triggers.restartedBy !== undefined)
    return {
      changes: [],
      noop: `${name} ${facts.service.enabled ? 'enabled' : 'disabled'}; ${triggers.restartedBy} restarts it`,
    };
  return { changes: [], noop: `${name} already ${state.join(' and ')}` };
}

/** Everything a remote script needs to drive the service, including its health check. */
export interface ServiceControl {
  /** Exit 0 while the service runs. */
  status: string;
  start: string;
  stop: string;
  restart: string;
  /** Clears a failed state that would refuse the next start (systemd's start rate limit). */
  reset: string;
  /** Exit 0 while the service is enabled at boot. */
  isEnabled: string;
  /** No longer started at boot. */
  disable: string;
  /** Prints the main process's PID (as `KEY=PID` from systemd, or bare from a SysV pid file). */
  mainPid?: string;
  /**
   * A shell condition, true once the agent (its PID in `$pid`) has got past loading its configuration: the
   * health check waits for it (bounded) besides the two seconds, so that an agent slow to start on a busy
   * host is not taken as healthy before it could refuse its config. From the agent module.
   */
  ready?: string;
}

export function serviceControl(flavour: OsFlavour, name: string, ready?: string): ServiceControl {
  const commands = SERVICE_COMMANDS[flavour];
  const systemd = flavour !== 'amzn1';
  return {
    status: systemd ? `systemctl is-active --quiet ${name}` : `service ${name} status`,
    start: commands.start(name),
    stop: systemd ? `systemctl stop ${name}` : `service ${name} stop`,
    restart: commands.restart(name),
    reset: systemd ? `systemctl reset-failed ${name}` : 'true',
    isEnabled: systemd ? `systemctl is-enabled --quiet ${name}` : `chkconfig ${name}`,
    disable: systemd ? `systemctl disable --no-reload ${name}` : `chkconfig ${name} off`,
    // Without --value, which systemd 219 (Amazon Linux 2) lacks: the script keeps what follows `=`.
    mainPid: systemd ? `systemctl show -p MainPID ${name}` : `cat /var/run/${name}.pid`,
    ...(ready !== undefined ? { ready } : {}),
  };
}
