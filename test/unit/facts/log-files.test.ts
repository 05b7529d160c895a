// The probe's log-file section run for real by /bin/sh on temporary files: globs, rotated siblings,
// compressed matches, first lines, the bounded tail, and hostile names.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFacts, probeScript } from '../../../src/facts/probe.js';
import { LOG_TAIL_BYTES, parseLogSections } from '../../../src/facts/log-files.js';
import { fingerprintEnd } from '../../../src/agents/awslogs/source-id.js';

describe('probe: log files', () => {
  let dir = '';
  const at = (name: string, content: string, ageS: number): void => {
    writeFileSync(join(dir, name), content);
    const t = Date.now() / 1000 - ageS;
    utimesSync(join(dir, name), t, t);
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-logs-'));
    mkdirSync(join(dir, 'app'));
    at('app/app-1.log', 'BANNER\nold\n', 300);
    at('app/app-2.log', 'BANNER\nnew\n', 10);
    at('app/app-3.log.gz', 'zzz', 1);
    at('messages', 'Nov 25 10:00:00 a\n' + 'x'.repeat(LOG_TAIL_BYTES) + '\nlast\n', 5);
    at('messages-20261120', 'Nov 20 10:00:00 old\n', 100);
    at('$(touch pwned)', 'hostile\n', 5);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('matches newest first, compressed flagged, heads of two files, tail of the newest', () => {
    const logs = [
      { pattern: join(dir, 'app/app-*.log*'), fingerprintEnd: 1 },
      { pattern: join(dir, 'messages'), fingerprintEnd: 1 },
      { pattern: join(dir, 'nothing-*.log'), fingerprintEnd: 1 },
      { pattern: join(dir, '$(touch pwned)'), fingerprintEnd: 2 },
    ];
    const script = probeScript({ paths: [], packageName: 'awslogs', services: { amzn1: 'a', amzn2: 'b' }, logs });
    const out = execFileSync('/bin/sh', ['-c', script], { cwd: dir }).toString();
    const facts = parseFacts(out, [], [], logs);
    const [app, messages, nothing, hostile] = facts.logs!;
    assert.deepEqual(
      app!.files.map((f) => [f.path.slice(dir.length + 1), f.compressed, f.head]),
      [
        ['app/app-3.log.gz', true, undefined],
        ['app/app-2.log', false, 'BANNER\n'],
        ['app/app-1.log', false, 'BANNER\n'],
      ],
    );
    assert.equal(app!.tail?.text, 'BANNER\nnew\n');
    assert.equal(app!.tail?.truncated, false);
    assert.deepEqual(
      messages!.files.map((f) => [f.path.slice(dir.length + 1), f.role]),
      [
        ['messages', 'match'],
        ['messages-20261120', 'rotated'],
      ],
    );
    assert.equal(messages!.files[1]!.head, 'Nov 20 10:00:00 old\n');
    assert.equal(messages!.tail?.truncated, true);
    assert.equal(Buffer.byteLength(messages!.tail!.text), LOG_TAIL_BYTES);
    assert.ok(messages!.tail!.text.endsWith('\nlast\n'));
    assert.deepEqual(nothing!.files, []);
    assert.equal(nothing!.tail, undefined);
    assert.equal(hostile!.files[0]?.head, 'hostile\n');
    assert.doesNotThrow(() => execFileSync('test', ['!', '-e', join(dir, 'pwned')]));
    assert.ok(facts.utcOffsetMinutes !== undefined);
  });

  test('file_fingerprint_lines: the last line read, invalid values fall back to 1', () => {
    assert.equal(fingerprintEnd(undefined), 1);
    assert.equal(fingerprintEnd('3'), 3);
    assert.equal(fingerprintEnd('1-4'), 4);
    assert.equal(fingerprintEnd('0'), 1);
    assert.equal(fingerprintEnd('x'), 1);
  });

  test('a file read whole serves head and tail; the head keeps file_fingerprint_lines lines; one that grew is cut to the bound', () => {
    const lines = 'one\ntwo\nthree\n';
    const b64 = (t: string) => [Buffer.from(t).toString('base64')];
    const path = Buffer.from('/var/log/x').toString('base64');
    const small = parseLogSections(
      [{ pattern: '/var/log/x', fingerprintEnd: 2 }],
      [
        { key: 'logfile', value: `0 match 1 file 1 ${lines.length} ${path}` },
        { key: 'loghead', value: '0 0' },
      ],
      new Map([['l0t', { closed: true, base64: b64(lines) }]]),
    );
    assert.equal(small[0]!.files[0]!.head, 'one\ntwo\n');
    assert.deepEqual(small[0]!.tail, { path: '/var/log/x', text: lines, truncated: false, bytes: Buffer.from(lines) });
    // Grew between stat and read: more than the bound came back whole; only the last bytes are kept.
    const grown = 'a\n' + 'x'.repeat(LOG_TAIL_BYTES + 10);
    const big = parseLogSections(
      [{ pattern: '/var/log/x', fingerprintEnd: 1 }],
      [
        { key: 'logfile', value: `0 match 1 file 1 100 ${path}` },
        { key: 'loghead', value: '0 0' },
      ],
      new Map([['l0t', { closed: true, base64: b64(grown) }]]),
    );
    assert.equal(big[0]!.files[0]!.head, 'a\n');
    assert.equal(Buffer.byteLength(big[0]!.tail!.text), LOG_TAIL_BYTES);
    assert.equal(big[0]!.tail!.truncated, true);
  });
});
