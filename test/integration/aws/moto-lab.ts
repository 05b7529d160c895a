// A real moto server for one test file: free port on 127.0.0.1, auth on after the operator's bootstrap.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMoto, stopMoto, type MotoServer } from '../../../src/lab/moto.js';
import { BOOTSTRAP_ACTIONS, bootstrapOperator, type OperatorProfile } from '../../../src/lab/operator.js';
import type { Inventory, InventoryHost } from '../../../src/inventory/types.js';

export const REGION = 'ap-northeast-2';

export interface MotoLab {
  moto: MotoServer;
  stateDir: string;
  operator: OperatorProfile;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts moto, bootstraps the operator, and makes this process act as the operator (profile `lab`). */
export async function startMotoLab(freeActions = BOOTSTRAP_ACTIONS): Promise<MotoLab> {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const stateDir = await mkdtemp(join(tmpdir(), 'awslogs-moto-'));
  const moto = await startMoto({ host: '127.0.0.1', port: await freePort(), stateDir, freeActions });
  try {
    const operator = await bootstrapOperator({ url: moto.url, stateDir, region: REGION });
    Object.assign(process.env, operator.env);
    return {
      moto,
      stateDir,
      operator,
      async stop() {
        await stopMoto(stateDir);
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopMoto(stateDir);
    throw err;
  }
}

/** An inventory as the loader would give it: every host with the same vars plus its own. */
export function inventoryOf(vars: Record<string, unknown>, hosts: Record<string, Record<string, unknown>>): Inventory {
  const list: InventoryHost[] = Object.entries(hosts).map(([name, own]) => ({
    name,
    groups: ['all'],
    vars: { ...vars, ...own },
    locate: () => ({ file: '/virtual/inventory.yml' }),
  }));
  return {
    file: '/virtual/inventory.yml',
    hosts: list,
    groups: { all: { name: 'all', hosts: list.map((h) => h.name), children: [], vars } },
  };
}
