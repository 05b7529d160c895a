// `provision migrate` on Amazon Linux 2 lab hosts, end to end, against the lab's moto: a writer appends numbered
// lines to both logs of every host throughout; awslogs is provisioned by the tool; the dry run shows the new JSON
// and every key's fate and writes the inventory change; one host is migrated first (the canary), then the rest,
// while one host's app log is rotated during its cut-over (after awslogs stopped and its files were read, before
// the CloudWatch agent started: the cut-over reads again and drains the rotated file, and ends the drain once it
// reached the file's end); the canary's migration is
// rolled back, and its migration tried again with an agent that does not start: put back on the spot. Then every line of every log is in CloudWatch Logs exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/cli.js';
import {
  labDown,
  labInventoryCopy,
  labSkipReason,
  labUp,
  mustOnHost,
  onHost,
  type LabHost,
} from '../../support/lab.js';
import { cli, hostOf, LAB_AWS_ENV, sleep } from '../doctor/support.js';
import { APP, assertEveryLineOnce, STOP_WRITER, stopWriters, WRITER } from './support.js';

const skip = labSkipReason();
if (skip) console.log(`# migrate tests skipped: ${skip}`);

const CW_BIN = '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent';
const CW_ETC = '/opt/aws/amazon-cloudwatch-agent/etc';

/**
 * Rotates the app log once the cut-over's first half has stopped awslogs, read the files and handed the host to
 * its watchdog (the restart mark exists), i.e. before the seeding and while neither agent runs.
 */
const ROTATE_DURING_CUTOVER = `setsid sh -c 'i=0; while [ $i -lt 30000 ]; do for m in /var/lib/awslogs-provision/restart-*; do case "$m" in *"*"*|*.taken|*.fired) ;; *) mv ${APP} ${APP}.1 && touch /tmp/migrate-rotated; exit 0 ;; esac; done; i=$((i+1)); sleep 0.01; done' </dev/null >/dev/null 2>&1 &`;

interface Json {
  run: string;
  hosts: { name: string; status: string; changes: { kind: string; path?: string; summary: string; diff?: string }[] }[];
  migration?: Record<string, { fates: { option: string; fate: string }[]; inventoryVars: unknown }>;
}

describe('migrate from awslogs to the CloudWatch agent on Amazon Linux 2, and back on one host', { skip }, () => {
  let hosts: LabHost[] = [];
  let inventory = '';

  before(async () => {
    hosts = await labUp(3, 'amzn2');
    inventory = labInventoryCopy();
    const iam = await runCli(['iam', 'setup', '--inventory', inventory], { env: LAB_AWS_ENV, timeoutMs: 120_000 });
    assert.equal(iam.code, 0, iam.stdout + iam.stderr);
  });
  after(async () => {
    for (const h of hosts) await onHost(h.address, STOP_WRITER).catch(() => undefined);
    await labDown();
  });

  test(
    'canary, then the rest with a rotation during a cut-over, then a rollback: every line once',
    { timeout: 600_000 },
    async () => {
      const [canary, rotated, third] = hosts as [LabHost, LabHost, LabHost];
      const started = Date.now();
      const step = (what: string) => console.log(`# ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const applied = await cli('--inventory', inventory, '--no-verify');
      step('awslogs provisioned');
      assert.equal(applied.code, 0, applied.out);
      for (const h of hosts) await mustOnHost(h.address, WRITER);
      await sleep(3000);

      // The dry run: the JSON as a diff, every key's fate, the inventory change; nothing changed.
      const change = join(inventory, '..', 'migration.yml');
      const dry = await cli(
        'migrate',
        '--inventory',
        inventory,
        '--limit',
        canary.name,
        '--dry-run',
        '--write-inventory',
        change,
      );
      assert.equal(dry.code, 0, dry.out);
      const dryJson = dry.json as unknown as Json;
      const json = hostOf(dry.json, canary).changes.find((c) => c.path?.endsWith('/awslogs-provision.json'));
      assert.match(json?.diff ?? '', /"file_path": "\/var\/log\/app\/app.log"/);
      const fates = dryJson.migration?.[canary.name]?.fates ?? [];
      assert.ok(
        fates.some((f) => f.option === 'datetime_format' && f.fate === 'converted'),
        JSON.stringify(fates),
      );
      assert.match(readFileSync(change, 'utf8'), /log_agent: cloudwatch-agent/);
      assert.equal((await mustOnHost(canary.address, 'systemctl is-active awslogsd')).trim(), 'active');

      // The canary, then the rest (the app log of one rotated while neither agent runs).
      const first = await cli('migrate', '--inventory', inventory, '--limit', canary.name);
      assert.equal(first.code, 0, first.out);
      step('canary migrated');
      await mustOnHost(rotated.address, `rm -f /tmp/migrate-rotated; ${ROTATE_DURING_CUTOVER}`);
      const rest = await cli('migrate', '--inventory', inventory, '--limit', `${rotated.name}:${third.name}`);
      assert.equal(rest.code, 0, rest.out);
      step('the rest migrated');
      for (const h of hosts) {
        assert.equal((await onHost(h.address, 'systemctl is-active awslogsd')).stdout.trim(), 'inactive', h.name);
        assert.equal((await onHost(h.address, 'systemctl is-enabled awslogsd')).stdout.trim(), 'disabled', h.name);
        assert.equal(
          (await mustOnHost(h.address, 'systemctl is-active amazon-cloudwatch-agent')).trim(),
          'active',
          h.name,
        );
      }
      assert.ok((await onHost(rotated.address, 'test -e /tmp/migrate-rotated')).code === 0, 'the app log was rotated');
      const drains = hostOf(rest.json, rotated).changes.filter((c) => c.kind === 'drain');
      assert.deepEqual(
        drains.map((c) => [c.path, /^rotated while neither agent ran/.test(c.summary), /^drain ended/.test(c.summary)]),
        [
          [`${APP}.1`, true, false],
          [`${APP}.1`, false, true],
        ],
        JSON.stringify(hostOf(rest.json, rotated)),
      );
      // The drain ended: its entry gone from the managed JSON and the agent's copy, its link and run folder removed.
      assert.equal(
        (
          await onHost(
            rotated.address,
            `grep -l /var/lib/awslogs-provision/drain/ ${CW_ETC}/awslogs-provision.json ${CW_ETC}/amazon-cloudwatch-agent.d/*`,
          )
        ).stdout,
        '',
      );
      assert.equal((await mustOnHost(rotated.address, 'ls -A /var/lib/awslogs-provision/drain/')).trim(), '');

      // The canary back on awslogs: its positions carried over.
      const back = await cli('rollback', '--inventory', inventory, '--run', first.json.run, '--limit', canary.name);
      assert.equal(back.code, 0, back.out);
      step('canary rolled back');

      // A cut-over that fails after awslogs stopped (the CloudWatch agent does not start) is put back on the spot.
      await mustOnHost(
        canary.address,
        `cp -p ${CW_BIN} /tmp/cwagent.bin && printf '#!/bin/sh\\nexit 1\\n' > ${CW_BIN}`,
      );
      const failed = await cli('migrate', '--inventory', inventory, '--limit', canary.name);
      await mustOnHost(canary.address, `cp -p /tmp/cwagent.bin ${CW_BIN}`);
      assert.equal(failed.code, 1, failed.out);
      assert.equal(hostOf(failed.json, canary).status, 'failed');
      assert.match(hostOf(failed.json, canary).error?.message ?? '', /put back on awslogs/, failed.out);
      assert.equal((await mustOnHost(canary.address, 'systemctl is-active awslogsd')).trim(), 'active');
      assert.equal((await mustOnHost(canary.address, 'systemctl is-enabled awslogsd')).trim(), 'enabled');
      assert.equal(
        (await onHost(canary.address, 'systemctl is-active amazon-cloudwatch-agent')).stdout.trim(),
        'inactive',
      );
      step('a failed cut-over put back');
      assert.equal((await mustOnHost(canary.address, 'systemctl is-active awslogsd')).trim(), 'active');
      assert.equal(
        (await onHost(canary.address, 'systemctl is-active amazon-cloudwatch-agent')).stdout.trim(),
        'inactive',
      );

      // Every line of every log, once.
      await sleep(3000);
      const sh = (name: string, command: string) => mustOnHost(hosts.find((h) => h.name === name)!.address, command);
      await assertEveryLineOnce(
        await stopWriters(
          hosts.map((h) => h.name),
          sh,
        ),
        sh,
      );
    },
  );
});
