// Handlebars, strict: a variable a template names but the host does not have is an error, never an empty
// string. The stock templates live in the repo's templates/; an operator's `awslogs_templates_dir` wins
// file by file. Every value a template writes, in the stock templates or the operator's, on a key line or a
// comment, passes one check first (checkedValue): no control character (a line break would start another
// line, so another section, of an INI file) and never exactly `""` (Python 2.7's ConfigParser reads it as
// empty). The inventory's own checks come first; this one holds whatever got past them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { InputError, type Problem } from '../core/errors.js';
import { CONTROL_CHARACTER, controlCodePoints, escapeControlCharacters } from '../core/control-characters.js';
import { LOG_OPTIONS, type HostSpec, type RenderedFiles, type ResolvedCredentials } from '../agents/awslogs/spec.js';

/** The repo's templates/, from dist/src/templating/ (or src/templating/ under a TS runner). */
export const DEFAULT_TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates');

export const AWSLOGS_CONF_TEMPLATE = 'awslogs.conf.hbs';
export const AWSCLI_CONF_TEMPLATE = 'awscli.conf.hbs';

/**
 * What both templates see. Every value is a string (numbers and booleans as the agent reads them, so that
 * `{{#if}}` keeps `false`); an option the operator did not set is absent, so that using it unguarded fails.
 */
export interface TemplateContext {
  host: string;
  region: string;
  endpoint_url?: string;
  credentials_source: HostSpec['credentials']['source'];
  credentials?: { aws_access_key_id: string; aws_secret_access_key: string; aws_session_token?: string };
  general: Record<string, string>;
  logs: Array<Record<string, string>>;
}

export function templateContext(spec: HostSpec, credentials: ResolvedCredentials | undefined): TemplateContext {
  const general: Record<string, string> = { state_file: spec.general.state_file };
  if (spec.general.logging_config_file !== undefined) general.logging_config_file = spec.general.logging_config_file;
  if (spec.general.use_gzip_http_content_encoding !== undefined) {
    general.use_gzip_http_content_encoding = String(spec.general.use_gzip_http_content_encoding);
  }
  const logs = spec.logs.map((log) => {
    const entry: Record<string, string> = { section: log.section };
    for (const key of LOG_OPTIONS) {
      const value = log[key];
      if (value !== undefined) entry[key] = String(value);
    }
    return entry;
  });
  const context: TemplateContext = {
    host: spec.host,
    region: spec.region,
    credentials_source: spec.credentials.source,
    general,
    logs,
  };
  if (spec.endpointUrl !== undefined) context.endpoint_url = spec.endpointUrl;
  if (spec.credentials.source !== 'instance_profile') {
    if (credentials === undefined) {
      throw new Error(`${spec.host}: credentials source ${spec.credentials.source} needs resolved credentials`);
    }
    context.credentials = {
      aws_access_key_id: credentials.accessKeyId,
      aws_secret_access_key: credentials.secretAccessKey,
    };
    if (credentials.sessionToken !== undefined) context.credentials.aws_session_token = credentials.sessionToken;
  }
  return context;
}

/** Renders awslogs.conf and awscli.conf for one host; `secrets` holds the secret key and session token. */
export function renderHostFiles(
  spec: HostSpec,
  credentials: ResolvedCredentials | undefined,
  templatesRoot: string,
): RenderedFiles {
  const context = templateContext(spec, credentials);
  if (context.credentials) checkCredentials(spec.host, credentials as ResolvedCredentials);
  const secrets: string[] = [];
  if (context.credentials) {
    secrets.push(context.credentials.aws_secret_access_key);
    if (context.credentials.aws_session_token !== undefined) secrets.push(context.credentials.aws_session_token);
  }
  const render = (name: string): string => {
    try {
      return renderTemplate(templateFile(name, spec, templatesRoot), context);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      throw new InputError(err.problems.map((p) => ({ ...p, path: p.path ?? hostPath(spec.host) })));
    }
  };
  return { awslogsConf: render(AWSLOGS_CONF_TEMPLATE), awscliConf: render(AWSCLI_CONF_TEMPLATE), secrets };
}

/** `hosts.web1`, or `hosts["web\n1"]` for a name that is no plain word: a problem never prints it raw. */
function hostPath(host: string): string {
  return /^[\w.-]+$/.test(host) ? `hosts.${host}` : `hosts[${shown(host)}]`;
}

/** A value as a problem shows it: quoted, every control character escaped, cut at 80. */
function shown(value: string): string {
  const s = `"${escapeControlCharacters(value).replaceAll('"', '\\"')}"`;
  return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
}

/**
 * The operator's template when their directory has one of that name, else the stock one. A templates
 * directory that does not exist is an error, not a silent fall-back to the stock templates.
 */
export function templateFile(name: string, spec: HostSpec, templatesRoot: string): string {
  if (spec.templatesDir !== undefined) {
    if (!statSync(spec.templatesDir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new InputError([
        {
          file: spec.templatesDir,
          path: `hosts.${spec.host}.awslogs_templates_dir`,
          rule: 'awslogs_templates_dir is not a directory',
          expected: 'a directory holding awslogs.conf.hbs and/or awscli.conf.hbs',
        },
      ]);
    }
    const own = path.join(spec.templatesDir, name);
    if (existsSync(own)) return own;
  }
  return path.join(templatesRoot, name);
}

/** Compiled templates by their text: a run renders the same two templates for every host of the fleet. */
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** The helper every `{{…}}` is rewritten into: a name no template uses for a value of its own. */
const CHECKED = '__awslogs_provision_checked_value';

/** A value a template may not write, with where the template writes it. */
class RefusedValue extends Error {
  constructor(
    readonly rule: string,
    /** Where the value's expression starts in the template: line 1-based, column 0-based. */
    readonly loc: { line: number; column: number },
    readonly found?: string,
  ) {
    super(rule);
  }
}

const handlebars = Handlebars.create();
handlebars.registerHelper(CHECKED, (name: string, value: unknown, line: number, column: number) => {
  const loc = { line, column };
  // Strict mode checks a variable written alone; as this helper's argument it must be checked here.
  if (value === undefined)
    throw new RefusedValue(`template variable "${name}" is not defined for this host (strict mode)`, loc);
  const text = value === null ? '' : String(value);
  if (CONTROL_CHARACTER.test(text)) {
    throw new RefusedValue(
      `template value "${name}" holds a control character (${controlCodePoints(text)}): refused on a comment line as on a key line (a line break would start another line, or section, of the file)`,
      loc,
      shown(text),
    );
  }
  if (text.trim() === '""')
    throw new RefusedValue(`template value "${name}" is exactly "": Python 2.7's ConfigParser reads it as empty`, loc);
  return text;
});

/**
 * Rewrites every mustache of a parsed template, `{{x}}`, `{{{x}}}` or `{{helper a b}}`, into a call of the
 * checking helper on what it would have written: nothing reaches the output unchecked.
 */
function checkEveryValue(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(checkEveryValue);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as { type?: string } & Record<string, unknown>;
  if (n.type === 'MustacheStatement') {
    const m = n as unknown as hbs.AST.MustacheStatement;
    const called = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
    const value: hbs.AST.Expression = called
      ? ({ type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as hbs.AST.SubExpression)
      : m.path;
    const name = String((m.path as { original?: unknown }).original ?? '');
    const at = m.path.loc?.start ?? m.loc.start;
    const literal = (v: string | number) =>
      ({
        type: typeof v === 'string' ? 'StringLiteral' : 'NumberLiteral',
        value: v,
        original: v,
        loc: m.loc,
      }) as hbs.AST.Literal;
    m.path = { type: 'PathExpression', data: false, depth: 0, parts: [CHECKED], original: CHECKED, loc: m.path.loc };
    m.params = [literal(name), value, literal(at.line), literal(at.column)];
    m.hash = undefined as unknown as hbs.AST.Hash;
    return;
  }
  for (const [key, child] of Object.entries(n)) if (key !== 'loc') checkEveryValue(child);
}

/** Renders one template file strictly; any error becomes an InputError naming the file (and line). */
export function renderTemplate(file: string, context: object): string {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError([{ file, rule: `cannot read the template: ${(err as Error).message}` }]);
  }
  try {
    let template = compiled.get(source);
    if (!template) {
      const ast = handlebars.parse(source);
      checkEveryValue(ast);
      template = handlebars.compile(ast, { strict: true, noEscape: true });
      compiled.set(source, template);
    }
    return template(context);
  } catch (err) {
    if (err instanceof RefusedValue) throw new InputError([refusedProblem(file, err)]);
    throw new InputError([templateProblem(file, err as Error & { lineNumber?: number; column?: number })]);
  }
}

function refusedProblem(file: string, err: RefusedValue): Problem {
  const problem = { file, line: err.loc.line, column: err.loc.column + 1 } as Problem;
  problem.rule = err.rule;
  if (err.found !== undefined) problem.found = err.found;
  return problem;
}

function templateProblem(file: string, err: Error & { lineNumber?: number; column?: number }): Problem {
  const problem: Problem = { file, rule: '' };
  const missing = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/.exec(err.message);
  if (missing) {
    problem.line = Number(missing[2]);
    problem.column = Number(missing[3]) + 1;
    problem.rule = `template variable "${missing[1]}" is not defined for this host (strict mode)`;
    return problem;
  }
  const parse = /^Parse error on line (\d+):/.exec(err.message);
  if (parse) problem.line = Number(parse[1]);
  else if (err.lineNumber !== undefined) problem.line = err.lineNumber;
  problem.rule = `template error: ${err.message.replace(/\s+/g, ' ').trim()}`;
  return problem;
}

/** A key with a line break in it would write whatever follows into the file: refused, never shown. */
function checkCredentials(host: string, credentials: ResolvedCredentials): void {
  const problems: Problem[] = [];
  const fields: Array<[string, string | undefined]> = [
    ['access key id', credentials.accessKeyId],
    ['secret access key', credentials.secretAccessKey],
    ['session token', credentials.sessionToken],
  ];
  for (const [what, value] of fields) {
    if (value === undefined) continue;
    if (!/^[\x21-\x7e]+$/.test(value)) {
      problems.push({
        file: 'AWS credentials',
        path: `hosts.${host}.awslogs_credentials`,
        rule: `the ${what} is empty or holds whitespace or other characters a key never has`,
        expected: 'printable ASCII without spaces',
      });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}
