// What one SSH connection costs the tool's machine: the tool's own transport (ssh2, its algorithms, its
// known_hosts check) connects to every host of an inventory at once, runs `true`, closes; several rounds.
// Prints one JSON line: connections, wall seconds, this process's CPU seconds, and the whole machine's busy
// CPU seconds (the lab's sshds run on this machine too, so that is client + server) and the lab hosts' own.
// Usage: node dist/bench/handshakes.js INVENTORY ROUNDS
import { prepare } from '../src/runs/fleet/prepare.js';
import { DEFAULT_SESSION, openHost } from '../src/runs/fleet/host-session.js';
import { hostsCpuSeconds, machineCpuSeconds } from './measure.js';

async function main(): Promise<void> {
  const [inventory, roundsArg] = process.argv.slice(2);
  if (!inventory) throw new Error('usage: handshakes.js INVENTORY ROUNDS');
  const rounds = Number(roundsArg ?? 5);
  const prepared = await prepare(inventory, undefined, { render: false });
  const hosts = prepared.hosts;
  // One warm-up round: module loading and JIT are not what a connection costs.
  await Promise.all(hosts.map(async (h) => (await openHost(h, DEFAULT_SESSION)).close()));
  const cpu0 = process.cpuUsage();
  const busy0 = machineCpuSeconds();
  const hosts0 = hostsCpuSeconds();
  const started = process.hrtime.bigint();
  let connectS = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(
      hosts.map(async (h) => {
        const t = await openHost(h, DEFAULT_SESSION);
        try {
          await t.run('true', { become: false });
        } finally {
          await t.close();
        }
      }),
    );
    connectS += Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const machineS = machineCpuSeconds() - busy0;
  const hostsS = hostsCpuSeconds() - hosts0;
  process.stdout.write(
    JSON.stringify({
      connections: rounds * hosts.length,
      hosts: hosts.length,
      rounds,
      wallS,
      perRoundS: connectS / rounds,
      clientCpuS: (cpu.user + cpu.system) / 1e6,
      machineCpuS: machineS,
      hostsCpuS: hostsS,
    }) + '\n',
  );
}

await main();
