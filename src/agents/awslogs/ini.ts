// The agent's config syntax, shared by the lab agent (which reads its config with it) and the tool's restart
// discipline (which reads the sections of the awslogs.conf a restart will use). A reader for INI files with
// the semantics of Python 3's `configparser.RawConfigParser()` defaults, which is what the awslogs agent
// parses its config with: `=` or `:` delimiters, full-line `#`/`;`
// comments (no inline comments), indented continuation lines, option names lower-cased, a `DEFAULT`
// section whose options every section inherits, no interpolation, strict (duplicates are errors).
// Error messages reproduce Python's wording, because the agent logs them.
import { pyRepr } from './byte-pattern.js';

/** One parsed file: sections in order of appearance, and the DEFAULT section's options. */
export interface IniFile {
  sections: Map<string, Map<string, string>>;
  defaults: Map<string, string>;
}

export class IniError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IniError';
  }
}

export { pyRepr };

const pad2 = (n: number): string => String(n).padStart(2, ' ');
const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*([=:])\s*(.*)$/;

export function parseIni(text: string, fileName: string): IniFile {
  const sections = new Map<string, Map<string, string[] | string>>();
  const defaults = new Map<string, string[] | string>();
  const added = new Set<string>();
  const errors: string[] = [];
  let cursect: Map<string, string[] | string> | undefined;
  let sectname = '';
  let optname: string | undefined;
  let indentLevel = 0;
  // Python iterates lines keeping their line ends.
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  lines.forEach((line, index) => {
    const lineno = index + 1;
    const stripped = pyStrip(line);
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    const value = isComment ? '' : stripped;
    if (value === '') {
      // empty_lines_in_values: a blank line (not a comment) inside a value is kept.
      const cur = optname !== undefined ? cursect?.get(optname) : undefined;
      if (!isComment && Array.isArray(cur)) cur.push('');
      return;
    }
    const firstNonSpace = line.search(/\S/);
    const curIndent = firstNonSpace < 0 ? 0 : firstNonSpace;
    const cur = optname !== undefined ? cursect?.get(optname) : undefined;
    if (cursect !== undefined && optname !== undefined && curIndent > indentLevel && Array.isArray(cur)) {
      cur.push(value);
      return;
    }
    indentLevel = curIndent;
    const sm = SECTION.exec(value);
    if (sm) {
      sectname = sm[1]!;
      if (sectname === 'DEFAULT') {
        cursect = defaults;
      } else if (sections.has(sectname)) {
        throw new IniError(
          `While reading from ${pyRepr(fileName)} [line ${pad2(lineno)}]: section ${pyRepr(sectname)} already exists`,
        );
      } else {
        cursect = new Map();
        sections.set(sectname, cursect);
      }
      added.add(`s:${sectname}`);
      optname = undefined;
      return;
    }
    if (cursect === undefined) {
      throw new IniError(
        `File contains no section headers.\nfile: ${pyRepr(fileName)}, line: ${lineno}\n${pyRepr(line)}`,
      );
    }
    const om = OPTION.exec(value);
    if (!om) {
      errors.push(`\n\t[line ${pad2(lineno)}]: ${pyRepr(line)}`);
      return;
    }
    if (om[1] === '') errors.push(`\n\t[line ${pad2(lineno)}]: ${pyRepr(line)}`);
    optname = om[1]!.trimEnd().toLowerCase();
    const key = `o:${sectname}\u0000${optname}`;
    if (added.has(key)) {
      throw new IniError(
        `While reading from ${pyRepr(fileName)} [line ${pad2(lineno)}]: option ${pyRepr(optname)} in section ${pyRepr(sectname)} already exists`,
      );
    }
    added.add(key);
    cursect.set(optname, [pyStrip(om[3]!)]);
  });
  if (errors.length > 0) throw new IniError(`Source contains parsing errors: ${pyRepr(fileName)}${errors.join('')}`);
  return { sections: joinValues(sections), defaults: joinValues(new Map([['', defaults]])).get('')! };
}

function joinValues(sections: Map<string, Map<string, string[] | string>>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [name, opts] of sections) {
    const joined = new Map<string, string>();
    for (const [k, v] of opts) joined.set(k, Array.isArray(v) ? v.join('\n').replace(/\s+$/, '') : v);
    out.set(name, joined);
  }
  return out;
}

/** Python's str.strip(): ASCII and Unicode whitespace. */
function pyStrip(s: string): string {
  return s.replace(/^\s+|\s+$/g, '');
}

/** A RawConfigParser-like view over several sections with defaults, as the agent queries it. */
export class IniConfig {
  constructor(
    readonly sections: Map<string, Map<string, string>>,
    readonly defaults: Map<string, string>,
  ) {}

  sectionNames(): string[] {
    return [...this.sections.keys()];
  }

  has(section: string): boolean {
    return this.sections.has(section);
  }

  /** `config.get(section, option)`: NoSectionError / NoOptionError as Python words them. */
  get(section: string, option: string): string {
    const sect = this.sections.get(section);
    if (!sect) throw new IniError(`No section: ${pyRepr(section)}`);
    const key = option.toLowerCase();
    const v = sect.get(key) ?? this.defaults.get(key);
    if (v === undefined) throw new IniError(`No option ${pyRepr(key)} in section: ${pyRepr(section)}`);
    return v;
  }

  /** Like get, but undefined instead of NoOptionError. */
  find(section: string, option: string): string | undefined {
    try {
      return this.get(section, option);
    } catch {
      return undefined;
    }
  }
}

/** Python's int() of a config value: surrounding blanks, a sign, digits with single underscores. */
export function pyInt(value: string): number | undefined {
  const t = value.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}
