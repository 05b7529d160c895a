// The seeding, both ways, through the lab's two stand-in agents on real files and a real moto (no lab hosts): a
// writer appends numbered lines throughout; awslogs ships (the lab agent, as a process), is stopped with SIGTERM
// (as systemd stops it) and the file is rotated while neither agent runs; the forward plan, from awslogs' own
// SQLite state and what moto holds, seeds the CloudWatch agent stand-in's state folder (and a drain for the
// rotated file through a hard link); the stand-in ships, stops, the file is rotated again; the way back seeds
// awslogs' state (and a drain section); awslogs ships the rest. Every line is then in the stream exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { seqs, streamEvents } from './support.js';
import {
  MOTO_AVAILABLE,
  makeHost,
  startAgent,
  startMoto,
  stopChild,
  waitFor,
  type Host,
  type Moto,
} from '../agent/harness.js';
import { judge } from '../../../src/agents/awslogs/restart.js';
import { readAgentConf } from '../../../src/agents/awslogs/conf-files.js';
import { LOG_OPTIONS } from '../../../src/agents/awslogs/spec.js';
import { escapePath, parseStateFile } from '../../../src/agents/cloudwatch-agent/state-folder.js';
import { agentPieces, timestampRegexSource } from '../../../src/agents/cloudwatch-agent/timestamp-format.js';
import {
  awslogsSeed,
  batchesToAsk,
  cloudwatchStateFiles,
  drainEntries,
  drainLinks,
  fromAgentConf,
  planBack,
  planForward,
  translateAwslogs,
  type AgentPosition,
  type ObservedFile,
  type SeedLog,
} from '../../../src/agents/cloudwatch-agent/from-awslogs/index.js';
import { openSqlite } from '../../../src/agents/awslogs/state/sqlite.js';
import { readStateRows } from '../../../src/agents/awslogs/state/state-file.js';
import { Agent as CloudWatchAgent } from '../../../src/lab/cwagent/agent.js';
import { AgentLog } from '../../../src/lab/cwagent/log.js';
import { StateFolder } from '../../../src/lab/cwagent/state.js';
import type { FileInput } from '../../../src/lab/cwagent/runtime-config.js';

const skip = MOTO_AVAILABLE ? false : 'moto is not installed (scripts/install-moto.sh)';
if (skip) console.log(`# seeding tests skipped: ${skip}`);

const GROUP = '/lab/app';
let moto: Moto;
let client: CloudWatchLogsClient;

before(async () => {
  if (skip) return;
  moto = await startMoto();
  client = new CloudWatchLogsClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'AKIDLABTEST', secretAccessKey: 'labSecretKey123' },
  });
});
after(async () => {
  client?.destroy();
  await moto?.stop();
});

/** Every event of the stream, with ingestion times (judge() reads them). */
const events = (stream: string) => streamEvents(client, GROUP, stream);

/** A writer that appends `<time> seq=N` lines to `path` (reopened by name each time, as an application's logger does). */
function writer(path: string) {
  let n = 0;
  const timer = setInterval(() => {
    const time = new Date().toISOString().slice(0, 19).replace('T', ' ');
    appendFileSync(path, `${time} seq=${String(++n).padStart(6, '0')}\n`);
  }, 40);
  return {
    get count() {
      return n;
    },
    stop: () => clearInterval(timer),
  };
}

/** Until `n` more lines were written. */
async function linesWritten(w: { count: number }, n: number): Promise<void> {
  const from = w.count;
  await waitFor(`${n} more lines`, () => (w.count >= from + n ? true : undefined));
}

function observe(path: string, current: boolean): ObservedFile {
  const bytes = readFileSync(path);
  const st = statSync(path);
  return {
    path,
    size: bytes.length,
    mtimeMs: st.mtimeMs,
    inode: st.ino,
    current,
    head: bytes.subarray(0, 4096),
    window: { offset: 0, bytes },
  };
}

/** The lab CloudWatch agent's runtime input for a translated entry (what its config-translator writes). */
function fileInput(entry: Record<string, unknown>, instanceId: string): FileInput {
  const format = entry.timestamp_format as string | undefined;
  return {
    file_path: entry.file_path as string,
    log_group_name: entry.log_group_name as string,
    log_stream_name: String(entry.log_stream_name).replace('{instance_id}', instanceId),
    log_group_class: '',
    retention_in_days: -1,
    ...(format ? { timestamp_format: format, timestamp_regex: timestampRegexSource(agentPieces(format), false) } : {}),
    timezone: entry.timezone === 'UTC' ? 'UTC' : 'LOCAL',
    multi_line_start_pattern: (entry.multi_line_start_pattern as string | undefined) ?? '',
    encoding: (entry.encoding as string | undefined) ?? '',
    publish_multi_logs: false,
    blacklist: '',
    filters: [],
    auto_removal: false,
    trim_timestamp: false,
  };
}

for (const rotate of [false, true])
  test(
    rotate
      ? 'awslogs → CloudWatch agent → awslogs, the log rotated in each gap: every line once'
      : 'awslogs → CloudWatch agent → awslogs on one file: every line once',
    { skip, timeout: 240_000 },
    async () => {
      const host: Host = makeHost(moto.endpoint);
      const app = host.appLog;
      const stream = host.instanceId;
      const conf = { path: join(host.dir, 'awslogs.conf'), text: readFileSync(join(host.dir, 'awslogs.conf'), 'utf8') };
      const write = writer(app);
      try {
        // 1. awslogs ships for a while, then systemd's stop: SIGTERM, whatever was in flight is where it is.
        let awslogs = startAgent(host);
        await waitFor('awslogs to ship', async () => ((await events(stream)).length >= 20 ? true : undefined), 60_000);
        await stopChild(awslogs);

        // 2. Neither agent runs: lines go on being written (and the log is rotated: the writer goes on in a new file).
        await linesWritten(write, 5);
        if (rotate) renameSync(app, `${app}.1`);
        const state = readStateRows(readFileSync(host.stateFile));
        const section = readAgentConf(conf, []).sections[0]!;
        const seedLog = (files: ObservedFile[]): SeedLog => ({
          section: section.spec.section,
          group: GROUP,
          stream,
          files,
        });
        await waitFor('the writer to start a new file', () =>
          statSync(app, { throwIfNoEntry: false }) ? true : undefined,
        );
        const forwardLogs = [seedLog(rotate ? [observe(app, true), observe(`${app}.1`, false)] : [observe(app, true)])];

        // 3. How far each file arrived: awslogs' rows, and moto's answer for each row's last batch.
        const asked = batchesToAsk(state, forwardLogs);
        const held = await events(stream);
        const judged = asked.map((a) => judge(a.replay, { events: held }, 0));
        const [plan] = planForward(state, forwardLogs, judged);
        assert.equal(plan!.current?.path, app);
        if (rotate) {
          assert.equal(plan!.current?.offset, 0, 'the new file from its start');
          assert.equal(plan!.drains.length, 1, `the rotated file is drained: ${JSON.stringify(plan)}`);
          assert.equal(plan!.drains[0]!.path, `${app}.1`);
        } else {
          assert.ok(plan!.current!.offset > 0, `the file where awslogs' lines stop arriving: ${JSON.stringify(plan)}`);
          assert.deepEqual(plan!.drains, []);
        }

        // 4. Seed the CloudWatch agent's state folder and drain link, translate the config, run the stand-in.
        const translation = translateAwslogs(
          fromAgentConf(readAgentConf(conf, []), [conf.path], { region: 'us-east-1' }),
        );
        assert.ok(translation.ok, JSON.stringify(translation.stops));
        const drainDir = join(host.dir, 'drain');
        const links = drainLinks([plan!], 'run-1', drainDir);
        for (const l of links) {
          mkdirSync(join(drainDir, 'run-1'), { recursive: true });
          assert.equal(statSync(l.path).ino, l.inode, 'linked only while the path is the planned file');
          linkSync(l.path, l.link);
        }
        const stateDir = join(host.dir, 'cwagent-state');
        mkdirSync(stateDir);
        for (const f of cloudwatchStateFiles([plan!], links)) {
          assert.equal(statSync(f.path).ino, f.inode, 'seeded only while the path is the planned file');
          writeFileSync(join(stateDir, escapePath(f.path)), f.content, { mode: 0o644 });
        }
        const entries = [
          ...translation.entries,
          ...drainEntries(links, (s) => translation.entries[translation.sections.findIndex((x) => x.section === s)]),
        ];
        const cw = new CloudWatchAgent(
          {
            agent: { region: 'us-east-1', run_as_user: 'root', logfile: join(host.dir, 'cwagent.log'), debug: false },
            logs: {
              force_flush_interval: translation.forceFlushInterval,
              endpoint_override: '',
              files: entries.map((e) => fileInput(e, host.instanceId)),
            },
          },
          client,
          new StateFolder(stateDir),
          new AgentLog(join(host.dir, 'cwagent.log')),
        );
        cw.start();
        const before = write.count;
        await waitFor(
          'the CloudWatch agent to ship new lines',
          async () =>
            Math.max(...seqs((await events(stream)).map((e) => e.message)).keys()) > before + 20 ? true : undefined,
          60_000,
        );
        await cw.stop();

        // 5. The way back: positions (with the inode each path had at the stop), then a rotation again.
        const positions: AgentPosition[] = readdirSync(stateDir).map((name) => {
          const r = parseStateFile(readFileSync(join(stateDir, name), 'utf8'));
          return { path: r.path, offset: r.offset, inode: statSync(r.path).ino };
        });
        await linesWritten(write, 5);
        if (rotate) {
          renameSync(`${app}.1`, `${app}.2`);
          renameSync(app, `${app}.1`);
        }
        await waitFor('the writer to start the new file', () =>
          statSync(app, { throwIfNoEntry: false }) ? true : undefined,
        );
        const backLogs = [
          seedLog([
            observe(app, true),
            ...(rotate ? [observe(`${app}.1`, false), observe(links[0]!.link, false)] : []),
          ]),
        ];
        const [back] = planBack(positions, backLogs);
        if (rotate) {
          assert.equal(back!.current?.offset, 0, 'the new file from its start');
          assert.deepEqual(
            back!.drains.map((d) => d.path),
            [`${app}.1`],
            `the file the CloudWatch agent read, found by inode; the finished drain link is not drained again: ${JSON.stringify(back)}`,
          );
        } else {
          assert.ok(
            back!.current!.offset > plan!.current!.offset,
            `the CloudWatch agent's position: ${JSON.stringify(back)}`,
          );
          assert.deepEqual(back!.drains, []);
        }
        const backLinks = drainLinks([back!], 'run-2', drainDir);
        mkdirSync(join(drainDir, 'run-2'), { recursive: true });
        for (const l of backLinks) linkSync(l.path, l.link);
        const seed = awslogsSeed([back!], backLogs, backLinks, () => section.spec, Date.now());
        assert.equal(seed.drainSections.length, rotate ? 1 : 0);
        const db = openSqlite(host.stateFile, { readOnly: false });
        try {
          for (const [table, rows] of [
            ['push_state', seed.push],
            ['stream_state', seed.stream],
          ] as const)
            for (const r of rows)
              db.prepare(
                `INSERT INTO ${table} (k, v, ctime, mtime) VALUES (?, ?, datetime('now'), datetime('now')) ON CONFLICT(k) DO UPDATE SET v = excluded.v, mtime = excluded.mtime`,
              ).run(r.k, r.v);
        } finally {
          db.close();
        }
        // The drain sections, as the cut-over would render them into awslogs.conf.
        const drainConf = seed.drainSections
          .map((s) => {
            const options = LOG_OPTIONS.flatMap((o) => (s[o] === undefined ? [] : [`${o} = ${s[o]}`]));
            return `\n[${s.section}]\n${options.join('\n')}\n`;
          })
          .join('');
        appendFileSync(conf.path, drainConf);

        // 6. awslogs ships the rest; the writer stops; every line arrives, once.
        awslogs = startAgent(host);
        await new Promise((r) => setTimeout(r, 3000));
        write.stop();
        const total = write.count;
        const seen = await waitFor(
          'every line in CloudWatch Logs',
          async () => {
            const s = seqs((await events(stream)).map((e) => e.message));
            return s.size === total ? s : undefined;
          },
          90_000,
        ).finally(() => stopChild(awslogs));
        const twice = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
        assert.deepEqual(twice, [], 'no line twice');
        assert.equal(seen.size, total, 'no line lost');
      } finally {
        write.stop();
      }
    },
  );
