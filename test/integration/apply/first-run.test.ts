// An operator's first run on the lab, as README tells it, with nothing sourced: iam setup, a dry run that says
// "would change", an apply at a terminal that shows the plan and asks (no: nothing changed; yes: applied and
// verified), the doctor reading the agent's state file with this Node's SQLite. scripts/test.sh runs this
// file on Node 24 too: it is the lab apply + verify that proves the tool on each Node line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI, REPO_ROOT, runCli, type CliResult } from '../../support/cli.js';
import { LAB_INVENTORY, labDown, labSkipReason, labUp, onHost, type LabHost } from '../../support/lab.js';

const skip = labSkipReason();
if (skip) console.log(`# first-run tests skipped: ${skip}`);

/** No AWS variable at all, as in a fresh shell after `npm run demo`: the lab's inventory names its profile. */
const NOTHING_SOURCED = { AWS_PROFILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined, AWS_CONFIG_FILE: undefined };

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: NOTHING_SOURCED, timeoutMs: 240_000 });
}

// A pseudo-terminal for the CLI (Python's pty module), so that stdin and stderr are TTYs as an operator's are.
const PTY = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';

/** The CLI at a terminal: `answer` is typed once the output shows `[y/N]`; the terminal's output and exit code. */
function atTerminal(args: string[], answer?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PTY, process.execPath, CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...NOTHING_SOURCED, CI: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let answered = false;
    const read = (d: Buffer) => {
      output += d.toString();
      if (answer !== undefined && !answered && output.includes('[y/N]')) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      // As a person reads it: without the terminal's cursor movements (readline's), lines ending in \n.
      // eslint-disable-next-line no-control-regex
      resolve({ code: code ?? -1, output: output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r+\n/g, '\n') });
    });
  });
}

describe('an operator’s first run on the lab', { skip }, () => {
  let hosts: LabHost[] = [];
  const inventory = LAB_INVENTORY;

  before(async () => {
    hosts = await labUp(2, 'mixed');
  });
  after(async () => {
    await labDown();
  });

  test('iam setup, with nothing sourced', async () => {
    const result = await cli(['iam', 'setup', '-i', inventory]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^created +access-key\/awslogs-agent /m);
  });

  test('a dry run says "would change", never "changed"; --json adds dryRun and pending', async () => {
    const human = await cli(['-i', inventory, '--dry-run']);
    assert.equal(human.code, 0, human.stderr);
    for (const h of hosts) {
      assert.match(human.stdout, new RegExp(`^${h.name}: would change$`, 'm'));
      assert.match(human.stderr, new RegExp(`^${h.name}: ✔ would change$`, 'm'));
    }
    assert.match(human.stdout, /: 0 ok, 2 would change, 0 failed, 0 unreachable$/m);
    assert.doesNotMatch(human.stdout + human.stderr, /\bchanged\b/);
    const json = await cli(['-i', inventory, '--dry-run', '--json']);
    const doc = JSON.parse(json.stdout) as { dryRun: boolean; hosts: { status: string; pending?: boolean }[] };
    assert.equal(doc.dryRun, true);
    assert.deepEqual(
      doc.hosts.map((h) => [h.status, h.pending]),
      [
        ['changed', true],
        ['changed', true],
      ],
    );
  });

  test('at a terminal, apply shows the plan and asks: no changes nothing', async () => {
    const declined = await atTerminal(['-i', inventory], 'n');
    assert.equal(declined.code, 1, declined.output);
    assert.match(declined.output, /^\s+\+\[general\]$/m, 'the plan shows the diffs');
    assert.match(declined.output, /apply these changes on 2 hosts\? \[y\/N\] n\n/);
    assert.match(declined.output, /error: apply cancelled: nothing was changed/);
    for (const h of hosts) {
      const installed = await onHost(h.address, 'rpm -q awslogs');
      assert.notEqual(installed.code, 0, `${h.name}: the agent was installed after "no"`);
    }
  });

  test('…yes applies exactly the plan shown, and verifies; progress lines name each host', async () => {
    const accepted = await atTerminal(['-i', inventory], 'y');
    assert.equal(accepted.code, 0, accepted.output);
    for (const h of hosts) {
      assert.match(accepted.output, new RegExp(`^${h.name}: applying \\d+ change\\(s\\)$`, 'm'));
      assert.match(accepted.output, new RegExp(`^${h.name}: ✔ changed$`, 'm'));
    }
    assert.match(accepted.output, /: arrived$/m);
    // --yes: no question, even at a terminal.
    const again = await atTerminal(['-i', inventory, '--yes', '--no-verify']);
    assert.equal(again.code, 0, again.output);
    assert.doesNotMatch(again.output, /\[y\/N\]/);
    assert.match(again.output, /: 2 ok, 0 changed, 0 failed, 0 unreachable$/m);
  });

  test("the doctor reads each host's state file with this Node's SQLite", async () => {
    const result = await cli(['doctor', '-i', inventory, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as {
      stateRead: string;
      hosts: { status: string; state?: { present: boolean; streams: unknown[] } }[];
    };
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const engine = major > 22 || (major === 22 && minor >= 13) ? 'node:sqlite' : 'better-sqlite3';
    assert.match(doc.stateRead, new RegExp(`opened here with ${engine}`));
    for (const h of doc.hosts) {
      assert.equal(h.status, 'ok');
      assert.equal(h.state?.present, true);
      assert.equal(h.state?.streams.length, 2);
    }
  });
});
