// `provision migrate` over SSM Run Command on two Amazon Linux 2 lab hosts with sshd stopped (reached only through
// the lab's SSM endpoint and each host's SSM agent stand-in): awslogs provisioned and verified over SSM; the dry
// run's diff and key-by-key table; the cut-over of both hosts, the first half's watchdog outliving the SSM command
// that started it; the journal; `provision rollback` of the migration on one host. A writer appends numbered lines
// to both logs of each host throughout: every line arrives exactly once. The lab has no instance metadata, so the
// instance profile's credentials are stood in for by a static key in root's ~/.aws/credentials on each host (both
// lab agents read it, as the real ones do), written beside the tool, never by it: over SSM the tool sends no secret.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/cli.js';
import { labDown, labInventoryCopy, labSkipReason, labUp, type LabHost } from '../../support/lab.js';
import { sshBanner } from '../../../src/lab/hosts.js';
import { readProfileKeys } from '../../../src/clouds/aws/shared-files.js';
import { journalDir, type JournalRun } from '../../../src/journal/journal.js';
import { MANAGED_JSON_PATH } from '../../../src/agents/cloudwatch-agent/paths.js';
import { OPERATOR_CREDENTIALS } from '../../faults/aws-lab.js';
import { cli, LAB_AWS_ENV, sleep, type Json } from '../doctor/support.js';
import { commandsOf, inHost, mustInHost, ssmInventory } from '../ssm/support.js';
import { APP, assertEveryLineOnce, STOP_WRITER, stopWriters, WRITER } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# migrate over SSM skipped: ${skip}`);

const SEEN = '/tmp/migrate-watchdog.seen';
/**
 * Watches the cut-over's first half hand the host lock to its watchdog (the restart mark exists) until the second
 * half takes it back (the mark renamed): `alive` when the lock's holder was the watchdog and lived until then, so it
 * outlived the SSM command that started it; `died` when the holder was gone while the mark still stood.
 */
const WATCH_WATCHDOG = `rm -f ${SEEN}; setsid sh -c 'L=/var/lib/awslogs-provision/lock; seen=; wd=; dead=; i=0
while [ $i -lt 60000 ]; do
  m=; for f in /var/lib/awslogs-provision/restart-*; do case "$f" in *"*"*|*.taken|*.fired) ;; *) m=$f ;; esac; done
  if [ -n "$m" ]; then
    seen=1; p=$(cat $L/pid 2>/dev/null)
    if [ -n "$p" ]; then
      if [ -d /proc/$p ]; then grep -q awslogs-provision-watchdog /proc/$p/cmdline 2>/dev/null && wd=1
      elif [ -e "$m" ]; then dead=1; fi
    fi
  elif [ -n "$seen" ]; then
    if [ -n "$dead" ] || [ -z "$wd" ]; then echo "died (watchdog seen: \${wd:-no})" > ${SEEN}; else echo alive > ${SEEN}; fi
    exit 0
  fi
  i=$((i+1)); sleep 0.01
done' </dev/null >/dev/null 2>&1 &`;

const active = async (h: LabHost, unit: string) => (await inHost(h.name, `systemctl is-active ${unit}`)).stdout.trim();
const enabled = async (h: LabHost, unit: string) =>
  (await inHost(h.name, `systemctl is-enabled ${unit}`)).stdout.trim();
const hostOf = (json: Json, h: LabHost) => json.hosts.find((x) => x.name === h.name)!;

describe('migrate over SSM Run Command on Amazon Linux 2, sshd stopped, and back on one host', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';

  before(async () => {
    hosts = await labUp(2, 'amzn2');
    // The agents' key (`iam setup` stores it in the operator's profile awslogs-agent), placed on each host as
    // the instance profile would provide credentials; then sshd stopped.
    const iam = await runCli(['iam', 'setup', '--inventory', labInventoryCopy()], {
      env: LAB_AWS_ENV,
      timeoutMs: 120_000,
    });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
    const keys = await readProfileKeys(OPERATOR_CREDENTIALS, 'awslogs-agent');
    assert.ok(keys, 'the agents’ key');
    for (const h of hosts) {
      await mustInHost(
        h.name,
        `umask 077; mkdir -p /root/.aws && printf '[default]\\naws_access_key_id = %s\\naws_secret_access_key = %s\\n' '${keys.accessKeyId}' '${keys.secretAccessKey}' > /root/.aws/credentials`,
      );
      await mustInHost(h.name, 'systemctl stop ssh');
      assert.equal(await sshBanner(h.address, 1000), false, `sshd still answers on ${h.name}`);
    }
    inventory = ssmInventory();
  });
  after(async () => {
    for (const h of hosts) await inHost(h.name, STOP_WRITER).catch(() => undefined);
    await labDown();
  });

  test(
    'awslogs over SSM, the dry run, the cut-over, the journal, the way back on one host: every line once',
    {
      timeout: 600_000,
    },
    async () => {
      const [first, second] = hosts as [LabHost, LabHost];
      const started = Date.now();
      const step = (what: string) => console.log(`# ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);

      // awslogs provisioned over SSM, verified: a probe line of each log arrives (the static key on the host).
      const applied = await cli('--inventory', inventory);
      assert.equal(applied.code, 0, applied.out);
      for (const h of hosts) {
        assert.deepEqual(
          hostOf(applied.json, h).checks?.map((c) => c.state),
          ['arrived', 'arrived'],
          JSON.stringify(hostOf(applied.json, h)),
        );
      }
      step('awslogs provisioned and verified');
      for (const h of hosts) await mustInHost(h.name, WRITER);
      await sleep(3000);

      // The dry run over SSM: the new JSON as a diff and every key's fate, for both hosts in one run; nothing changed.
      const dry = await cli('migrate', '--inventory', inventory, '--dry-run');
      assert.equal(dry.code, 0, dry.out);
      const dryJson = dry.json as Json & { migration?: Record<string, { fates: { option: string; fate: string }[] }> };
      for (const h of hosts) {
        const diff = hostOf(dry.json, h).changes.find((c) => c.path === MANAGED_JSON_PATH)?.diff ?? '';
        assert.match(diff, /"file_path": "\/var\/log\/app\/app.log"/);
        const fates = dryJson.migration?.[h.name]?.fates ?? [];
        for (const [option, fate] of [
          ['datetime_format', 'converted'],
          ['log_stream_name', 'converted'],
          ['buffer_duration', 'converted'],
          ['initial_position', 'seeded'],
          ['batch_count', 'dropped'],
        ])
          assert.ok(
            fates.some((f) => f.option === option && f.fate === fate),
            `${h.name} ${option}: ${JSON.stringify(fates)}`,
          );
        assert.equal(await active(h, 'awslogsd'), 'active');
      }
      step('dry run');

      // Three old rotations of random text (poorly compressible): the cut-over's read would not come back over SSM,
      // so the host is refused before awslogs stops. Then they go.
      const big = [1, 2, 3].map((i) => `${APP}.${i}`).join(' ');
      await mustInHost(
        second.name,
        `for f in ${big}; do head -c 300000 /dev/urandom | base64 -w 100 > $f; touch -d '1 hour ago' $f; done`,
      );
      const pid = async () => (await mustInHost(second.name, 'systemctl show -p MainPID --value awslogsd')).trim();
      const pidBefore = await pid();
      const refused = await cli('migrate', '--inventory', inventory, '--limit', second.name);
      assert.equal(refused.code, 1, refused.out);
      assert.match(
        hostOf(refused.json, second).error?.message ?? '',
        /^not migrated: over SSM, what the cut-over reads .* comes to \d+ bytes compressed, more than \d+ .*nothing was stopped/,
      );
      assert.equal(await pid(), pidBefore, 'awslogs was not stopped');
      const refusedEntry = (
        JSON.parse(readFileSync(join(journalDir(inventory), `${refused.json.run}.json`), 'utf8')) as JournalRun
      ).hosts[0];
      assert.deepEqual([refusedEntry?.status, refusedEntry?.outcomeUnknown], ['failed', undefined]);
      await mustInHost(second.name, `rm -f ${big}`);
      step('a read too large for SSM refused');

      // The cut-over of both hosts; on the first, the watchdog the first half leaves must outlive its SSM command.
      await mustInHost(first.name, WATCH_WATCHDOG);
      const migrated = await cli('migrate', '--inventory', inventory);
      assert.equal(migrated.code, 0, migrated.out);
      step('both migrated');
      assert.equal((await mustInHost(first.name, `cat ${SEEN}`)).trim(), 'alive');
      for (const h of hosts) {
        const r = hostOf(migrated.json, h);
        assert.equal(r.status, 'changed', JSON.stringify(r));
        assert.deepEqual(
          r.checks?.map((c) => c.state),
          ['arrived', 'arrived'],
          JSON.stringify(r),
        );
        assert.equal(await active(h, 'awslogsd'), 'inactive');
        assert.equal(await enabled(h, 'awslogsd'), 'disabled');
        assert.equal(await active(h, 'amazon-cloudwatch-agent'), 'active');
      }
      // Every script of the run went through SSM: the probes as one command for both hosts, the rest per host.
      const commands = await commandsOf(migrated.json.run);
      assert.ok(
        commands.some((c) => c.InstanceIds?.length === 2),
        JSON.stringify(commands.map((c) => c.InstanceIds)),
      );

      // The journal: a finished migrate run, each host changed with the CloudWatch agent's files.
      const journal = JSON.parse(
        readFileSync(join(journalDir(inventory), `${migrated.json.run}.json`), 'utf8'),
      ) as JournalRun;
      assert.equal(journal.command, 'migrate');
      assert.ok(journal.finishedAt, 'the run finished');
      for (const h of hosts) {
        const e = journal.hosts.find((x) => x.name === h.name);
        assert.equal(e?.status, 'changed', JSON.stringify(e));
        assert.equal(e?.agentWasActive, true);
        assert.equal(e?.outcomeUnknown, undefined);
        assert.ok(
          e?.files.some((f) => f.path === MANAGED_JSON_PATH),
          JSON.stringify(e?.files),
        );
        assert.ok(
          e?.changes.some((c) => c.startsWith('service:')),
          JSON.stringify(e?.changes),
        );
      }

      // The way back on the second host over SSM: awslogs resumes where the CloudWatch agent stopped.
      const back = await cli('rollback', '--inventory', inventory, '--run', migrated.json.run, '--limit', second.name);
      assert.equal(back.code, 0, back.out);
      assert.equal(hostOf(back.json, second).status, 'changed', JSON.stringify(hostOf(back.json, second)));
      step('second rolled back');
      assert.equal(await active(second, 'awslogsd'), 'active');
      assert.equal(await enabled(second, 'awslogsd'), 'enabled');
      assert.equal(await active(second, 'amazon-cloudwatch-agent'), 'inactive');
      assert.equal(await active(first, 'amazon-cloudwatch-agent'), 'active');
      const backJournal = JSON.parse(
        readFileSync(join(journalDir(inventory), `${back.json.run}.json`), 'utf8'),
      ) as JournalRun;
      assert.equal(backJournal.command, 'rollback');
      assert.equal(backJournal.restores, migrated.json.run);
      assert.deepEqual(
        backJournal.hosts.map((x) => [x.name, x.status]),
        [[second.name, 'changed']],
      );

      // Every line of both logs of both hosts, once.
      await sleep(3000);
      const sh = (name: string, command: string) => mustInHost(name, command);
      await assertEveryLineOnce(
        await stopWriters(
          hosts.map((h) => h.name),
          sh,
        ),
        sh,
      );
      step('every line counted');
    },
  );
});
