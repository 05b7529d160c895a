// ansible-core itself, through one python3 process that answers for many inventories (ansible_inventory.py):
// Debian's ansible-core lives in Debian's /usr/bin/python3, whatever python3 comes first on PATH.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const HARNESS = fileURLToPath(new URL('../../../test/differential/ansible_inventory.py', import.meta.url));

export interface AnsiblePattern {
  pattern: string;
  hosts?: string[];
  error?: string;
  warnings: string[];
  /** Ansible's answer changes with the order Python walks its sets in (below the first level of children). */
  unstable: boolean;
}

export interface AnsibleResult {
  id: string;
  parsed: boolean;
  /** A vars file Ansible cannot read: `ansible-inventory --list` fails. */
  vars_error?: string;
  crash?: string;
  warnings: string[];
  groups?: Record<string, { hosts: string[]; children: string[] }>;
  hosts?: Record<string, { groups: string[]; vars: Record<string, unknown> }>;
  order?: string[];
  patterns?: AnsiblePattern[];
}

/** The ansible-core version, or why it cannot be used. */
export function ansibleVersion(): { version?: string; missing?: string } {
  const r = spawnSync(PYTHON, ['-c', 'import ansible; print(ansible.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { version: r.stdout.trim() };
  return {
    missing: `${PYTHON} cannot import ansible (apt-get install ansible-core): ${(r.stderr || String(r.error)).trim()}`,
  };
}

/** An environment where nothing of this machine's Ansible set-up (config, ~/.ansible) plays a part. */
export function ansibleEnv(): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'inventory-diff-ansible-'));
  const config = join(home, 'ansible.cfg');
  writeFileSync(config, '');
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    ANSIBLE_CONFIG: config,
    ANSIBLE_HOME: join(home, '.ansible'),
    ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
    ANSIBLE_INVENTORY_ENABLED: 'yaml',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_HOST_PATTERN_MISMATCH: 'warning',
    LC_ALL: 'C.UTF-8',
  };
}

/** Each inventory and its patterns through ansible-core, in one process; cwd is an empty folder (no playbook vars). */
export function readWithAnsible(
  cases: Array<{ id: string; file: string; patterns: string[] }>,
): Promise<AnsibleResult[]> {
  const env = ansibleEnv();
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [HARNESS], { cwd: env.HOME, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the ansible harness exited ${code}: ${stderr.slice(-2000)}`));
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as AnsibleResult),
      );
    });
    child.stdin.end(JSON.stringify({ cases }));
  });
}
