// Ansible, the baseline: Debian's ansible-core, the playbook in bench/ansible/, the lab inventory as it is.
// Connection: OpenSSH with ControlMaster on (one connection per host per run, as the tool holds one), a fresh
// ControlPath folder per run and its masters closed after it, so that no run inherits a connection; pipelining
// on (Ansible's own fastest setting); the same key, known_hosts and algorithms as the tool and the floor.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, timed, type Timed } from './measure.js';
import { ALGORITHMS } from './hosts.js';

export const PLAYBOOK = fileURLToPath(new URL('../../bench/ansible/awslogs.yml', import.meta.url));

export async function ensureAnsible(log: (line: string) => void): Promise<string> {
  const found = await run('sh', ['-c', 'command -v ansible-playbook']);
  if (found.code !== 0) {
    log('installing ansible-core (apt-get install -y ansible-core)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = await run('apt-get', ['install', '-y', '-q', 'ansible-core'], { env });
    if (r.code !== 0) {
      await run('apt-get', ['update', '-q'], { env });
      r = await run('apt-get', ['install', '-y', '-q', 'ansible-core'], { env });
    }
    if (r.code !== 0) throw new Error(`apt-get install ansible-core failed: ${r.stderr.trim().slice(-500)}`);
  }
  const version = await run('ansible-playbook', ['--version']);
  return version.stdout.split('\n')[0]?.trim() ?? 'ansible-playbook';
}

export interface AnsibleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AnsibleRun extends Timed {
  /** PLAY RECAP per host: ok/changed/unreachable/failed counts. */
  recap: Map<string, Record<string, number>>;
  /** With -vvv: ssh/sftp/scp client invocations per host address (each one a session on the master connection). */
  execs?: Map<string, number>;
}

export class Ansible {
  private readonly varsDir = mkdtempSync(join(tmpdir(), 'awslogs-bench-ansible-'));
  private readonly varsFile = join(this.varsDir, 'credentials.json');

  /**
   * `credentials` are the agent's keys (awslogs' playbook templates them); `extraVars`, more variables for the
   * playbook (kept with them in a 0600 file, never on the command line).
   */
  constructor(
    private readonly inventory: string,
    private readonly forks: number,
    credentials: AnsibleCredentials,
    private readonly playbook: string = PLAYBOOK,
    extraVars: Record<string, unknown> = {},
  ) {
    const vars: Record<string, unknown> = {
      bench_aws_access_key_id: credentials.accessKeyId,
      bench_aws_secret_access_key: credentials.secretAccessKey,
      ...extraVars,
    };
    if (credentials.sessionToken) vars.bench_aws_session_token = credentials.sessionToken;
    writeFileSync(this.varsFile, JSON.stringify(vars), { mode: 0o600 });
  }

  async play(options: { verbose?: boolean } = {}): Promise<AnsibleRun> {
    const controlDir = mkdtempSync(join(tmpdir(), 'awslogs-bench-cp-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_FORKS: String(this.forks),
      ANSIBLE_PIPELINING: 'True',
      ANSIBLE_SSH_ARGS: [
        '-o',
        'ControlMaster=auto',
        '-o',
        'ControlPersist=60s',
        '-o',
        'IdentitiesOnly=yes',
        ...ALGORITHMS,
      ].join(' '),
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_LOCALHOST_WARNING: 'False',
      ANSIBLE_DEPRECATION_WARNINGS: 'False',
    };
    try {
      const args = ['-i', this.inventory, '-e', `@${this.varsFile}`, this.playbook];
      if (options.verbose) args.unshift('-vvv');
      const r = await timed('ansible-playbook', args, { env, timeoutMs: 600_000 });
      const result: AnsibleRun = { ...r, recap: recap(r.stdout) };
      if (options.verbose) result.execs = countExecs(r.stdout);
      return result;
    } finally {
      await this.closeMasters(controlDir);
    }
  }

  /** Ends the run's ControlPersist masters (ssh processes Ansible left behind for 60 s). */
  private async closeMasters(controlDir: string): Promise<void> {
    const sockets = readdirSync(controlDir);
    await Promise.all(
      sockets.map((s) => run('ssh', ['-o', `ControlPath=${join(controlDir, s)}`, '-O', 'exit', 'lab-master'])),
    );
    rmSync(controlDir, { recursive: true, force: true });
  }

  dispose(): void {
    rmSync(this.varsDir, { recursive: true, force: true });
  }
}

/** `lab01 : ok=5 changed=4 unreachable=0 failed=0 …` → per host counts. */
export function recap(stdout: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const [, k, v] of m[2]!.matchAll(/(\w+)=(\d+)/g)) counts[k!] = Number(v);
    out.set(m[1]!, counts);
  }
  return out;
}

/** `<10.213.7.11> SSH: EXEC ssh …` / `SSH: EXEC sftp …` lines of -vvv output, per address. */
export function countExecs(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stdout.matchAll(/^<([^>]+)> SSH: EXEC (?:ssh|sftp|scp) /gm)) {
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  }
  return out;
}
