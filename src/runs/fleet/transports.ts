// How a run reaches its hosts, chosen per host: SSH (one connection each), or AWS Systems Manager Run Command
// for `ansible_connection: aws_ssm`, where one fleet per region sends identical scripts of many hosts together.
// The SSM fleet, and the AWS SDK client it needs, load only when a host uses it.
import type { Transport } from '../../core/ports.js';
import type { FailureBudget } from '../../core/failure-budget.js';
import { runWithProgress, type HostResult } from '../../ui/progress.js';
import { openHost, type SessionOptions } from './host-session.js';
import type { PreparedHost } from './prepare.js';

export interface HostTransports {
  /** The host's transport; throws (unreachable…) as openHost does. */
  open(host: PreparedHost): Promise<Transport>;
  /**
   * Hosts worked on at once: --forks over SSH; every SSM host besides, as SSM itself runs a command on --forks
   * instances at a time (MaxConcurrency) and a fleet-wide call needs the hosts' scripts together.
   */
  concurrency: number;
  /** SendCommand calls made (0 without SSM hosts). */
  commandsSent(): number;
  close(): Promise<void>;
}

export interface TransportOptions {
  forks: number;
  session: SessionOptions;
  budget?: FailureBudget;
  /** What SSM's history shows for the run's commands (run id and command). */
  comment: string;
}

/** A counting gate: SSH hosts keep to --forks when SSM hosts run beside them. */
function gate(slots: number): () => Promise<() => void> {
  let free = slots;
  const waiting: (() => void)[] = [];
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
}

function releasing(t: Transport, release: () => void): Transport {
  return {
    run: (command, options) => t.run(command, options),
    runScript: (script, options) => t.runScript(script, options),
    put: (path, content, options) => t.put(path, content, options),
    get: (path, options) => t.get(path, options),
    get roundTrips() {
      return t.roundTrips;
    },
    close: async () => {
      try {
        await t.close();
      } finally {
        release();
      }
    },
  };
}

export async function hostTransports(hosts: PreparedHost[], o: TransportOptions): Promise<HostTransports> {
  const ssmHosts = hosts.filter((h) => h.transport.kind === 'aws_ssm');
  if (ssmHosts.length === 0)
    return {
      open: (host) => openHost(host, o.session),
      concurrency: o.forks,
      commandsSent: () => 0,
      close: async () => {},
    };

  const [{ SsmFleet }, { ssmApi }] = await Promise.all([
    import('../../transports/ssm/fleet.js'),
    import('../../clouds/aws/ssm.js'),
  ]);
  // One fleet per region and endpoint: an SSM command lives in one region.
  const fleets = new Map<string, InstanceType<typeof SsmFleet>>();
  const fleetOf = (host: PreparedHost) => fleets.get(`${host.spec.region} ${host.spec.endpointUrl ?? ''}`)!;
  for (const host of ssmHosts) {
    const key = `${host.spec.region} ${host.spec.endpointUrl ?? ''}`;
    if (fleets.has(key)) continue;
    const members = ssmHosts.filter((h) => `${h.spec.region} ${h.spec.endpointUrl ?? ''}` === key);
    fleets.set(
      key,
      new SsmFleet({
        api: ssmApi({
          // prepare() refuses an SSM host whose agent has no region.
          region: host.spec.region!,
          ...(host.spec.endpointUrl ? { endpointUrl: host.spec.endpointUrl } : {}),
        }),
        instanceIds: members.map((h) => (h.transport.kind === 'aws_ssm' ? h.transport.instanceId : '')),
        maxConcurrency: o.forks,
        ...(o.budget ? { errorBudget: () => o.budget!.remaining() } : {}),
        deliveryTimeoutS: Math.ceil(o.session.connectTimeoutMs / 1000),
        commandTimeoutMs: o.session.commandTimeoutMs,
        comment: o.comment,
      }),
    );
  }
  const sshSlot = gate(o.forks);
  return {
    async open(host) {
      if (host.transport.kind === 'aws_ssm')
        return fleetOf(host).forHost({ name: host.host.name, instanceId: host.transport.instanceId });
      const release = await sshSlot();
      try {
        return releasing(await openHost(host, o.session), release);
      } catch (err) {
        release();
        throw err;
      }
    },
    // Every host starts at once: SSH hosts then wait for one of --forks slots, so none holds SSM hosts back.
    concurrency: hosts.length,
    commandsSent: () => [...fleets.values()].reduce((n, f) => n + f.commandsSent, 0),
    async close() {
      await Promise.all([...fleets.values()].map((f) => f.close()));
    },
  };
}

export interface EveryHostOptions extends TransportOptions {
  /** No progress shown (--json). */
  quiet: boolean;
  /** Stop starting hosts once this returns true (SIGINT). */
  interrupted: () => boolean;
  /** A dry run: progress says "would change". */
  dryRun?: boolean;
}

export interface HostWork<T> {
  run: (host: PreparedHost, transports: HostTransports, progress: (text: string) => void) => Promise<T>;
  /** What progress shows of a host's result, and what the failure budget counts. */
  resultOf: (result: T) => HostResult;
  /** A host's result when it is not worked on (interrupted, or past the failure budget). */
  notRun: (name: string, message: string) => T;
}

/**
 * A run's work on every host, each reached by its own transport: --forks at once over SSH (every SSM host at
 * once: SSM keeps to --forks itself); past the failure budget, hosts not yet started are not run. The
 * transports are closed at the end.
 */
export async function onEveryHost<T>(hosts: PreparedHost[], o: EveryHostOptions, work: HostWork<T>): Promise<T[]> {
  const transports = await hostTransports(hosts, o);
  try {
    return await runWithProgress<T>(
      hosts.map((host) => ({
        title: host.host.name,
        run: async (progress) => {
          const result = o.budget?.exceeded()
            ? work.notRun(host.host.name, o.budget.reason())
            : await work.run(host, transports, progress);
          o.budget?.record(work.resultOf(result).status);
          return result;
        },
        resultOf: work.resultOf,
      })),
      (name) => work.notRun(name, 'interrupted before this host was started'),
      { forks: transports.concurrency, quiet: o.quiet, interrupted: o.interrupted, dryRun: o.dryRun === true },
    );
  } finally {
    await transports.close();
  }
}
