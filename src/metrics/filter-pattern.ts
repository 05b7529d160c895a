// A local implementation of the CloudWatch Logs filter-pattern syntax (metric filters, subscription filters,
// FilterLogEvents). Pure: no I/O, no AWS SDK. It lets `provision metrics test` check sample lines before
// anything is sent, and flags where the service disagrees.
//
// Four shapes, chosen by the first non-blank character of the pattern:
//   `{ ... }`  JSON:            { $.a.b[0] = "x*" && ($.n > 5 || $.f IS TRUE) }
//   `[ ... ]`  space-delimited: [ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]
//   `%...%`    a regular expression searched anywhere in the line
//   otherwise  terms:           ERROR "exact phrase" -EXCLUDED ?OR_TERM
//
// Choices where the documentation is silent or contradicts itself (see test/cases/filter-patterns.json):
// - an unquoted term matches as a case-sensitive substring (the docs' `ERROR` matches `ERRORCODE: -1`);
// - an unquoted term may hold only letters, digits and `_`; anything else must be quoted;
// - `*` is a wildcard at the start and/or the end of a string value; inside it is a literal character;
// - in a space-delimited pattern the last field, unless it is `...`, takes the rest of the line, and a line
//   with fewer fields than the pattern does not match;
// - a value that looks like a number compares as a number, whether the log holds a JSON number or text;
// - a JSON selector that reaches an object, an array or nothing makes every comparison false (`!=` too).

export class FilterPatternError extends Error {
  /** 1-based column of the offending character in the pattern. */
  readonly column: number;
  constructor(
    readonly reason: string,
    /** 0-based offset in the pattern text. */
    readonly position: number,
    readonly pattern: string,
  ) {
    super(`invalid filter pattern at column ${position + 1}: ${reason}`);
    this.name = 'FilterPatternError';
    this.column = position + 1;
  }
}

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** The right-hand side of a comparison. */
export type Value =
  | { kind: 'string'; text: string; quoted: boolean }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'regex'; source: string; regex: RegExp };

export interface Term {
  text: string;
  quoted: boolean;
  position: number;
}

export type JsonSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

export interface JsonSelector {
  text: string;
  segments: JsonSegment[];
}

export type JsonExpr =
  | { kind: 'and' | 'or'; left: JsonExpr; right: JsonExpr }
  | { kind: 'compare'; selector: JsonSelector; op: Operator; value: Value }
  | { kind: 'is'; selector: JsonSelector; what: 'NULL' | 'TRUE' | 'FALSE' }
  | { kind: 'notExists'; selector: JsonSelector };

export type FieldExpr =
  | { kind: 'and' | 'or'; left: FieldExpr; right: FieldExpr }
  | { kind: 'compare'; field: string; op: Operator; value: Value; position: number };

export type DelimitedField =
  | { kind: 'ellipsis' }
  | {
      kind: 'field';
      /** The field's name; absent when the pattern leaves the field blank (reported as `$N`, N its position). */
      name?: string;
      condition?: FieldExpr;
    };

export type FilterPattern =
  | { kind: 'all'; text: string }
  | { kind: 'terms'; text: string; include: Term[]; exclude: Term[]; optional: Term[] }
  | { kind: 'regex'; text: string; value: Extract<Value, { kind: 'regex' }> }
  | { kind: 'json'; text: string; expr: JsonExpr }
  | { kind: 'delimited'; text: string; fields: DelimitedField[] };

export interface MatchResult {
  matched: boolean;
  /** Space-delimited patterns only: `$name` → the field's text, as the service reports extracted values. */
  fields?: Record<string, string>;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TERM_RE = /^[A-Za-z0-9_]+$/;
/** Characters the documentation lets an unquoted value hold (`123.123.*`, `4*`, `*.html*`, `1e+3`). */
const BARE_VALUE_RE = /^[A-Za-z0-9_.*+\-:/]+$/;
const SELECTOR_KEY_RE = /[A-Za-z0-9_-]/;
const FIELD_NAME_RE = /[A-Za-z0-9_]/;
/** Documented regex alphabet: alphanumerics, `:_#=@/;,-`, operators `^$?[]{}|\*+.`, and the space. */
const REGEX_ALLOWED_RE = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+. ]*$/;

// ---------------------------------------------------------------------------------------------------------
// Parsing

/** Parses a filter pattern; throws FilterPatternError with the position of the first problem. */
export function parseFilterPattern(text: string): FilterPattern {
  if (typeof text !== 'string') throw new FilterPatternError('the pattern must be a string', 0, String(text));
  if (text.length > 1024) throw new FilterPatternError('the pattern is longer than 1024 characters', 1024, text);
  const start = firstNonBlank(text);
  if (start === text.length) return { kind: 'all', text };
  const end = lastNonBlank(text);
  const first = text[start];
  if (first === '{') {
    if (text[end] !== '}') throw new FilterPatternError('a JSON pattern must end with "}"', end, text);
    const p = new Parser(text, start + 1, end);
    const expr = parseJsonOr(p);
    p.skipBlanks();
    if (!p.atEnd()) throw p.error(`unexpected "${p.peekWord()}"`);
    const conditions = jsonConditions(expr);
    checkRegexQuota(
      conditions.flatMap((c) => (c.kind === 'compare' ? [c.value] : [])),
      text,
    );
    const wildcards = conditions.filter((c) => c.selector.segments.some((s) => s.kind === 'wildcard')).length;
    if (wildcards > 3)
      throw new FilterPatternError(`${wildcards} wildcard selectors: a pattern may use three at most`, start, text);
    return { kind: 'json', text, expr };
  }
  if (first === '[') {
    if (text[end] !== ']') throw new FilterPatternError('a space-delimited pattern must end with "]"', end, text);
    const fields = parseDelimited(new Parser(text, start + 1, end));
    checkRegexQuota(
      fields
        .flatMap((f) => (f.kind === 'field' && f.condition ? fieldConditions(f.condition) : []))
        .map((c) => c.value),
      text,
    );
    return { kind: 'delimited', text, fields };
  }
  if (first === '%' && end > start && text[end] === '%') {
    const value = compileRegex(text.slice(start + 1, end), start + 1, text);
    return { kind: 'regex', text, value };
  }
  return parseTerms(text, start);
}

type JsonCondition = Exclude<JsonExpr, { kind: 'and' | 'or' }>;
type FieldCondition = Extract<FieldExpr, { kind: 'compare' }>;

function jsonConditions(e: JsonExpr): JsonCondition[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      return [...jsonConditions(e.left), ...jsonConditions(e.right)];
    default:
      return [e];
  }
}

function fieldConditions(e: FieldExpr): FieldCondition[] {
  return e.kind === 'compare' ? [e] : [...fieldConditions(e.left), ...fieldConditions(e.right)];
}

/** Documented quota: two regular expressions per JSON or space-delimited pattern. */
function checkRegexQuota(values: Value[], text: string): void {
  const n = values.filter((v) => v.kind === 'regex').length;
  if (n > 2) throw new FilterPatternError(`${n} regular expressions: a pattern may use two at most`, 0, text);
}

class Parser {
  pos: number;
  constructor(
    readonly text: string,
    start: number,
    /** Exclusive end of the region this parser reads. */
    readonly end: number,
  ) {
    this.pos = start;
  }
  atEnd(): boolean {
    return this.pos >= this.end;
  }
  peek(n = 0): string {
    return this.pos + n < this.end ? (this.text[this.pos + n] ?? '') : '';
  }
  startsWith(s: string): boolean {
    return this.pos + s.length <= this.end && this.text.startsWith(s, this.pos);
  }
  skipBlanks(): void {
    while (!this.atEnd() && /\s/.test(this.peek())) this.pos++;
  }
  peekWord(): string {
    let i = this.pos;
    while (i < this.end && !/\s/.test(this.text[i] ?? '')) i++;
    return this.text.slice(this.pos, i) || 'end of pattern';
  }
  error(reason: string, at = this.pos): FilterPatternError {
    return new FilterPatternError(reason, at, this.text);
  }
}

function firstNonBlank(text: string): number {
  let i = 0;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  return i;
}

function lastNonBlank(text: string): number {
  let i = text.length - 1;
  while (i >= 0 && /\s/.test(text[i] ?? '')) i--;
  return i;
}

function parseTerms(text: string, start: number): FilterPattern {
  const p = new Parser(text, start, text.length);
  const include: Term[] = [];
  const exclude: Term[] = [];
  const optional: Term[] = [];
  for (p.skipBlanks(); !p.atEnd(); p.skipBlanks()) {
    let list = include;
    const prefixAt = p.pos;
    if (p.peek() === '?' || p.peek() === '-') {
      list = p.peek() === '?' ? optional : exclude;
      p.pos++;
      // The docs write both `-ARGUMENTS` and `"ERROR" - "Exiting"`.
      p.skipBlanks();
      if (p.atEnd()) throw p.error(`"${text[prefixAt]}" must be followed by a term`, prefixAt);
      if (p.peek() === '?' || p.peek() === '-') throw p.error(`"${p.peek()}" cannot follow "${text[prefixAt]}"`);
    }
    const position = p.pos;
    if (p.peek() === '"') {
      list.push({ text: readQuoted(p), quoted: true, position });
    } else {
      const word = readUntil(p, (c) => /\s/.test(c));
      if (!TERM_RE.test(word)) {
        const bad = [...word].findIndex((c) => !/[A-Za-z0-9_]/.test(c));
        throw p.error(
          `the term ${JSON.stringify(word)} has a character other than a letter, a digit or "_": put it in double quotes`,
          position + Math.max(bad, 0),
        );
      }
      list.push({ text: word, quoted: false, position });
    }
  }
  return { kind: 'terms', text, include, exclude, optional };
}

function readUntil(p: Parser, stop: (c: string) => boolean): string {
  const from = p.pos;
  while (!p.atEnd() && !stop(p.peek())) p.pos++;
  return p.text.slice(from, p.pos);
}

/** Reads `"..."` with `\"` and `\\` escapes; the parser stands on the opening quote. */
function readQuoted(p: Parser): string {
  const open = p.pos;
  p.pos++;
  let out = '';
  while (!p.atEnd()) {
    const c = p.peek();
    if (c === '\\' && (p.peek(1) === '"' || p.peek(1) === '\\')) {
      out += p.peek(1);
      p.pos += 2;
      continue;
    }
    p.pos++;
    if (c === '"') return out;
    out += c;
  }
  throw p.error('unterminated double quote', open);
}

function compileRegex(source: string, at: number, text: string): Extract<Value, { kind: 'regex' }> {
  if (source.length === 0) throw new FilterPatternError('empty regular expression', at, text);
  const paren = [...source].findIndex((c) => c === '(' || c === ')');
  if (paren >= 0) throw new FilterPatternError('parentheses are not supported in a filter regex', at + paren, text);
  if (!REGEX_ALLOWED_RE.test(source)) {
    const bad = [...source].findIndex((c) => !REGEX_ALLOWED_RE.test(c));
    throw new FilterPatternError(
      `the character ${JSON.stringify(source[bad])} is not supported in a filter regex (use \\xhh)`,
      at + bad,
      text,
    );
  }
  try {
    return { kind: 'regex', source, regex: new RegExp(source) };
  } catch (err) {
    throw new FilterPatternError(`invalid regular expression: ${(err as Error).message}`, at, text);
  }
}

function readOperator(p: Parser): Operator | undefined {
  for (const op of ['!=', '<=', '>=', '=', '<', '>'] as const) {
    if (p.startsWith(op)) {
      p.pos += op.length;
      return op;
    }
  }
  return undefined;
}

/** A value after an operator: "quoted", %regex%, or a bare word ending at a blank or at `stops`. */
function readValue(p: Parser, stops: string[]): Value {
  p.skipBlanks();
  const at = p.pos;
  if (p.atEnd()) throw p.error('a value is missing after the operator');
  if (p.peek() === '"') return { kind: 'string', text: readQuoted(p), quoted: true };
  if (p.peek() === '%') {
    p.pos++;
    const source = readUntil(p, (c) => c === '%');
    if (p.atEnd()) throw p.error('unterminated regular expression: missing the closing "%"', at);
    p.pos++;
    return compileRegex(source, at + 1, p.text);
  }
  const from = p.pos;
  while (!p.atEnd() && !/\s/.test(p.peek()) && !stops.some((s) => p.startsWith(s))) p.pos++;
  const word = p.text.slice(from, p.pos);
  if (word === '') throw p.error('a value is missing after the operator');
  if (!BARE_VALUE_RE.test(word)) {
    const bad = [...word].findIndex((c) => !BARE_VALUE_RE.test(c));
    throw p.error(`the value ${JSON.stringify(word)} must be put in double quotes`, from + bad);
  }
  if (NUMBER_RE.test(word)) return { kind: 'number', value: Number(word), text: word };
  return { kind: 'string', text: word, quoted: false };
}

function checkOrdering(p: Parser, op: Operator, value: Value, at: number): void {
  if ((op === '<' || op === '<=' || op === '>' || op === '>=') && value.kind !== 'number')
    throw p.error(`"${op}" needs a number`, at);
}

// JSON: or := and ('||' and)* ; and := unary ('&&' unary)* ; unary := '(' or ')' | condition
function parseJsonOr(p: Parser): JsonExpr {
  let left = parseJsonAnd(p);
  for (p.skipBlanks(); p.startsWith('||'); p.skipBlanks()) {
    p.pos += 2;
    left = { kind: 'or', left, right: parseJsonAnd(p) };
  }
  return left;
}

function parseJsonAnd(p: Parser): JsonExpr {
  let left = parseJsonUnary(p);
  for (p.skipBlanks(); p.startsWith('&&'); p.skipBlanks()) {
    p.pos += 2;
    left = { kind: 'and', left, right: parseJsonUnary(p) };
  }
  return left;
}

function parseJsonUnary(p: Parser): JsonExpr {
  p.skipBlanks();
  if (p.peek() === '(') {
    const open = p.pos;
    p.pos++;
    const inner = parseJsonOr(p);
    p.skipBlanks();
    if (p.peek() !== ')') throw p.error(`expected ")" to close the "(" at column ${open + 1}`);
    p.pos++;
    return inner;
  }
  if (p.peek() !== '$')
    throw p.error(`expected a property selector starting with "$." or "(", found "${p.peekWord()}"`);
  const selector = parseSelector(p);
  p.skipBlanks();
  if (p.startsWith('IS ') || p.startsWith('IS\t')) {
    p.pos += 2;
    p.skipBlanks();
    for (const what of ['NULL', 'TRUE', 'FALSE'] as const) {
      if (p.startsWith(what)) {
        p.pos += what.length;
        return { kind: 'is', selector, what };
      }
    }
    throw p.error(`"IS" must be followed by NULL, TRUE or FALSE (IS NOT is not supported)`);
  }
  if (p.startsWith('NOT ') || p.startsWith('NOT\t')) {
    p.pos += 3;
    p.skipBlanks();
    if (p.startsWith('EXISTS')) {
      p.pos += 6;
      return { kind: 'notExists', selector };
    }
    throw p.error('"NOT" must be followed by EXISTS');
  }
  if (p.startsWith('EXISTS')) throw p.error('EXISTS is not supported: use a comparison such as = *');
  const opAt = p.pos;
  const op = readOperator(p);
  if (!op) throw p.error(`expected an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS after ${selector.text}`);
  const value = readValue(p, [')', '&&', '||']);
  checkOrdering(p, op, value, opAt);
  return { kind: 'compare', selector, op, value };
}

function parseSelector(p: Parser): JsonSelector {
  const from = p.pos;
  p.pos++; // '$'
  const segments: JsonSegment[] = [];
  for (;;) {
    if (p.peek() === '.' && p.peek(1) !== '[') {
      p.pos++;
      if (p.peek() === '*') {
        p.pos++;
        segments.push({ kind: 'wildcard' });
        continue;
      }
      const key = readUntil(p, (c) => !SELECTOR_KEY_RE.test(c));
      if (key === '') throw p.error('expected a property name after "."');
      segments.push({ kind: 'key', key });
    } else if (p.peek() === '[' || (p.peek() === '.' && p.peek(1) === '[')) {
      if (p.peek() === '.') p.pos++;
      const open = p.pos;
      p.pos++;
      if (p.peek() === '*') {
        p.pos++;
        segments.push({ kind: 'wildcard' });
      } else if (p.peek() === "'" || p.peek() === '"') {
        const q = p.peek();
        p.pos++;
        const key = readUntil(p, (c) => c === q);
        if (p.atEnd()) throw p.error('unterminated quoted property name', open);
        p.pos++;
        segments.push({ kind: 'key', key });
      } else {
        const digits = readUntil(p, (c) => !/[0-9]/.test(c));
        if (digits === '') throw p.error('expected an array index, "*" or a quoted property name after "["');
        segments.push({ kind: 'index', index: Number(digits) });
      }
      if (p.peek() !== ']') throw p.error('expected "]"');
      p.pos++;
    } else {
      break;
    }
  }
  const text = p.text.slice(from, p.pos);
  if (segments.length === 0) throw p.error('a property selector needs at least one property after "$"', from);
  if (segments.filter((s) => s.kind === 'wildcard').length > 1)
    throw p.error('a property selector may use one wildcard only', from);
  return { text, segments };
}

// Space-delimited: fields separated by commas; a field is `...`, a blank, a name, or conditions on names.
function parseDelimited(p: Parser): DelimitedField[] {
  const fields: DelimitedField[] = [];
  const references: { name: string; position: number }[] = [];
  for (;;) {
    p.skipBlanks();
    if (p.startsWith('...')) {
      p.pos += 3;
      // `..., ...` means the same as `...`; one keeps the matcher's backtracking small.
      if (fields.at(-1)?.kind !== 'ellipsis') fields.push({ kind: 'ellipsis' });
    } else if (p.atEnd() || p.peek() === ',') {
      fields.push({ kind: 'field' });
    } else {
      const at = p.pos;
      const name = readUntil(p, (c) => !FIELD_NAME_RE.test(c));
      if (name === '') throw p.error(`expected a field name, "..." or ",", found "${p.peekWord()}"`);
      p.skipBlanks();
      if (p.atEnd() || p.peek() === ',') {
        fields.push({ kind: 'field', name });
      } else {
        p.pos = at;
        const condition = parseFieldOr(p, references);
        fields.push({ kind: 'field', name: firstField(condition), condition });
      }
    }
    p.skipBlanks();
    if (p.atEnd()) break;
    if (p.peek() !== ',') throw p.error(`expected "," or "]", found "${p.peekWord()}"`);
    p.pos++;
  }
  const names = new Set<string>();
  for (const f of fields) {
    if (f.kind !== 'field' || f.name === undefined) continue;
    if (names.has(f.name)) throw p.error(`the field name "${f.name}" is used twice`, p.end);
    names.add(f.name);
  }
  for (const r of references) {
    if (!names.has(r.name)) throw p.error(`"${r.name}" is not a field of this pattern`, r.position);
  }
  return fields;
}

function firstField(e: FieldExpr): string {
  return e.kind === 'compare' ? e.field : firstField(e.left);
}

function parseFieldOr(p: Parser, refs: { name: string; position: number }[]): FieldExpr {
  let left = parseFieldAnd(p, refs);
  for (p.skipBlanks(); p.startsWith('||'); p.skipBlanks()) {
    p.pos += 2;
    left = { kind: 'or', left, right: parseFieldAnd(p, refs) };
  }
  return left;
}

function parseFieldAnd(p: Parser, refs: { name: string; position: number }[]): FieldExpr {
  let left = parseFieldCompare(p, refs);
  for (p.skipBlanks(); p.startsWith('&&'); p.skipBlanks()) {
    p.pos += 2;
    left = { kind: 'and', left, right: parseFieldCompare(p, refs) };
  }
  return left;
}

function parseFieldCompare(p: Parser, refs: { name: string; position: number }[]): FieldExpr {
  p.skipBlanks();
  const position = p.pos;
  const field = readUntil(p, (c) => !FIELD_NAME_RE.test(c));
  if (field === '') throw p.error(`expected a field name, found "${p.peekWord()}"`);
  refs.push({ name: field, position });
  p.skipBlanks();
  const opAt = p.pos;
  const op = readOperator(p);
  if (!op) throw p.error(`expected an operator (=, !=, <, <=, >, >=) after "${field}"`);
  const value = readValue(p, [',', '&&', '||']);
  checkOrdering(p, op, value, opAt);
  return { kind: 'compare', field, op, value, position };
}

// ---------------------------------------------------------------------------------------------------------
// Matching

/** Does the log line match? A string pattern is parsed first (and may throw FilterPatternError). */
export function matches(pattern: FilterPattern | string, line: string): boolean {
  return evaluate(pattern, line).matched;
}

/** Matches and, for space-delimited patterns, returns the extracted fields. */
export function evaluate(pattern: FilterPattern | string, line: string): MatchResult {
  const p = typeof pattern === 'string' ? parseFilterPattern(pattern) : pattern;
  switch (p.kind) {
    case 'all':
      return { matched: true };
    case 'regex':
      return { matched: p.value.regex.test(line) };
    case 'terms':
      return { matched: matchTerms(p, line) };
    case 'json':
      return { matched: matchJson(p.expr, line) };
    case 'delimited': {
      const fields = matchDelimited(p.fields, line);
      return fields ? { matched: true, fields } : { matched: false };
    }
  }
}

function termIn(term: Term, line: string): boolean {
  // `""` and `" "` match every event (documented "match everything").
  if (term.quoted && term.text.trim() === '') return true;
  return line.includes(term.text);
}

function matchTerms(p: Extract<FilterPattern, { kind: 'terms' }>, line: string): boolean {
  if (p.include.length === 0 && p.exclude.length === 0) return p.optional.some((t) => termIn(t, line));
  // Documented: "?" terms combined with other terms are ignored.
  return p.include.every((t) => termIn(t, line)) && !p.exclude.some((t) => termIn(t, line));
}

function wildcardEquals(actual: string, pattern: string): boolean {
  if (pattern === '*') return true;
  const lead = pattern.startsWith('*');
  const trail = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (lead && trail) return actual.includes(core);
  if (lead) return actual.endsWith(core);
  if (trail) return actual.startsWith(core);
  return actual === core;
}

/** Compares one scalar from the log (JSON number/string/boolean, or a field's text). */
function compareScalar(actual: string | number | boolean, op: Operator, value: Value): boolean {
  const text = String(actual);
  if (value.kind === 'regex') {
    const hit = value.regex.test(text);
    return op === '=' ? hit : op === '!=' ? !hit : false;
  }
  if (value.kind === 'number') {
    const n = typeof actual === 'number' ? actual : NUMBER_RE.test(text) ? Number(text) : undefined;
    if (n === undefined) {
      // Not a number in the log: only (in)equality, as text.
      if (op === '=') return text === value.text;
      if (op === '!=') return text !== value.text;
      return false;
    }
    switch (op) {
      case '=':
        return n === value.value;
      case '!=':
        return n !== value.value;
      case '<':
        return n < value.value;
      case '<=':
        return n <= value.value;
      case '>':
        return n > value.value;
      case '>=':
        return n >= value.value;
    }
  }
  const eq = wildcardEquals(text, value.text);
  return op === '=' ? eq : op === '!=' ? !eq : false;
}

function select(root: unknown, segments: JsonSegment[]): unknown[] {
  let current: unknown[] = [root];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const node of current) {
      if (seg.kind === 'index') {
        if (Array.isArray(node) && seg.index < node.length) next.push(node[seg.index]);
      } else if (seg.kind === 'key') {
        if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, seg.key))
          next.push((node as Record<string, unknown>)[seg.key]);
      } else if (Array.isArray(node)) {
        next.push(...node);
      } else if (node !== null && typeof node === 'object') {
        next.push(...Object.values(node));
      }
    }
    current = next;
  }
  return current;
}

function evalJson(e: JsonExpr, doc: unknown): boolean {
  switch (e.kind) {
    case 'and':
      return evalJson(e.left, doc) && evalJson(e.right, doc);
    case 'or':
      return evalJson(e.left, doc) || evalJson(e.right, doc);
    case 'notExists':
      return select(doc, e.selector.segments).length === 0;
    case 'is': {
      const want = e.what === 'NULL' ? null : e.what === 'TRUE';
      return select(doc, e.selector.segments).some((v) => v === want);
    }
    case 'compare':
      return select(doc, e.selector.segments).some(
        (v) =>
          (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && compareScalar(v, e.op, e.value),
      );
  }
}

function matchJson(expr: JsonExpr, line: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return false;
  }
  if (doc === null || typeof doc !== 'object') return false;
  return evalJson(expr, doc);
}

interface Token {
  value: string;
  start: number;
}

/** Splits a line on blanks; `[...]` and `"..."` are one field each, without their brackets or quotes. */
export function splitDelimited(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    const start = i;
    const c = line[i];
    if (c === '"' || c === '[') {
      const close = line.indexOf(c === '"' ? '"' : ']', i + 1);
      const end = close < 0 ? line.length : close;
      tokens.push({ value: line.slice(i + 1, end), start });
      i = close < 0 ? line.length : close + 1;
    } else {
      while (i < line.length && !/\s/.test(line[i] ?? '')) i++;
      tokens.push({ value: line.slice(start, i), start });
    }
  }
  return tokens;
}

function evalField(e: FieldExpr, values: Record<string, string>): boolean {
  switch (e.kind) {
    case 'and':
      return evalField(e.left, values) && evalField(e.right, values);
    case 'or':
      return evalField(e.left, values) || evalField(e.right, values);
    case 'compare': {
      const v = values[e.field];
      return v !== undefined && compareScalar(v, e.op, e.value);
    }
  }
}

function matchDelimited(fields: DelimitedField[], line: string): Record<string, string> | undefined {
  const tokens = splitDelimited(line);
  // Without `...`, the last field takes the rest of the line (the docs' `[w1=ERROR, w2]`); with one, every
  // field is one token and `...` is greedy, so `[..., status_code, bytes]` binds the last two.
  const absorb = !fields.some((f) => f.kind === 'ellipsis');
  const conditions = fields.flatMap((f) => (f.kind === 'field' && f.condition ? [f.condition] : []));
  const named: Record<string, string> = {};
  const extracted: Record<string, string> = {};

  const walk = (fi: number, ti: number): boolean => {
    if (fi === fields.length) return ti === tokens.length && conditions.every((c) => evalField(c, named));
    const f = fields[fi];
    if (f === undefined) return false;
    const remaining = tokens.length - ti;
    if (f.kind === 'ellipsis') {
      for (let k = remaining; k >= 0; k--) {
        if (!walk(fi + 1, ti + k)) continue;
        for (let j = ti; j < ti + k; j++) extracted[`$${j + 1}`] = tokens[j]?.value ?? '';
        return true;
      }
      return false;
    }
    const token = tokens[ti];
    if (token === undefined) return false;
    const take = absorb && fi === fields.length - 1 ? remaining : 1;
    const value = take > 1 ? line.slice(token.start).trimEnd() : token.value;
    if (f.name !== undefined) named[f.name] = value;
    if (walk(fi + 1, ti + take)) {
      extracted[f.name !== undefined ? `$${f.name}` : `$${ti + 1}`] = value;
      return true;
    }
    if (f.name !== undefined) delete named[f.name];
    return false;
  };

  return walk(0, 0) ? extracted : undefined;
}
