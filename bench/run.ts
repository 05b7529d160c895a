// `npm run bench -- --hosts N`: the tool against Ansible and against the cost of merely reaching the hosts,
// and the tool over SSM Run Command against itself over SSH, in one run, on the same lab hosts. Writes a table
// to stdout and bench/results/latest.json.
//
// Per repetition (default 5), on N lab hosts, every figure the median of the repetitions with min and max:
//   reset → tool dry-run (every change pending) → tool first provision → tool no-change → tool verify → floor
//   reset → the same three over SSM (the lab's SSM endpoint and each host's SSM agent; sshd only for the reset)
//   reset → Ansible first run → (check: the tool sees nothing to change) → Ansible no-change run
// then one counting pass (Ansible -vvv, first and no-change), the tool's SSH handshake cost, the tool's
// peak RSS on a larger lab (default 100 hosts), the CloudWatch agent's rows on as many Amazon Linux 2023 hosts
// (bench/cwagent.ts; --cwagent-hosts), `provision migrate` and its rollback against Ansible's naive migration on
// as many Amazon Linux 2 hosts (bench/migrate.ts; --migrate-hosts), and with --ssm-scale N the tool over SSM on a
// lab of N hosts.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { run, ratio, settle, spread, timed, type Spread, type Timed } from './measure.js';
import { readLabInventory, resetHosts, sshFloor, type LabInventory } from './hosts.js';
import { Ansible, ensureAnsible, type AnsibleCredentials } from './ansible.js';
import { CWAGENT_PLAYBOOK, cwagentRepetition } from './cwagent.js';
import { MIGRATE_PLAYBOOK, migrateRepetition } from './migrate.js';
import { labPaths } from '../src/lab/layout.js';
import { frontDir, motoDir } from '../src/lab/aws-endpoint.js';
import { pidFile as motoPidFile } from '../src/lab/moto.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist', 'src', 'main.js');
// The lab's own paths (slot 0 unless AWSLOGS_LAB_SLOT says otherwise).
const LAB_INVENTORY = labPaths().inventory;
const LAB_SSM_INVENTORY = labPaths().ssmInventory;
const LAB_AWS_ENV = join(labPaths().stateDir, 'aws', 'env');
const RESULTS = join(REPO, 'bench', 'results');

const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    runs: { type: 'string', default: '5' },
    os: { type: 'string', default: 'amzn2' },
    'rss-hosts': { type: 'string', default: '100' },
    // systemd hosts (amzn2) stop booting past about 40 in the lab on this machine; amzn1 hosts go to 200.
    'scale-os': { type: 'string', default: 'amzn1' },
    // The CloudWatch agent's rows, on Amazon Linux 2023 hosts: as many as --hosts unless said; 0 leaves them out.
    'cwagent-hosts': { type: 'string', default: '' },
    // The migration's rows, on Amazon Linux 2 hosts: as many as --hosts unless said; 0 or --skip-migrate: left out.
    'migrate-hosts': { type: 'string', default: '' },
    'skip-migrate': { type: 'boolean', default: false },
    // Leaves out the awslogs rows' repetitions (their small lab still starts): for a run of the other rows only.
    'skip-awslogs': { type: 'boolean', default: false },
    'skip-ansible': { type: 'boolean', default: false },
    'skip-ssm': { type: 'boolean', default: false },
    // The tool over SSM on a lab of N hosts of --scale-os (dry-run, first provision, no-change): the largest
    // fleet over SSM the machine holds. 0: not measured.
    'ssm-scale': { type: 'string', default: '0' },
    'keep-lab': { type: 'boolean', default: false },
    out: { type: 'string', default: join(RESULTS, 'latest.json') },
  },
});
const HOSTS = Number(opts.hosts);
const RUNS = Number(opts.runs);
const AWSLOGS_RUNS = opts['skip-awslogs'] ? 0 : RUNS;
const RSS_HOSTS = (opts['rss-hosts'] ?? '')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const SSM_SCALE = Number(opts['ssm-scale']);
const CWAGENT_HOSTS = opts['cwagent-hosts'] === '' ? HOSTS : Number(opts['cwagent-hosts']);
const MIGRATE_HOSTS = opts['skip-migrate'] ? 0 : opts['migrate-hosts'] === '' ? HOSTS : Number(opts['migrate-hosts']);

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

// ---- the lab ----

function labEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  for (const line of readFileSync(LAB_AWS_ENV, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = labEnv()): Promise<Timed> {
  return timed(process.execPath, [CLI, ...args], { env, cwd: REPO, watch: labAwsPids });
}

async function labUp(hosts: number, os = opts.os!): Promise<LabInventory> {
  log(`lab up --hosts ${hosts} --os ${os}`);
  const up = await run(process.execPath, [CLI, 'lab', 'up', '--hosts', String(hosts), '--os', os], {
    cwd: REPO,
    env: { ...process.env, CI: 'true' },
  });
  if (up.code !== 0) throw new Error(`lab up failed (${up.code}): ${up.stderr.trim().slice(-1000)}`);
  // The agent's own IAM user and key profile (idempotent), as an operator makes it before provisioning.
  const iam = await run(process.execPath, [CLI, 'iam', 'setup', '--inventory', LAB_INVENTORY], {
    cwd: REPO,
    env: labEnv(),
  });
  if (iam.code !== 0) throw new Error(`iam setup failed (${iam.code}): ${iam.stderr.trim().slice(-1000)}`);
  const lab = readLabInventory(LAB_INVENTORY);
  if (lab.hosts.length !== hosts) throw new Error(`lab up gave ${lab.hosts.length} hosts, not ${hosts}`);
  return lab;
}

/** A copy of a lab inventory in a folder of its own: the tool's journal lands beside it, not in the repo. */
function inventoryCopy(from = LAB_INVENTORY): string {
  const dir = mkdtempSync(join(tmpdir(), 'awslogs-bench-inv-'));
  const file = join(dir, 'lab.yml');
  copyFileSync(from, file);
  return file;
}

/** The lab's AWS on this machine (its SSM endpoint, moto): the pids its figures watch, read afresh each time. */
function labAwsPids(): (number | undefined)[] {
  const pid = (file: string) => {
    try {
      const n = Number.parseInt(readFileSync(file, 'utf8'), 10);
      return Number.isInteger(n) && n > 1 ? n : undefined;
    } catch {
      return undefined;
    }
  };
  const paths = labPaths();
  return [pid(join(frontDir(paths), 'front.pid')), pid(motoPidFile(motoDir(paths)))];
}

/** The keys the tool writes into awscli.conf (the inventory's profile), handed to Ansible's template. */
function agentCredentials(inventory: string, env: NodeJS.ProcessEnv): AnsibleCredentials {
  const doc = parse(readFileSync(inventory, 'utf8')) as {
    all: { vars: { awslogs_credentials?: { source: string; profile?: string } } };
  };
  const spec = doc.all.vars.awslogs_credentials ?? { source: 'instance_profile' };
  if (spec.source === 'env') {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' };
  }
  if (spec.source !== 'keys') throw new Error(`the bench needs keys or env credentials, not ${spec.source}`);
  const profile = spec.profile ?? 'default';
  const text = readFileSync(env.AWS_SHARED_CREDENTIALS_FILE!, 'utf8');
  const section = text.split(/^\[/m).find((s) => s.startsWith(`${profile}]`));
  const value = (k: string) => new RegExp(`^${k}\\s*=\\s*(\\S+)`, 'm').exec(section ?? '')?.[1];
  const accessKeyId = value('aws_access_key_id');
  const secretAccessKey = value('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) throw new Error(`no keys for profile ${profile}`);
  const token = value('aws_session_token');
  return token ? { accessKeyId, secretAccessKey, sessionToken: token } : { accessKeyId, secretAccessKey };
}

/**
 * A playbook's runner on a lab's inventory, made on first use once the tool's files (the playbook's variables)
 * are known; none with --skip-ansible.
 */
function lazyAnsible(
  inventory: string,
  forks: number,
  playbook: string,
): { ansibleOf?: (vars: Record<string, unknown>) => Ansible; dispose: () => void } {
  if (opts['skip-ansible']) return { dispose: () => undefined };
  let made: Ansible | undefined;
  return {
    ansibleOf: (vars) =>
      (made ??= new Ansible(inventory, forks, agentCredentials(inventory, labEnv()), playbook, vars)),
    dispose: () => made?.dispose(),
  };
}

// ---- the tool ----

interface ToolRun extends Timed {
  json: {
    run?: string;
    hosts: { name: string; status: string; changes: { path?: string; diff?: string }[]; roundTrips?: number }[];
  };
}

/** `provision [command] --inventory … --json args`, every host's status checked; no command: apply. */
async function tool(
  inventory: string,
  args: string[],
  expect: string,
  forks: number,
  command?: string,
): Promise<ToolRun> {
  const r = await cli([
    ...(command ? [command] : []),
    '--inventory',
    inventory,
    '--forks',
    String(forks),
    '--json',
    ...args,
  ]);
  let json: ToolRun['json'];
  try {
    json = JSON.parse(r.stdout) as ToolRun['json'];
  } catch {
    throw new Error(`provision ${args.join(' ')}: exit ${r.code}, no JSON: ${r.stderr.trim().slice(-1000)}`);
  }
  const wrong = json.hosts.filter((h) => h.status !== expect);
  if (wrong.length > 0) {
    throw new Error(
      `provision ${args.join(' ')}: ${wrong.length} host(s) not ${expect}: ${JSON.stringify(wrong[0]).slice(0, 800)}`,
    );
  }
  return { ...r, json };
}

function roundTrips(r: ToolRun): number[] {
  return r.json.hosts.map((h) => h.roundTrips ?? NaN);
}

// ---- the run ----

interface Samples {
  [figure: string]: number[];
}

async function main(): Promise<void> {
  const started = Date.now();
  const ansibleVersion = opts['skip-ansible'] ? null : await ensureAnsible(log);
  const sshVersion = (await run('ssh', ['-V'])).stderr.trim();
  const lab = await labUp(HOSTS);
  const env = labEnv();
  const inventory = inventoryCopy();
  const forks = HOSTS;
  const ansible = opts['skip-ansible'] ? null : new Ansible(inventory, forks, agentCredentials(inventory, env));
  // The same hosts over SSM Run Command: `lab up`'s SSM inventory (each host's instance id, the agent's
  // credentials left to the instance profile, as over SSM no secret is sent).
  const ssmInventory = opts['skip-ssm'] ? null : inventoryCopy(LAB_SSM_INVENTORY);

  const samples: Samples = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  const rt: Record<string, number[]> = {
    tool_first: [],
    tool_nochange: [],
    tool_dry_run: [],
    ssm_first: [],
    ssm_nochange: [],
    ssm_dry_run: [],
  };
  const rss: Record<string, number[]> = {};
  const addRss = (k: string, v: number) => (rss[k] ??= []).push(v);
  const cpu: Record<string, { process: number[]; hosts: number[]; machine: number[]; labAws: number[] }> = {};
  const addCpu = (k: string, processS: number, r: { hostsCpuS: number; machineCpuS: number; watchedCpuS?: number }) => {
    const c = (cpu[k] ??= { process: [], hosts: [], machine: [], labAws: [] });
    c.process.push(processS);
    c.hosts.push(r.hostsCpuS);
    c.machine.push(r.machineCpuS);
    c.labAws.push(r.watchedCpuS ?? NaN);
  };
  const byUnit: Record<string, Record<string, number[]>> = {};
  const addTimedCpu = (k: string, r: Timed) => {
    addCpu(k, r.userS + r.sysS, r);
    const units = (byUnit[k] ??= {});
    for (const [unit, seconds] of Object.entries(r.hostsCpuByUnitS)) (units[unit] ??= []).push(seconds);
  };
  let verifyNote: string | null = null;

  const loadAverage: number[] = [];
  for (let i = 1; i <= AWSLOGS_RUNS; i++) {
    loadAverage.push(loadavg()[0]!);
    log(`repetition ${i}/${RUNS} (load average ${loadAverage.at(-1)!.toFixed(1)})`);
    await resetHosts(lab);
    const dry = await tool(inventory, ['--dry-run'], 'changed', forks);
    if (!dry.json.hosts.every((h) => h.changes.length === 5))
      throw new Error('after a reset, a host does not have its 5 changes pending: the reset is not clean');
    add('tool_dry_run', dry.seconds);
    addRss('tool_dry_run', dry.rssMb);
    addTimedCpu('tool_dry_run', dry);
    rt.tool_dry_run!.push(...roundTrips(dry));
    const first = await tool(inventory, ['--no-verify'], 'changed', forks);
    add('tool_first', first.seconds);
    rt.tool_first!.push(...roundTrips(first));
    addRss('tool_first', first.rssMb);
    addTimedCpu('tool_first', first);
    const again = await tool(inventory, ['--no-verify'], 'ok', forks);
    add('tool_nochange', again.seconds);
    rt.tool_nochange!.push(...roundTrips(again));
    addRss('tool_nochange', again.rssMb);
    addTimedCpu('tool_nochange', again);
    // The same no-change run without preflight (no log file read, nothing checked): what preflight costs.
    const bare = await tool(inventory, ['--no-verify', '--no-preflight'], 'ok', forks);
    add('tool_nochange_no_preflight', bare.seconds);
    addTimedCpu('tool_nochange_no_preflight', bare);
    if (verifyNote === null) {
      const v = await cli(['verify', '--inventory', inventory, '--forks', String(forks), '--json']);
      if (v.code === 0) {
        add('tool_verify', v.seconds);
        addTimedCpu('tool_verify', v);
      } else verifyNote = `verify failed (exit ${v.code}): ${(v.stderr.trim() || v.stdout.trim()).slice(-300)}`;
    }
    const floor = await sshFloor(lab);
    add('ssh_floor', floor.seconds);
    addCpu('ssh_floor', NaN, floor);
    log(
      `  dry-run ${dry.seconds.toFixed(2)} s, first ${first.seconds.toFixed(2)} s, no-change ${again.seconds.toFixed(2)} s ` +
        `(${bare.seconds.toFixed(2)} s without preflight), ` +
        `verify ${samples.tool_verify?.at(-1)?.toFixed(2) ?? '-'} s, floor ${samples.ssh_floor!.at(-1)!.toFixed(2)} s`,
    );

    if (ssmInventory) {
      // The same three figures over SSM, from the same reset state.
      await resetHosts(lab);
      const sDry = await tool(ssmInventory, ['--dry-run'], 'changed', forks);
      if (!sDry.json.hosts.every((h) => h.changes.length === 5))
        throw new Error('over SSM after a reset, a host does not have its 5 changes pending');
      const sFirst = await tool(ssmInventory, ['--no-verify'], 'changed', forks);
      const sAgain = await tool(ssmInventory, ['--no-verify'], 'ok', forks);
      for (const [k, r] of [
        ['ssm_dry_run', sDry],
        ['ssm_first', sFirst],
        ['ssm_nochange', sAgain],
      ] as const) {
        add(k, r.seconds);
        rt[k]!.push(...roundTrips(r));
        addRss(k, r.rssMb);
        addTimedCpu(k, r);
      }
      log(
        `  over SSM: dry-run ${sDry.seconds.toFixed(2)} s, first ${sFirst.seconds.toFixed(2)} s, no-change ${sAgain.seconds.toFixed(2)} s`,
      );
    }

    if (ansible) {
      await resetHosts(lab);
      const a1 = await ansible.play();
      checkAnsible(a1, 'first', (c) => c.changed! > 0);
      add('ansible_first', a1.seconds);
      addTimedCpu('ansible_first', a1);
      // The same end state: after Ansible's run the tool finds nothing to change on any host.
      await tool(inventory, ['--dry-run'], 'ok', forks);
      const a2 = await ansible.play();
      checkAnsible(a2, 'no-change', (c) => c.changed === 0);
      add('ansible_nochange', a2.seconds);
      addTimedCpu('ansible_nochange', a2);
      log(`  ansible first ${a1.seconds.toFixed(2)} s, no-change ${a2.seconds.toFixed(2)} s`);
    }
  }

  // Counted, not estimated: Ansible's SSH sessions from its -vvv log (one pass, not timed).
  const ansibleExecs: Record<string, number[]> = {};
  if (ansible && AWSLOGS_RUNS > 0) {
    log('counting Ansible SSH sessions (-vvv)');
    await resetHosts(lab);
    const a1 = await ansible.play({ verbose: true });
    const a2 = await ansible.play({ verbose: true });
    ansibleExecs.ansible_first = lab.hosts.map((h) => a1.execs?.get(h.address) ?? 0);
    ansibleExecs.ansible_nochange = lab.hosts.map((h) => a2.execs?.get(h.address) ?? 0);
  }

  if (AWSLOGS_RUNS > 0) log('measuring the tool’s SSH connection cost');
  const handshakes = AWSLOGS_RUNS > 0 ? await connectionCost(inventory) : null;

  // The CloudWatch agent on Amazon Linux 2023 hosts: the tool and Ansible, from a clean host each time.
  if (CWAGENT_HOSTS > 0) {
    const cwLab = await labUp(CWAGENT_HOSTS, 'amzn2023');
    const cwInventory = inventoryCopy();
    const { ansibleOf, dispose: disposeCWAnsible } = lazyAnsible(cwInventory, CWAGENT_HOSTS, CWAGENT_PLAYBOOK);
    for (let i = 1; i <= RUNS; i++) {
      log(`CloudWatch agent, ${CWAGENT_HOSTS} amzn2023 hosts: repetition ${i}/${RUNS}`);
      const r = await cwagentRepetition(
        cwLab,
        (args, expect) => tool(cwInventory, args, expect, CWAGENT_HOSTS),
        ansibleOf,
        checkAnsible,
      );
      add('cwagent_tool_first', r.toolFirst.seconds);
      addTimedCpu('cwagent_tool_first', r.toolFirst);
      add('cwagent_tool_nochange', r.toolNochange.seconds);
      addTimedCpu('cwagent_tool_nochange', r.toolNochange);
      if (r.ansibleFirst && r.ansibleNochange) {
        add('cwagent_ansible_first', r.ansibleFirst.seconds);
        addTimedCpu('cwagent_ansible_first', r.ansibleFirst);
        add('cwagent_ansible_nochange', r.ansibleNochange.seconds);
        addTimedCpu('cwagent_ansible_nochange', r.ansibleNochange);
      }
      log(
        `  tool first ${r.toolFirst.seconds.toFixed(2)} s, no-change ${r.toolNochange.seconds.toFixed(2)} s` +
          (r.ansibleFirst && r.ansibleNochange
            ? `; ansible first ${r.ansibleFirst.seconds.toFixed(2)} s, no-change ${r.ansibleNochange.seconds.toFixed(2)} s`
            : ''),
      );
    }
    disposeCWAnsible();
    rmSync(dirname(cwInventory), { recursive: true, force: true });
  }

  // The migration on Amazon Linux 2 hosts: the tool's four figures and Ansible's naive migration, same start.
  const migrateRt: Record<string, number[]> = {};
  const migrateNotes: string[] = [];
  // The 1-minute load average at the start of each repetition and at the end (the machine is shared).
  const migrateLoad: number[] = [];
  if (MIGRATE_HOSTS > 0) {
    const mLab = await labUp(MIGRATE_HOSTS, 'amzn2');
    const mInventory = inventoryCopy();
    const { ansibleOf, dispose: disposeMAnsible } = lazyAnsible(mInventory, MIGRATE_HOSTS, MIGRATE_PLAYBOOK);
    for (let i = 1; i <= RUNS; i++) {
      migrateLoad.push(loadavg()[0]!);
      loadAverage.push(migrateLoad.at(-1)!);
      log(
        `migrate, ${MIGRATE_HOSTS} amzn2 hosts: repetition ${i}/${RUNS} (load average ${migrateLoad.at(-1)!.toFixed(1)})`,
      );
      const r = await migrateRepetition(
        mLab,
        (command, args, expect) => tool(mInventory, args, expect, MIGRATE_HOSTS, command),
        ansibleOf,
        checkAnsible,
      );
      for (const [k, t] of [
        ['migrate_tool_dry_run', r.dryRun],
        ['migrate_tool_cutover', r.cutover],
        ['migrate_tool_nochange', r.nochange],
        ['migrate_tool_rollback', r.rollback],
      ] as const) {
        add(k, t.seconds);
        addRss(k, t.rssMb);
        addTimedCpu(k, t);
        (migrateRt[k] ??= []).push(...roundTrips(t).filter((n) => !Number.isNaN(n)));
      }
      if (!r.jsonAsShown) migrateNotes.push(`repetition ${i}: the JSON the cut-over wrote is not the dry run's`);
      if (r.ansible) {
        add('migrate_ansible', r.ansible.seconds);
        addTimedCpu('migrate_ansible', r.ansible);
      }
      log(
        `  tool dry-run ${r.dryRun.seconds.toFixed(2)} s, cut-over ${r.cutover.seconds.toFixed(2)} s, ` +
          `no-change ${r.nochange.seconds.toFixed(2)} s, rollback ${r.rollback.seconds.toFixed(2)} s` +
          (r.ansible ? `; ansible ${r.ansible.seconds.toFixed(2)} s` : ''),
      );
    }
    migrateLoad.push(loadavg()[0]!);
    disposeMAnsible();
    rmSync(dirname(mInventory), { recursive: true, force: true });
  }

  ansible?.dispose();
  rmSync(dirname(inventory), { recursive: true, force: true });
  if (ssmInventory) rmSync(dirname(ssmInventory), { recursive: true, force: true });

  const figures: Record<string, Spread | null> = {};
  for (const k of [
    'tool_first',
    'tool_nochange',
    'tool_nochange_no_preflight',
    'tool_dry_run',
    'tool_verify',
    'ssm_first',
    'ssm_nochange',
    'ssm_dry_run',
    'ansible_first',
    'ansible_nochange',
    'ssh_floor',
    'cwagent_tool_first',
    'cwagent_tool_nochange',
    'cwagent_ansible_first',
    'cwagent_ansible_nochange',
    'migrate_tool_dry_run',
    'migrate_tool_cutover',
    'migrate_tool_nochange',
    'migrate_tool_rollback',
    'migrate_ansible',
  ]) {
    figures[k] = samples[k]?.length ? spread(samples[k]!) : null;
  }
  const med = (k: string) => figures[k]?.median ?? NaN;
  const perHost = (xs: number[] | undefined) => (xs && xs.length ? spread(xs) : null);
  const result = {
    hosts: HOSTS,
    cores: cpus().length,
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model.trim()}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`,
    os: opts.os,
    // The machine is shared: the 1-minute load average at the start of each repetition (2 cores).
    load_average_1m: loadAverage.map((x) => Math.round(x * 10) / 10),
    runs: RUNS,
    forks,
    versions: { openssh: sshVersion, ansible: ansibleVersion },
    connection: {
      tool: 'ssh2 (node-ssh), one connection per host per run, curve25519-sha256, ssh-ed25519, aes128-gcm',
      ansible:
        'OpenSSH, ControlMaster=auto (one master per host per run, fresh ControlPath per run, closed after it), pipelining on, same key/known_hosts/algorithms',
      floor: 'OpenSSH, ControlMaster=no, one `ssh host true` per host, all at once, same key/known_hosts/algorithms',
    },
    reset:
      'between repetitions over SSH: service stopped and disabled, package removed, /etc/awslogs, agent state, backups and agent log deleted',
    figures,
    cwagent: {
      hosts: CWAGENT_HOSTS,
      os: 'amzn2023',
      how: 'first provision and no-change re-run of amazon-cloudwatch-agent (--no-verify), each from a clean host; Ansible: bench/ansible/cloudwatch-agent.yml (dnf, the templated JSON, common-config.toml and credentials, a fetch-config handler), after which the tool’s dry run finds nothing to change',
    },
    migrate: {
      hosts: MIGRATE_HOSTS,
      os: 'amzn2',
      how: 'each repetition from the same state (both agents removed, then awslogs provisioned by the tool, --no-verify, not timed): the tool’s migrate --dry-run, migrate (the cut-over, verify included: a fresh line of each log through the CloudWatch agent), migrate again on the migrated fleet (each host found already on the CloudWatch agent: nothing done), rollback --run of the migrate run (the way back: awslogs resumes at the agent’s positions); then the same state again and Ansible’s bench/ansible/migrate.yml (stop and disable awslogs, yum install, the dry run’s JSON, common-config.toml and credentials, fetch-config, start and enable), after which the tool’s migrate dry run finds every host on the CloudWatch agent. Ansible carries no read positions (the agent starts every file at byte 0: lines sent again): the ratio compares time only',
      round_trips_per_host: Object.fromEntries(
        Object.entries(migrateRt).map(([k, v]) => [k, v.length ? spread(v).max : null]),
      ),
      peak_rss_mb: Object.fromEntries(Object.keys(migrateRt).map((k) => [k, Math.max(...(rss[k] ?? [NaN]))])),
      load_average_1m: migrateLoad.map((x) => Math.round(x * 10) / 10),
      notes: migrateNotes,
    },
    ratios: {
      migrate_ansible_over_tool_cutover: ratio(med('migrate_ansible'), med('migrate_tool_cutover')),
      ansible_over_tool_first: ratio(med('ansible_first'), med('tool_first')),
      ansible_over_tool_nochange: ratio(med('ansible_nochange'), med('tool_nochange')),
      tool_nochange_over_floor: ratio(med('tool_nochange'), med('ssh_floor')),
      ssm_over_ssh_first: ratio(med('ssm_first'), med('tool_first')),
      ssm_over_ssh_nochange: ratio(med('ssm_nochange'), med('tool_nochange')),
      ssm_over_ssh_dry_run: ratio(med('ssm_dry_run'), med('tool_dry_run')),
      cwagent_ansible_over_tool_first: ratio(med('cwagent_ansible_first'), med('cwagent_tool_first')),
      cwagent_ansible_over_tool_nochange: ratio(med('cwagent_ansible_nochange'), med('cwagent_tool_nochange')),
    },
    // Issue 6's bound: what preflight adds to a no-change run (median with it − median without it).
    preflight_cost_s: round(med('tool_nochange') - med('tool_nochange_no_preflight')),
    round_trips_per_host: {
      tool_nochange: perHost(rt.tool_nochange)?.max ?? null,
      tool_first: perHost(rt.tool_first)?.max ?? null,
      tool_dry_run: perHost(rt.tool_dry_run)?.max ?? null,
      ssm_nochange: perHost(rt.ssm_nochange)?.max ?? null,
      ssm_first: perHost(rt.ssm_first)?.max ?? null,
      ssm_dry_run: perHost(rt.ssm_dry_run)?.max ?? null,
      ansible_nochange: perHost(ansibleExecs.ansible_nochange)?.max ?? null,
      ansible_first: perHost(ansibleExecs.ansible_first)?.max ?? null,
      how: 'tool: SshTransport.roundTrips in --json (exec channels after the handshake), max over hosts and runs; Ansible: ssh/sftp client invocations per host in -vvv output (each a session on the master connection)',
    },
    peak_rss_mb: {
      [String(HOSTS)]: {
        tool_first: Math.max(...(rss.tool_first ?? [NaN])),
        tool_nochange: Math.max(...(rss.tool_nochange ?? [NaN])),
        tool_dry_run: Math.max(...(rss.tool_dry_run ?? [NaN])),
        ssm_first: Math.max(...(rss.ssm_first ?? [NaN])),
        ssm_nochange: Math.max(...(rss.ssm_nochange ?? [NaN])),
        ssm_dry_run: Math.max(...(rss.ssm_dry_run ?? [NaN])),
      },
    } as Record<string, unknown>,
    cpu_s: {
      how: 'median CPU seconds during each figure: process = the command and its waited children (GNU time); hosts = the lab hosts’ cgroup (sshd, sudo, shells, yum, systemd, agents, the SSM agent stand-ins); lab_aws = the lab’s AWS on this machine (its SSM endpoint and moto: what AWS does for a real fleet); machine = every CPU (/proc/stat), which also counts whatever else runs on the machine',
      ...Object.fromEntries(
        Object.entries(cpu).map(([k, v]) => [
          k,
          {
            process: v.process.every(Number.isNaN) ? null : spread(v.process).median,
            hosts: v.hosts.every(Number.isNaN) ? null : spread(v.hosts).median,
            machine: spread(v.machine).median,
            lab_aws: v.labAws.every(Number.isNaN) ? null : spread(v.labAws.filter((x) => !Number.isNaN(x))).median,
          },
        ]),
      ),
    },
    // The profile: where the hosts' CPU went during each figure, by unit inside the hosts, summed over hosts
    // (median over the runs; a unit missing from a run counts 0 there).
    hosts_cpu_by_unit_s: Object.fromEntries(
      Object.entries(byUnit).map(([k, units]) => {
        const runs = Math.max(...Object.values(units).map((v) => v.length), 1);
        const entries = Object.entries(units)
          .map(([unit, v]) => [unit, spread([...v, ...Array<number>(runs - v.length).fill(0)]).median] as const)
          .filter(([, median]) => median >= 0.01)
          .sort((a, b) => b[1] - a[1]);
        return [k, Object.fromEntries(entries)];
      }),
    ),
    connection_cost: handshakes,
    // What one host costs the tool, SSH against SSM, at N hosts: median tool CPU and peak RSS divided by N.
    per_host: perHostCosts(cpu, rss, HOSTS),
    scale: {} as Record<string, unknown>,
    ssm_scale: null as (SsmScale & { marginal_per_host: unknown }) | null,
    verify_note: verifyNote,
    bench_seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(dirname(opts.out!), { recursive: true });
  // Written before the larger labs, and again after them: a scale step that fails loses nothing above.
  writeFileSync(opts.out!, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(table(result.figures, result.ratios, result.round_trips_per_host, result) + '\n');
  process.stdout.write(
    `Preflight adds ${result.preflight_cost_s} s to a no-change run (median with − median without)\n`,
  );
  log(`wrote ${opts.out} (${result.bench_seconds} s)`);

  // Peak RSS on a larger lab; the tool over SSM on the --ssm-scale lab.
  const scale: Record<string, unknown> = {};
  let ssmScale: SsmScale | null = null;
  for (const n of [...new Set([...RSS_HOSTS, SSM_SCALE])].filter((x) => x > 0).sort((a, b) => a - b)) {
    const bootStarted = Date.now();
    let big: LabInventory;
    try {
      big = await labUp(n, opts['scale-os']!);
    } catch (err) {
      // A lab too large for the machine is a result too; the figures above are already written.
      const failed = `lab up: ${(err as Error).message.slice(0, 1500)}`;
      if (n === SSM_SCALE) ssmScale = { hosts: n, os: opts['scale-os']!, lab_up_s: NaN, failed };
      if (RSS_HOSTS.includes(n)) scale[String(n)] = { failed };
      log(`${n} hosts: ${failed}`);
      continue;
    }
    const bootS = round((Date.now() - bootStarted) / 1000);
    if (n === SSM_SCALE) {
      // A fleet too large for the machine is a result, not the end of the run: what failed is recorded.
      try {
        ssmScale = await ssmAtScale(big, bootS);
      } catch (err) {
        ssmScale = { hosts: n, os: opts['scale-os']!, lab_up_s: bootS, failed: (err as Error).message.slice(0, 1500) };
        log(`${n} hosts over SSM failed: ${ssmScale.failed}`);
      }
    }
    if (!RSS_HOSTS.includes(n)) continue;
    const inv = inventoryCopy();
    await resetHosts(big);
    const first = await tool(inv, ['--no-verify'], 'changed', n);
    const again = await tool(inv, ['--no-verify'], 'ok', n);
    const floor = await sshFloor(big);
    const cost = await connectionCost(inv);
    scale[String(n)] = {
      tool_first_s: round(first.seconds),
      tool_nochange_s: round(again.seconds),
      os: opts['scale-os'],
      ssh_floor_s: round(floor.seconds),
      peak_rss_mb: { tool_first: first.rssMb, tool_nochange: again.rssMb },
      tool_cpu_s: { tool_first: round(first.userS + first.sysS), tool_nochange: round(again.userS + again.sysS) },
      connection_cost: cost,
    };
    log(
      `${n} hosts: first ${first.seconds.toFixed(2)} s (${first.rssMb} MB), no-change ${again.seconds.toFixed(2)} s (${again.rssMb} MB), floor ${floor.seconds.toFixed(2)} s`,
    );
    rmSync(dirname(inv), { recursive: true, force: true });
  }
  result.scale = scale;
  result.peak_rss_mb = {
    ...result.peak_rss_mb,
    ...Object.fromEntries(Object.entries(scale).map(([n, s]) => [n, (s as { peak_rss_mb?: unknown }).peak_rss_mb])),
  };
  if (ssmScale) {
    // From N hosts to the scale lab: what each further host adds to the tool over SSM.
    result.ssm_scale = { ...ssmScale, marginal_per_host: marginal(cpu, rss, HOSTS, ssmScale) };
  }
  result.bench_seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(opts.out!, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${opts.out} again with the larger labs (${result.bench_seconds} s)`);
  if (!opts['keep-lab']) {
    log('lab down');
    await run(process.execPath, [CLI, 'lab', 'down'], { cwd: REPO });
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const median = (xs: number[] | undefined) => {
  const real = (xs ?? []).filter((x) => !Number.isNaN(x));
  return real.length ? spread(real).median : NaN;
};

type CpuSamples = Record<string, { process: number[]; hosts: number[]; labAws: number[] }>;

function perHostCosts(cpu: CpuSamples, rss: Record<string, number[]>, hosts: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    how: 'tool_cpu_ms = median CPU of the tool’s process / hosts; peak_rss_mb = median peak RSS / hosts (the whole process, its fixed start-up share included); hosts_cpu_ms and lab_aws_cpu_ms the same for the hosts’ cgroup and the lab’s AWS',
  };
  for (const k of ['tool_first', 'tool_nochange', 'tool_dry_run', 'ssm_first', 'ssm_nochange', 'ssm_dry_run']) {
    if (!cpu[k]) continue;
    out[k] = {
      tool_cpu_ms: round((median(cpu[k].process) / hosts) * 1000),
      peak_rss_mb: round(median(rss[k]) / hosts),
      hosts_cpu_ms: round((median(cpu[k].hosts) / hosts) * 1000),
      lab_aws_cpu_ms: round((median(cpu[k].labAws) / hosts) * 1000),
    };
  }
  return out;
}

interface SsmRun {
  seconds: number;
  tool_cpu_s: number;
  peak_rss_mb: number;
  hosts_cpu_s: number;
  lab_aws_cpu_s: number;
  machine_cpu_s: number;
  invocations_per_host: number;
}

interface SsmScale {
  hosts: number;
  os: string;
  lab_up_s: number;
  ssm_dry_run?: SsmRun;
  ssm_first?: SsmRun;
  ssm_nochange?: SsmRun;
  failed?: string;
}

/** The tool over SSM on the big lab, once each from a reset: dry-run, first provision, no-change. */
async function ssmAtScale(big: LabInventory, bootS: number): Promise<SsmScale> {
  const n = big.hosts.length;
  const inv = inventoryCopy(LAB_SSM_INVENTORY);
  await resetHosts(big);
  const one = (r: ToolRun): SsmRun => ({
    seconds: round(r.seconds),
    tool_cpu_s: round(r.userS + r.sysS),
    peak_rss_mb: r.rssMb,
    hosts_cpu_s: round(r.hostsCpuS),
    lab_aws_cpu_s: round(r.watchedCpuS),
    machine_cpu_s: round(r.machineCpuS),
    invocations_per_host: Math.max(...roundTrips(r)),
  });
  const dry = await tool(inv, ['--dry-run'], 'changed', n);
  const first = await tool(inv, ['--no-verify'], 'changed', n);
  const again = await tool(inv, ['--no-verify'], 'ok', n);
  rmSync(dirname(inv), { recursive: true, force: true });
  const result: SsmScale = {
    hosts: n,
    os: opts['scale-os']!,
    lab_up_s: bootS,
    ssm_dry_run: one(dry),
    ssm_first: one(first),
    ssm_nochange: one(again),
  };
  log(
    `${n} hosts over SSM: dry-run ${dry.seconds.toFixed(2)} s (${dry.rssMb} MB), first ${first.seconds.toFixed(2)} s (${first.rssMb} MB), no-change ${again.seconds.toFixed(2)} s (${again.rssMb} MB)`,
  );
  return result;
}

function marginal(
  cpu: CpuSamples,
  rss: Record<string, number[]>,
  hosts: number,
  big: SsmScale,
): Record<string, { tool_cpu_ms: number; rss_mb: number }> {
  const out: Record<string, { tool_cpu_ms: number; rss_mb: number }> = {};
  const extra = big.hosts - hosts;
  if (extra <= 0) return out;
  for (const k of ['ssm_dry_run', 'ssm_first', 'ssm_nochange'] as const) {
    const bigRun = big[k];
    if (!bigRun) continue;
    out[k] = {
      tool_cpu_ms: round(((bigRun.tool_cpu_s - median(cpu[k]?.process)) / extra) * 1000),
      rss_mb: round((bigRun.peak_rss_mb - median(rss[k])) / extra),
    };
  }
  return out;
}

function checkAnsible(
  r: { code: number; recap: Map<string, Record<string, number>>; stdout: string },
  what: string,
  ok: (c: Record<string, number>) => boolean,
): void {
  const bad = [...r.recap.entries()].filter(([, c]) => c.failed! > 0 || c.unreachable! > 0 || !ok(c));
  if (r.code !== 0 || r.recap.size === 0 || bad.length > 0) {
    throw new Error(`ansible ${what}: exit ${r.code}, ${bad.length} host(s) off: ${r.stdout.trim().slice(-1500)}`);
  }
}

async function connectionCost(inventory: string): Promise<unknown> {
  await settle();
  const r = await run(process.execPath, [join(REPO, 'dist', 'bench', 'handshakes.js'), inventory, '5'], {
    cwd: REPO,
    env: labEnv(),
  });
  if (r.code !== 0) throw new Error(`handshakes: ${r.stderr.trim().slice(-500)}`);
  const c = JSON.parse(r.stdout) as {
    connections: number;
    hosts: number;
    perRoundS: number;
    clientCpuS: number;
    machineCpuS: number;
    hostsCpuS: number;
  };
  return {
    ...c,
    client_cpu_ms_per_connection: round((c.clientCpuS / c.connections) * 1000),
    machine_cpu_ms_per_connection: round((c.machineCpuS / c.connections) * 1000),
    hosts_cpu_ms_per_connection: round((c.hostsCpuS / c.connections) * 1000),
    connections_per_s_per_core_client: Math.round(c.connections / c.clientCpuS),
    how: 'tool transport: connect (TCP + curve25519 kex + ed25519 host key + publickey auth) + exec `true` + close, all hosts at once, 5 rounds after a warm-up; client = the measuring process, machine = all CPUs (lab sshds included)',
  };
}

function table(
  figures: Record<string, Spread | null>,
  ratios: Record<string, number>,
  trips: Record<string, unknown>,
  meta: { hosts: number; date: string; machine: string; runs: number },
): string {
  const rows: [string, string][] = [
    ['tool_first', 'tool: first provision (--no-verify)'],
    ['tool_nochange', 'tool: no-change re-run (--no-verify)'],
    ['tool_nochange_no_preflight', 'tool: no-change re-run, --no-preflight'],
    ['tool_dry_run', 'tool: dry-run (all changes pending)'],
    ['tool_verify', 'tool: verify'],
    ['ssm_first', 'tool over SSM: first provision (--no-verify)'],
    ['ssm_nochange', 'tool over SSM: no-change re-run (--no-verify)'],
    ['ssm_dry_run', 'tool over SSM: dry-run (all changes pending)'],
    ['ansible_first', 'Ansible: first run'],
    ['ansible_nochange', 'Ansible: no-change re-run'],
    ['ssh_floor', 'floor: N parallel `ssh host true`'],
    ['cwagent_tool_first', 'CloudWatch agent (amzn2023): tool first provision'],
    ['cwagent_tool_nochange', 'CloudWatch agent (amzn2023): tool no-change re-run'],
    ['cwagent_ansible_first', 'CloudWatch agent (amzn2023): Ansible first run'],
    ['cwagent_ansible_nochange', 'CloudWatch agent (amzn2023): Ansible no-change re-run'],
    ['migrate_tool_dry_run', 'migrate (amzn2): tool dry-run'],
    ['migrate_tool_cutover', 'migrate (amzn2): tool cut-over (verify included)'],
    ['migrate_tool_nochange', 'migrate (amzn2): tool re-run on the migrated fleet'],
    ['migrate_tool_rollback', 'migrate (amzn2): tool rollback of the migrate run'],
    ['migrate_ansible', 'migrate (amzn2): Ansible naive migration (not exactly once)'],
  ];
  const f = (n: number) => n.toFixed(2);
  const lines = [
    `${meta.hosts} hosts, ${meta.runs} runs each, ${meta.date}, ${meta.machine}`,
    '',
    '| figure | median s | min s | max s |',
    '|---|---:|---:|---:|',
    ...rows.map(([k, label]) => {
      const s = figures[k];
      return s ? `| ${label} | ${f(s.median)} | ${f(s.min)} | ${f(s.max)} |` : `| ${label} | n/a | | |`;
    }),
    '',
    `Ansible / tool, first provision: ${ratios.ansible_over_tool_first}×; no-change: ${ratios.ansible_over_tool_nochange}×; tool no-change / floor: ${ratios.tool_nochange_over_floor}×`,
    `CloudWatch agent, Ansible / tool, first provision: ${ratios.cwagent_ansible_over_tool_first}×; no-change: ${ratios.cwagent_ansible_over_tool_nochange}×`,
    `migrate, Ansible's naive migration / the tool's cut-over (time only): ${ratios.migrate_ansible_over_tool_cutover}×`,
    `SSH round trips per host: tool no-change ${trips.tool_nochange}, tool first ${trips.tool_first}, Ansible no-change ${trips.ansible_nochange}, Ansible first ${trips.ansible_first}`,
    `SSM / SSH (the tool), first provision: ${ratios.ssm_over_ssh_first}×; no-change: ${ratios.ssm_over_ssh_nochange}×; dry-run: ${ratios.ssm_over_ssh_dry_run}×; SSM invocations per host: no-change ${trips.ssm_nochange}, first ${trips.ssm_first}`,
  ];
  return lines.join('\n');
}

await main();
