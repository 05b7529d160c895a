// The package as npm packs it: everything the tool needs at run time (its built code, templates, the lab's
// scripts and package payloads, the set-up scripts `lab up` names) and nothing else (no tests, no bench, no
// TypeScript source, no lab state). Then installed as `npm install -g` lays it out — the package under
// lib/node_modules, its bin linked into bin/ — and run from there. The dependencies are the checkout's own
// (linked, not downloaded: a real `npm install -g` fetches ~230 packages, minutes on this machine).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../../support/cli.js';

interface Packed {
  filename: string;
  files: { path: string; mode: number }[];
}

let dir = '';
let packed: Packed;
let files: string[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'awslogs-provision-pack-'));
  // The build is done (npm test builds first): --ignore-scripts skips prepack's build.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  packed = (JSON.parse(out) as Packed[])[0]!;
  files = packed.files.map((f) => f.path).sort();
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The repository's files below `folder` (relative paths), without the ones `skip` names. */
function repoFiles(folder: string, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(join(REPO_ROOT, at), { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!skip(path)) out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

test('the package holds what the tool needs at run time', () => {
  const needed = [
    'package.json',
    'README.md',
    'dist/src/main.js',
    'dist/src/lab/agent/main.js',
    'inventories/example.yml',
    'scripts/install-lab-deps.sh',
    'scripts/install-moto.sh',
    // The built code, every module of it.
    ...repoFiles('dist/src', (p) => !p.endsWith('.js')),
    ...repoFiles('templates'),
    // The lab's shell scripts and package payloads, read from src/lab/ at run time (LAB_SOURCE).
    ...repoFiles('src/lab', (p) => p.endsWith('.ts') || p.startsWith('src/lab/docker/')),
  ];
  const missing = needed.filter((f) => !files.includes(f));
  assert.deepEqual(missing, [], `missing from ${packed.filename}`);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.deepEqual(pkg.bin, { provision: 'dist/src/main.js' });
  assert.match(readFileSync(join(REPO_ROOT, 'dist/src/main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('…and nothing else: no tests, bench, TypeScript source, source maps, lab state or caches', () => {
  const unwanted = files.filter(
    (f) =>
      /^(dist\/(test|bench)|test|bench|node_modules|\.lab|\.cache|\.provision)\//.test(f) ||
      /^inventories\/lab/.test(f) ||
      f.endsWith('.ts') ||
      f.endsWith('.map') ||
      f.startsWith('src/lab/docker/'),
  );
  assert.deepEqual(unwanted, []);
  // Every relative import of the packed code resolves to a packed file.
  const unresolved: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.\.?\/[^']+)'/g)) {
      const target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), m[1]!));
      if (!files.includes(target)) unresolved.push(`${file} → ${m[1]}`);
    }
  }
  assert.deepEqual(unresolved, []);
});

test('installed as npm install -g lays it out, `provision` runs from the prefix’s bin', () => {
  const prefix = join(dir, 'prefix');
  const pkgDir = join(prefix, 'lib', 'node_modules', 'awslogs-provision');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', pkgDir, '--strip-components=1']);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkgDir, 'node_modules'));
  mkdirSync(join(prefix, 'bin'));
  const bin = join(prefix, 'bin', 'provision');
  symlinkSync('../lib/node_modules/awslogs-provision/dist/src/main.js', bin);
  chmodSync(join(pkgDir, 'dist/src/main.js'), 0o755); // as npm makes a bin executable
  const env = { ...process.env, PATH: `${prefix}/bin:${dirname(process.execPath)}:/usr/bin:/bin`, CI: 'true' };
  const run = (...args: string[]) =>
    execFileSync('provision', args, { env, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  assert.equal(run('--version').trim(), version);
  assert.match(run('--help'), /^Usage: provision /);
  // The packed templates render the packed example inventory.
  const rendered = run('render', '-i', join(pkgDir, 'inventories/example.yml'), '--host', 'web1');
  assert.match(rendered, /^==> \/etc\/awslogs\/awslogs\.conf <==\n/);
  assert.ok(existsSync(join(pkgDir, 'src/lab/packages/awslogs/manifest')));
});
