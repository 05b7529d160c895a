// The SSM agents the lab's endpoint knows: each registers by polling (outbound, from its host, as the real
// agent does), is Online while it polls and ConnectionLost once it has not for a while, and is listed only
// while its instance exists in the lab (a host that is gone is a terminated instance: not listed).
export type PingStatus = 'Online' | 'ConnectionLost';

/** An agent unheard of this long is ConnectionLost (AWS takes minutes; the lab, 20 seconds). */
export const LOST_AFTER_MS = 20_000;

export interface AgentInfo {
  instanceId: string;
  address: string;
  computerName: string;
  platformName: string;
  platformVersion: string;
  agentVersion: string;
  /** Last time a poll came in or ended. */
  lastSeen: number;
  /** Polls held open right now. */
  polling: number;
}

export interface LabInstance {
  instanceId: string;
  address: string;
}

export interface AgentsOptions {
  /** The lab's instances now (from its state file): an agent's instance must be one, polling from its address. */
  instances: () => LabInstance[];
  /** How long without a poll before an agent is ConnectionLost, ms. */
  lostAfterMs?: number;
  now?: () => number;
}

export class Agents {
  private readonly known = new Map<string, AgentInfo>();
  private readonly now: () => number;

  constructor(private readonly options: AgentsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Why a poll from this address for this instance is refused, or undefined. */
  refusal(instanceId: string, address: string): string | undefined {
    const instance = this.options.instances().find((i) => i.instanceId === instanceId);
    if (!instance) return `no lab instance ${instanceId}`;
    if (instance.address !== address) return `${instanceId} lives at ${instance.address}, not ${address}`;
    return undefined;
  }

  seen(info: Omit<AgentInfo, 'lastSeen' | 'polling'>): AgentInfo {
    const agent = this.known.get(info.instanceId) ?? { ...info, lastSeen: 0, polling: 0 };
    Object.assign(agent, info, { lastSeen: this.now() });
    this.known.set(info.instanceId, agent);
    return agent;
  }

  pollStarted(instanceId: string): void {
    const agent = this.known.get(instanceId);
    if (agent) agent.polling++;
  }

  pollEnded(instanceId: string): void {
    const agent = this.known.get(instanceId);
    if (!agent) return;
    agent.polling = Math.max(0, agent.polling - 1);
    agent.lastSeen = this.now();
  }

  pingStatus(agent: AgentInfo): PingStatus {
    if (agent.polling > 0) return 'Online';
    return this.now() - agent.lastSeen <= (this.options.lostAfterMs ?? LOST_AFTER_MS) ? 'Online' : 'ConnectionLost';
  }

  /** Registered agents of instances that still exist. */
  list(): AgentInfo[] {
    const live = new Set(this.options.instances().map((i) => i.instanceId));
    return [...this.known.values()].filter((a) => live.has(a.instanceId));
  }

  registered(instanceId: string): boolean {
    return this.list().some((a) => a.instanceId === instanceId);
  }
}
