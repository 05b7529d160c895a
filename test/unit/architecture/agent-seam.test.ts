// The agent seam (DESIGN.md, "Two agents, one design"), checked on the source: the layers that serve every agent
// (core, operations, facts, runs, journal, doctor, ui, …) name no agent's files, package, service, options or
// state format, and import no agent's modules but through the catalog (src/agents/catalog.ts). Only the agents'
// own folders (src/agents/<agent>/, which may know each other: a migration translates one into the other) and
// the lab (src/lab/: the agents' stand-ins) may. String literals and import paths are read with TypeScript's
// own parser (comments are prose).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../support/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

/** What each agent alone may name: its paths, package, service, variables, options and state format. */
const OWN: Record<string, string[]> = {
  awslogs: [
    '/etc/awslogs',
    'awslogsd',
    'awscli.conf',
    'awslogs.conf',
    '/var/log/awslogs',
    '/var/lib/awslogs/',
    'awslogs_',
    'cwlogs',
    'push_state',
    'stream_state',
    'datetime_format',
    'initial_position',
    'file_fingerprint_lines',
    'buffer_duration',
    'batch_count',
    'batch_size',
    'multi_line_start_pattern',
  ],
  'cloudwatch-agent': [
    'amazon-cloudwatch-agent',
    '/opt/aws/',
    'cwagent',
    'cloudwatch_agent_',
    'collect_list',
    'logs_collected',
    'timestamp_format',
    'force_flush_interval',
    'run_as_user',
    'fetch-config',
    'common-config.toml',
    'retention_in_days',
    'log_group_class',
    'multi_line_start_pattern',
  ],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every string literal (template parts included) and import path of a module, with its line. */
function literals(file: string): { text: string; line: number; imported: boolean }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { text: string; line: number; imported: boolean }[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node): void => {
    const imported =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined;
    if (imported && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ text: node.moduleSpecifier.text, line: at(node), imported: true });
      return;
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ text: node.arguments[0].text, line: at(node), imported: true });
      return;
    }
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    )
      found.push({ text: node.text, line: at(node), imported: false });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The agent whose folder holds the module, if any. */
function agentOf(rel: string): string | undefined {
  const m = /^agents\/([^/]+)\//.exec(rel);
  return m && m[1]! in OWN ? m[1] : undefined;
}

const all = sources(SRC).map((file) => ({ file, rel: path.relative(SRC, file).split(path.sep).join('/') }));
/** The layers that serve any agent: everything but the agents' folders and the lab. */
const modules = all.filter(({ rel }) => !rel.startsWith('lab/') && agentOf(rel) === undefined);

test('no module outside src/agents/<agent>/ names an agent’s paths, package, service, options or state', () => {
  const found: string[] = [];
  for (const { file, rel } of modules) {
    for (const { text, line, imported } of literals(file)) {
      if (imported) continue;
      for (const [agent, names] of Object.entries(OWN)) {
        const hit = names.find((n) => text.includes(n));
        if (hit) found.push(`src/${rel}:${line}: ${JSON.stringify(hit)} (${agent}'s) in ${JSON.stringify(text)}`);
      }
    }
  }
  assert.deepEqual(found, []);
});

test('no module outside the agents’ folders imports their modules, but the catalog that loads them', () => {
  const found: string[] = [];
  for (const { file, rel } of modules) {
    if (rel === 'agents/catalog.ts') continue;
    for (const { text, line, imported } of literals(file)) {
      if (!imported || !text.startsWith('.')) continue;
      const target = path
        .relative(SRC, path.resolve(path.dirname(file), text))
        .split(path.sep)
        .join('/');
      if (agentOf(target)) found.push(`src/${rel}:${line} imports ${text}`);
    }
  }
  assert.deepEqual(found, []);
});

test('the check itself sees what it looks for (it can fail)', () => {
  const names = literals(path.join(SRC, 'agents/awslogs/desired.ts')).map((l) => l.text);
  assert.ok(names.includes('/etc/awslogs/awslogs.conf'));
  assert.ok(
    modules.some((m) => m.rel === 'runs/apply/apply.ts') && !modules.some((m) => m.rel.startsWith('agents/awslogs/')),
  );
});
