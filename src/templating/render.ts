// Handlebars, strict: a variable a template names but the host does not have is an error, never an empty
// string. An agent's stock templates live in the repo's templates/<agent>/ (src/agents/<agent>/ renders them);
// an operator's templates folder wins file by file. Every value a template writes, on a key line or a comment,
// passes one check first (checkedValue): no control character (a line break would start another line, so
// another section, of an INI file) and never exactly `""` (Python 2.7's ConfigParser reads it as empty). The
// inventory's own checks come first; this one holds whatever got past them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { InputError, type Problem } from '../core/errors.js';
import { CONTROL_CHARACTER, controlCodePoints, escapeControlCharacters } from '../core/control-characters.js';

/** The repo's templates/, from dist/src/templating/ (or src/templating/ under a TS runner). */
export const TEMPLATES_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates');

/** A value as a problem shows it: quoted, every control character escaped, cut at 80. */
export function shown(value: string): string {
  const s = `"${escapeControlCharacters(value).replaceAll('"', '\\"')}"`;
  return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
}

/** Compiled templates by their text: a run renders the same two templates for every host of the fleet. */
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** The helper every `{{…}}` is rewritten into: a name no template uses for a value of its own. */
const CHECKED = '__provision_checked_value';

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
