// Starts a real moto server on 127.0.0.1 with a free port, for the AWS adapter tests; stopped by its PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { motoPython } from '../../../../src/lab/moto.js';
import { createServer } from 'node:net';

export interface Moto {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Why moto cannot run here, or undefined when it can. */
export function motoUnavailable(): string | undefined {
  const r = spawnSync(motoPython(), ['-c', 'import moto.server'], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `moto is not installed for ${motoPython()} (${(r.stderr || r.error?.message || '').trim()})`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn(motoPython(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`moto did not start on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('moto has no pid');
  return {
    endpoint,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(pid, 'SIGTERM');
      }),
  };
}
