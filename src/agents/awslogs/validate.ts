// The awslogs agent's inventory variables → one typed HostSpec per host, or every problem of every host.
// The agent itself only logs a warning and falls back to a default on a bad value, so the tool refuses
// bad values up front, with the file and line they were written on. Pure: no I/O.
import path from 'node:path';
import type { Problem } from '../../core/errors.js';
import { AWS_REGIONS } from '../../core/aws-regions.js';
import { closest, didYouMean } from '../../core/suggest.js';
import { ACKNOWLEDGE_VAR, acknowledgedBy, groupWarnings, type HostWarning } from '../../core/warnings.js';
import type { InventoryHost } from '../../inventory/types.js';
import { dedupe, show } from '../problems.js';
import { canonicalCodec } from './codecs.js';
import { checkDatetimeFormat } from './datetime-format.js';
import { checkPythonRegex } from './python-regex.js';
import { portablePattern, python3BytesProblem } from './byte-pattern.js';
import {
  DEFAULT_REGION,
  DEFAULT_STATE_FILE,
  GENERAL_OPTIONS,
  LOG_OPTIONS,
  type CredentialsSpec,
  type GeneralSpec,
  type HostSpec,
  type InitialPosition,
  type LogSection,
  type TimeZone,
} from './spec.js';

export { AWSLOGS_VARS } from './catalog-entry.js';
import { AWSLOGS_VARS } from './catalog-entry.js';

/** Keys that would put a secret in the inventory: refused wherever they appear. */
export const SECRET_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'] as const;

export const LOG_ENTRY_KEYS = ['section', ...LOG_OPTIONS] as const;
export const CREDENTIALS_KEYS = ['source', 'profile'] as const;
export const CREDENTIAL_SOURCES = ['instance_profile', 'keys', 'env'] as const;
export const STREAM_PLACEHOLDERS = ['{instance_id}', '{hostname}', '{ip_address}'] as const;
/** Section names configparser or the agent give a meaning of their own. */
export const RESERVED_SECTIONS = ['general', 'DEFAULT', 'plugins'] as const;

export const SECRETS_RULE = 'secrets come from the environment or an AWS profile, not the inventory';

/** The warnings validation gives, by the name `provision_acknowledge` silences them with. */
export const WARNINGS = {
  'unknown-variable': 'a variable the tool does not know, named like one it does',
  'region-default': 'aws_region left out: us-east-1',
  'region-unknown': 'an aws_region the AWS SDK does not list',
  'credentials-default': 'awslogs_credentials left out: the instance profile',
  'compressed-file': 'a log file the agent never reads (.gz, .zip, …)',
  'datetime-no-year': 'a datetime_format without a year (parsed as 1900)',
  'instance-id-imdsv2': '{instance_id} in a stream name, on an instance that (may) require IMDSv2',
  'python3-pattern': 'a multi_line_start_pattern an agent on Python 3 cannot compile (its Python not known yet)',
} as const;
export type WarningName = keyof typeof WARNINGS;

/** Variables the tool reads beside the agent's: a near miss of one of these is a likely typo. */
const TOOL_VARS = [
  ...AWSLOGS_VARS,
  ACKNOWLEDGE_VAR,
  'aws_profile',
  'aws_shared_credentials_file',
  'aws_config_file',
  'cloudwatch_metric_filters',
  'cloudwatch_dashboard',
  'instance_id',
  'ec2_instance_id',
  'ansible_host',
  'ansible_port',
  'ansible_user',
  'ansible_become',
  'ansible_ssh_private_key_file',
  'ansible_private_key_file',
  'ssh_known_hosts_file',
  // Ansible's own that sit near the names above: not typos.
  'ansible_connection',
  'ansible_ssh_host',
  'ansible_ssh_port',
  'ansible_ssh_user',
  'ansible_become_user',
  'ansible_python_interpreter',
  'ansible_ssh_common_args',
  'ec2_imdsv2_required',
  'log_agent',
  'ansible_aws_ssm_instance_id',
  'ansible_aws_ssm_region',
];

type Segment = string | number;
type VarPath = readonly Segment[];
type Mapping = Record<string, unknown>;

export interface ValidationResult {
  /** Host name → spec, for the hosts without problems. */
  specs: Map<string, HostSpec>;
  problems: Problem[];
  warnings: Problem[];
}

/**
 * Validates every host and reports every problem at once; a shared group value's problem is reported once.
 * `known`: the variables the tool reads for other agents (src/agents/catalog.ts), which this agent's hosts may
 * carry (a group shared with the other agent's hosts) and which are no typo.
 */
export function validateHosts(hosts: InventoryHost[], known: readonly string[] = []): ValidationResult {
  const specs = new Map<string, HostSpec>();
  const problems: Problem[] = [];
  const warnings: HostWarning[] = [];
  const located = new Set<Problem>();
  for (const host of hosts) {
    const check = new HostCheck(host, located, known);
    const spec = check.run();
    problems.push(...check.problems);
    warnings.push(...check.warnings);
    if (spec && check.problems.length === 0) specs.set(host.name, spec);
  }
  return { specs, problems: dedupe(problems, located), warnings: groupWarnings(warnings) };
}

export function pathText(host: string, p: VarPath): string {
  return `hosts.${host}` + p.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keyOf(p: VarPath): string {
  for (let i = p.length - 1; i >= 0; i--) if (typeof p[i] === 'string') return p[i] as string;
  return '';
}

// Line breaks and every other control character (C0, DEL, C1, Unicode line/paragraph separators).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Every key name of the agent's two files: a value starting `name =` or `name:` looks like another option. */
const FILE_KEYS = [...LOG_ENTRY_KEYS, ...GENERAL_OPTIONS, 'region', 'cwlogs', 'endpoint_url', ...SECRET_KEYS];
const KEY_PREFIX = new RegExp(`^(?:${FILE_KEYS.join('|')})\\s*[=:]`, 'i');
const REGION = /^[a-z]{2}(?:-[a-z]+){1,2}-\d{1,2}$/;
const GROUP_NAME = /^[A-Za-z0-9_\-/.#]{1,512}$/;

class HostCheck {
  readonly problems: Problem[] = [];
  readonly warnings: HostWarning[] = [];
  private readonly acknowledged: Set<string>;
  constructor(
    private readonly host: InventoryHost,
    /** Problems about a value present in the vars, whose location is where it was written. */
    private readonly located: Set<Problem>,
    private readonly known: readonly string[] = [],
  ) {
    this.acknowledged = acknowledgedBy(host.vars);
  }

  private present(p: VarPath): boolean {
    let v: unknown = this.host.vars;
    for (const segment of p) {
      if (typeof v !== 'object' || v === null) return false;
      v = (v as Record<string | number, unknown>)[segment];
    }
    return v !== undefined && v !== null;
  }

  private make(p: VarPath, rule: string, expected?: string, found?: string): Problem {
    const loc = this.host.locate(p);
    // Built field by field so that the JSON output reads file, line, column, path, rule, expected, found.
    const problem = { file: loc.file } as Problem;
    if (loc.line !== undefined) problem.line = loc.line;
    if (loc.column !== undefined) problem.column = loc.column;
    problem.path = pathText(this.host.name, p);
    problem.rule = rule;
    if (expected !== undefined) problem.expected = expected;
    if (found !== undefined) problem.found = found;
    if (this.present(p)) this.located.add(problem);
    return problem;
  }

  private fail(p: VarPath, rule: string, expected?: string, found?: string): undefined {
    this.problems.push(this.make(p, rule, expected, found));
    return undefined;
  }

  private warn(p: VarPath, name: WarningName, rule: string): void {
    if (this.acknowledged.has(name)) return;
    const valuePath = pathText(this.host.name, p).slice(`hosts.${this.host.name}.`.length);
    this.warnings.push({ host: this.host.name, name, problem: this.make(p, rule), valuePath });
  }

  /** `provision_acknowledge`: a list of warning names; a name the tool does not know is refused. */
  private acknowledgements(v: unknown): void {
    if (v === undefined) return;
    const p = [ACKNOWLEDGE_VAR];
    const expected = `a list of warning names: ${Object.keys(WARNINGS).join(', ')}`;
    if (!Array.isArray(v)) return void this.fail(p, `${ACKNOWLEDGE_VAR} must be a list`, expected, show(v));
    v.forEach((name, i) => {
      if (typeof name === 'string' && name in WARNINGS) return;
      const typo = typeof name === 'string' ? didYouMean(name, Object.keys(WARNINGS)) : '';
      this.fail([...p, i], `${ACKNOWLEDGE_VAR} names an unknown warning${typo}`, expected, show(name));
    });
  }

  run(): HostSpec | undefined {
    const vars = this.host.vars;
    this.secrets([], vars);
    this.acknowledgements(get(vars, ACKNOWLEDGE_VAR));
    for (const key of Object.keys(vars)) {
      if (TOOL_VARS.includes(key) || this.known.includes(key)) continue;
      const near = closest(key, TOOL_VARS);
      if (key.startsWith('awslogs_') || near !== undefined) {
        this.warn(
          [key],
          'unknown-variable',
          `unknown variable ${key}${near ? ` (did you mean ${near}?)` : ''}: the tool does not use it` +
            (key.startsWith('awslogs_') ? ` (the agent's: ${AWSLOGS_VARS.join(', ')})` : ''),
        );
      }
    }
    const regionValue = get(vars, 'aws_region');
    let region: string | undefined = DEFAULT_REGION;
    if (regionValue === undefined) {
      this.warn(['aws_region'], 'region-default', `region left to its ${DEFAULT_REGION} default (set aws_region)`);
    } else {
      region = this.region(regionValue);
    }
    const endpointValue = get(vars, 'aws_endpoint_url');
    const endpointUrl = endpointValue === undefined ? undefined : this.endpoint(endpointValue);
    const credentials = this.credentials(get(vars, 'awslogs_credentials'));
    const templatesValue = get(vars, 'awslogs_templates_dir');
    const templatesDir = templatesValue === undefined ? undefined : this.templatesDir(templatesValue);
    const general = this.general(get(vars, 'awslogs_general'));
    const logs = this.logs(get(vars, 'awslogs_logs'));
    if (this.problems.length > 0 || !region || !credentials || !general || !logs) return undefined;
    const spec: HostSpec = {
      host: this.host.name,
      region,
      regionDefaulted: regionValue === undefined,
      credentials,
      general,
      logs,
    };
    if (endpointUrl !== undefined) spec.endpointUrl = endpointUrl;
    if (templatesDir !== undefined) spec.templatesDir = templatesDir;
    return spec;
  }

  /** Refuses a secret key anywhere in the host's variables; never shows its value. */
  private secrets(p: VarPath, v: unknown, seen = new Set<unknown>()): void {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v); // YAML aliases can share, even nest, one node
    if (Array.isArray(v)) {
      v.forEach((item, i) => this.secrets([...p, i], item, seen));
    } else if (isMapping(v)) {
      for (const [key, value] of Object.entries(v)) {
        if ((SECRET_KEYS as readonly string[]).includes(key.toLowerCase())) {
          this.fail(
            [...p, key],
            SECRETS_RULE,
            'awslogs_credentials: { source: env } or { source: keys, profile: NAME }',
          );
        } else {
          this.secrets([...p, key], value, seen);
        }
      }
    }
  }

  /** Refuses keys a mapping may not hold, naming the allowed ones (secret keys are reported by secrets()). */
  private keys(p: VarPath, v: Mapping, allowed: readonly string[], what: string): void {
    for (const key of Object.keys(v)) {
      if (allowed.includes(key) || (SECRET_KEYS as readonly string[]).includes(key.toLowerCase())) continue;
      this.fail(
        [...p, key],
        `unknown option "${key}" in ${what}${didYouMean(key, allowed)}`,
        `one of ${allowed.join(', ')}`,
        show(key),
      );
    }
  }

  /** A string that can sit on one line of an ini file and read back exactly as written. */
  private text(p: VarPath, v: unknown): string | undefined {
    const key = keyOf(p);
    if (typeof v !== 'string') return this.fail(p, `${key} must be a string`, 'a string', show(v));
    if (v === '') return this.fail(p, `${key} may not be empty`, 'a non-empty string', show(v));
    if (CONTROL.test(v)) {
      return this.fail(
        p,
        `${key} may not contain a newline, carriage return or other control character: it would start another line or section of the file`,
        'printable text on one line',
        show(v),
      );
    }
    if (v === '""') {
      return this.fail(
        p,
        `${key} may not be exactly "": Python 2.7's ConfigParser reads it as empty`,
        'a value other than ""',
        show(v),
      );
    }
    if (v.trim() !== v) {
      return this.fail(
        p,
        `${key} may not start or end with whitespace: configparser strips it`,
        'no leading or trailing whitespace',
        show(v),
      );
    }
    if (/\s;/.test(v)) {
      return this.fail(
        p,
        `${key} may not contain ";" after whitespace: Python 2's configparser cuts the value there as a comment`,
        'no " ;"',
        show(v),
      );
    }
    if (KEY_PREFIX.test(v)) {
      return this.fail(
        p,
        `${key} looks like another option ("name = …"): refused rather than written`,
        'a value, not an option',
        show(v),
      );
    }
    return v;
  }

  private absolutePath(p: VarPath, v: unknown): string | undefined {
    const s = this.text(p, v);
    if (s === undefined) return undefined;
    if (!s.startsWith('/'))
      return this.fail(p, `${keyOf(p)} must be an absolute path`, 'an absolute path starting with /', show(s));
    return s;
  }

  private int(p: VarPath, v: unknown, min: number, max?: number, rule?: string): number | undefined {
    const key = keyOf(p);
    const range = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    let n: number | undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) n = v;
    else if (typeof v === 'string' && /^\d{1,15}$/.test(v)) n = Number(v);
    if (n === undefined) return this.fail(p, `${key} must be an integer`, range, show(v));
    if (n < min || (max !== undefined && n > max))
      return this.fail(p, rule ?? `${key} must be ${range}`, range, String(n));
    return n;
  }

  private oneOf<T extends string>(p: VarPath, v: unknown, allowed: readonly T[]): T | undefined {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    return this.fail(p, `${keyOf(p)} must be ${allowed.join(' or ')}`, allowed.join(' | '), show(v));
  }

  private region(v: unknown): string | undefined {
    const s = this.text(['aws_region'], v);
    if (s === undefined) return undefined;
    const known = AWS_REGIONS.includes(s);
    if (!known && !REGION.test(s))
      return this.fail(
        ['aws_region'],
        `aws_region is not a region name${didYouMean(s, AWS_REGIONS)}`,
        'a region name like ap-northeast-2',
        show(s),
      );
    // A region newer than the tool's list is possible: a warning, not a refusal.
    if (!known)
      this.warn(
        ['aws_region'],
        'region-unknown',
        `aws_region ${s} is not a region the AWS SDK lists${didYouMean(s, AWS_REGIONS)}`,
      );
    return s;
  }

  private endpoint(v: unknown): string | undefined {
    const p = ['aws_endpoint_url'];
    const s = this.text(p, v);
    if (s === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      return this.fail(p, 'aws_endpoint_url is not a URL', 'an http(s) URL like http://127.0.0.1:4566', show(s));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return this.fail(
        p,
        'aws_endpoint_url must be an http or https URL',
        'an http(s) URL like http://127.0.0.1:4566',
        show(s),
      );
    }
    if (url.username || url.password) {
      return this.fail(
        p,
        `aws_endpoint_url may not carry credentials; ${SECRETS_RULE}`,
        'an http(s) URL without user:password@',
      );
    }
    return s;
  }

  private credentials(v: unknown): CredentialsSpec | undefined {
    const p = ['awslogs_credentials'];
    if (v === undefined) {
      this.warn(
        p,
        'credentials-default',
        'credentials left to the instance profile: nothing is written to awscli.conf (set awslogs_credentials)',
      );
      return { source: 'instance_profile' };
    }
    const expected = '{ source: instance_profile }, { source: keys, profile: NAME } or { source: env }';
    const value: unknown = typeof v === 'string' ? { source: v } : v;
    if (!isMapping(value)) return this.fail(p, 'awslogs_credentials must be a mapping', expected, show(v));
    this.keys(p, value, CREDENTIALS_KEYS, 'awslogs_credentials');
    const sourceValue = get(value, 'source');
    if (sourceValue === undefined)
      return this.fail([...p, 'source'], 'awslogs_credentials.source is required', expected);
    const source = this.oneOf([...p, 'source'], sourceValue, CREDENTIAL_SOURCES);
    const profileValue = get(value, 'profile');
    if (source === 'keys') {
      if (profileValue === undefined) return { source };
      const profile = this.text([...p, 'profile'], profileValue);
      return profile === undefined ? undefined : { source, profile };
    }
    if (profileValue !== undefined && source !== undefined) {
      return this.fail(
        [...p, 'profile'],
        'awslogs_credentials.profile applies only to source: keys',
        'no profile',
        show(profileValue),
      );
    }
    return source === undefined ? undefined : { source };
  }

  private templatesDir(v: unknown): string | undefined {
    const p = ['awslogs_templates_dir'];
    const s = this.text(p, v);
    if (s === undefined) return undefined;
    return path.resolve(path.dirname(this.host.locate(p).file), s);
  }

  private general(v: unknown): GeneralSpec | undefined {
    const p = ['awslogs_general'];
    if (v === undefined) return { state_file: DEFAULT_STATE_FILE };
    if (!isMapping(v))
      return this.fail(p, 'awslogs_general must be a mapping', `a mapping of ${GENERAL_OPTIONS.join(', ')}`, show(v));
    const before = this.problems.length;
    this.keys(p, v, GENERAL_OPTIONS, 'awslogs_general');
    const general: GeneralSpec = { state_file: DEFAULT_STATE_FILE };
    const stateFile = get(v, 'state_file');
    if (stateFile !== undefined) {
      const s = this.absolutePath([...p, 'state_file'], stateFile);
      if (s !== undefined) general.state_file = s;
    }
    const loggingConfig = get(v, 'logging_config_file');
    if (loggingConfig !== undefined) {
      const s = this.absolutePath([...p, 'logging_config_file'], loggingConfig);
      if (s !== undefined) general.logging_config_file = s;
    }
    const gzip = get(v, 'use_gzip_http_content_encoding');
    if (gzip !== undefined) {
      if (typeof gzip === 'boolean') general.use_gzip_http_content_encoding = gzip;
      else
        this.fail(
          [...p, 'use_gzip_http_content_encoding'],
          'use_gzip_http_content_encoding must be true or false',
          'true | false',
          show(gzip),
        );
    }
    return this.problems.length === before ? general : undefined;
  }

  private logs(v: unknown): LogSection[] | undefined {
    const p = ['awslogs_logs'];
    const expected = 'a non-empty list of log entries (file, log_group_name, log_stream_name, …)';
    if (v === undefined)
      return this.fail(p, 'awslogs_logs is required: without a log the agent has nothing to send', expected);
    if (!Array.isArray(v)) return this.fail(p, 'awslogs_logs must be a list', expected, show(v));
    if (v.length === 0) return this.fail(p, 'awslogs_logs may not be empty', expected, '[]');
    const before = this.problems.length;
    const entries = v.map((entry, i) => this.logEntry(i, entry));
    // Cross-entry rules, on whatever each entry got right.
    const sections = new Map<string, number>();
    const streams = new Map<string, number>();
    entries.forEach((e, i) => {
      if (e.section !== undefined) {
        const first = sections.get(e.section);
        if (first === undefined) sections.set(e.section, i);
        else {
          this.fail(
            ['awslogs_logs', i, e.sectionDefaulted ? 'file' : 'section'],
            `section name ${JSON.stringify(e.section)} is already used by awslogs_logs[${first}]${e.sectionDefaulted ? ' (the section defaults to the file path; set section)' : ''}`,
            'a section name unique on the host',
            show(e.section),
          );
        }
      }
      if (e.group !== undefined && e.stream !== undefined) {
        const key = `${e.group}\0${e.stream.replace(/\{[a-z_]+\}/g, '{}')}`;
        const first = streams.get(key);
        if (first === undefined) streams.set(key, i);
        else {
          this.fail(
            ['awslogs_logs', i, 'log_stream_name'],
            `awslogs_logs[${first}] already sends to log group ${JSON.stringify(e.group)}, stream ${JSON.stringify(e.stream)} (placeholders count as equal): the agent does not support several sources in one stream`,
            'one section per log group and stream',
            show(e.stream),
          );
        }
      }
    });
    if (this.problems.length > before) return undefined;
    return entries.map((e) => e.spec as LogSection);
  }

  private logEntry(
    i: number,
    v: unknown,
  ): { section?: string; sectionDefaulted?: boolean; group?: string; stream?: string; spec?: LogSection } {
    const p = ['awslogs_logs', i];
    if (!isMapping(v)) {
      this.fail(
        p,
        'an awslogs_logs entry must be a mapping of options',
        `a mapping of ${LOG_ENTRY_KEYS.join(', ')}`,
        show(v),
      );
      return {};
    }
    const before = this.problems.length;
    const at = (key: string): VarPath => [...p, key];
    this.keys(p, v, LOG_ENTRY_KEYS, 'an awslogs_logs entry');

    const fileValue = get(v, 'file');
    const file =
      fileValue === undefined
        ? this.fail(at('file'), 'file is required', 'an absolute path of the log file (globs allowed)')
        : this.absolutePath(at('file'), fileValue);
    if (file !== undefined && /\.(?:tar|gz|zip|bz2|rar)$/i.test(file)) {
      this.warn(
        at('file'),
        'compressed-file',
        'the agent ignores .tar .gz .zip .bz2 .rar files: this file is never read',
      );
    }

    const sectionValue = get(v, 'section');
    let section: string | undefined;
    const sectionDefaulted = sectionValue === undefined;
    if (!sectionDefaulted) {
      const s = this.text(at('section'), sectionValue);
      if (s !== undefined) section = this.sectionName(at('section'), s, false);
    } else if (file !== undefined) {
      section = this.sectionName(at('file'), file, true);
    }

    const groupValue = get(v, 'log_group_name');
    let group: string | undefined;
    if (groupValue === undefined)
      this.fail(at('log_group_name'), 'log_group_name is required', '1–512 of A-Z a-z 0-9 _ - / . #');
    else {
      const s = this.text(at('log_group_name'), groupValue);
      const placeholder = s === undefined ? undefined : /\{[^{}]*\}/.exec(s)?.[0];
      if (placeholder !== undefined) {
        this.fail(
          at('log_group_name'),
          `log_group_name may not hold a placeholder (${placeholder}): the agent expands {instance_id}, {hostname} and {ip_address} in log_stream_name only, and would name the group ${JSON.stringify(s)} with the braces as written`,
          '1–512 of A-Z a-z 0-9 _ - / . # (placeholders go in log_stream_name)',
          show(s),
        );
      } else if (s !== undefined) {
        if (GROUP_NAME.test(s)) group = s;
        else {
          const bad = [...s].find((ch) => !/[A-Za-z0-9_\-/.#]/.test(ch));
          this.fail(
            at('log_group_name'),
            bad !== undefined
              ? `log_group_name may not contain ${JSON.stringify(bad)}`
              : 'log_group_name is longer than 512 characters',
            '1–512 of A-Z a-z 0-9 _ - / . #',
            show(s),
          );
        }
      }
    }

    const streamValue = get(v, 'log_stream_name');
    const stream =
      streamValue === undefined
        ? this.fail(
            at('log_stream_name'),
            'log_stream_name is required',
            'literal text and {instance_id}, {hostname}, {ip_address}',
          )
        : this.streamName(at('log_stream_name'), streamValue);

    const spec: Partial<LogSection> = {};
    const datetimeValue = get(v, 'datetime_format');
    if (datetimeValue !== undefined) {
      const s = this.text(at('datetime_format'), datetimeValue);
      if (s !== undefined) {
        const r = checkDatetimeFormat(s);
        if (!r.ok)
          this.fail(
            at('datetime_format'),
            r.rule,
            'strptime directives %y %Y %b %B %m %d %j %H %I %p %M %S %f %a %A %w %U %W %c %x %X %Z %z %%',
            r.found,
          );
        else {
          spec.datetime_format = s;
          if (!r.hasYear) {
            this.warn(
              at('datetime_format'),
              'datetime-no-year',
              'datetime_format has no year (%Y, %y, %c or %x): the agent parses it as year 1900: lines of Feb 29 fail',
            );
          }
        }
      }
    }
    const tz = get(v, 'time_zone');
    if (tz !== undefined) spec.time_zone = this.oneOf<TimeZone>(at('time_zone'), tz, ['LOCAL', 'UTC']);
    const ip = get(v, 'initial_position');
    if (ip !== undefined)
      spec.initial_position = this.oneOf<InitialPosition>(at('initial_position'), ip, ['start_of_file', 'end_of_file']);
    const enc = get(v, 'encoding');
    if (enc !== undefined) {
      const s = this.text(at('encoding'), enc);
      if (s !== undefined) {
        const codec = canonicalCodec(s);
        if (codec === undefined)
          this.fail(
            at('encoding'),
            `encoding ${JSON.stringify(s)} is not a Python codec the tool knows`,
            'a Python codec name such as utf_8, latin_1, cp949, euc_kr, shift_jis',
            show(s),
          );
        else spec.encoding = codec;
      }
    }
    const bd = get(v, 'buffer_duration');
    if (bd !== undefined)
      spec.buffer_duration = this.int(
        at('buffer_duration'),
        bd,
        5000,
        undefined,
        'buffer_duration must be at least 5000 ms',
      );
    const bc = get(v, 'batch_count');
    if (bc !== undefined) spec.batch_count = this.int(at('batch_count'), bc, 1, 10000);
    const bs = get(v, 'batch_size');
    if (bs !== undefined) spec.batch_size = this.int(at('batch_size'), bs, 1, 1048576);
    const ffl = get(v, 'file_fingerprint_lines');
    if (ffl !== undefined) spec.file_fingerprint_lines = this.fingerprintLines(at('file_fingerprint_lines'), ffl);
    const mlsp = get(v, 'multi_line_start_pattern');
    if (mlsp !== undefined) {
      const s = this.text(at('multi_line_start_pattern'), mlsp);
      if (s === '{datetime_format}') {
        if (datetimeValue === undefined) {
          this.fail(
            at('multi_line_start_pattern'),
            'multi_line_start_pattern {datetime_format} needs datetime_format to be set',
            'datetime_format set in the same entry',
            show(s),
          );
        } else {
          spec.multi_line_start_pattern = s;
          this.python3Pattern(at('multi_line_start_pattern'), s, spec.datetime_format);
        }
      } else if (s !== undefined) {
        const r = checkPythonRegex(s);
        if (r.ok) {
          spec.multi_line_start_pattern = s;
          this.python3Pattern(at('multi_line_start_pattern'), s);
        } else
          this.fail(
            at('multi_line_start_pattern'),
            `multi_line_start_pattern is not a valid regex: ${r.reason}`,
            'a Python regex or exactly {datetime_format}',
            show(s),
          );
      }
    }

    const result = { section, sectionDefaulted, group, stream: stream ?? undefined };
    if (
      this.problems.length > before ||
      section === undefined ||
      file === undefined ||
      group === undefined ||
      stream === undefined
    ) {
      return result;
    }
    const full: LogSection = { section, file, log_group_name: group, log_stream_name: stream };
    for (const key of LOG_OPTIONS) {
      if (key in spec && spec[key] !== undefined) (full as unknown as Mapping)[key] = spec[key];
    }
    return { ...result, spec: full };
  }

  private sectionName(p: VarPath, s: string, defaulted: boolean): string | undefined {
    const hint = defaulted ? ' (the section defaults to the file path; set section)' : '';
    if (/[[\]]/.test(s))
      return this.fail(p, `a section name may not contain [ or ]${hint}`, 'a section name without brackets', show(s));
    const reserved = RESERVED_SECTIONS.find((r) => r.toLowerCase() === s.toLowerCase());
    if (reserved !== undefined) {
      return this.fail(
        p,
        `section name ${JSON.stringify(s)} is reserved (${RESERVED_SECTIONS.join(', ')})${hint}`,
        'another section name',
        show(s),
      );
    }
    return s;
  }

  private streamName(p: VarPath, v: unknown): string | undefined {
    const s = this.text(p, v);
    if (s === undefined) return undefined;
    const expected = '1–512 characters, no : or *, literal text and {instance_id}, {hostname}, {ip_address}';
    if (s.length > 512) return this.fail(p, 'log_stream_name is longer than 512 characters', expected, show(s));
    const bad = /[:*]/.exec(s);
    if (bad) return this.fail(p, `log_stream_name may not contain ${JSON.stringify(bad[0])}`, expected, show(s));
    for (const m of s.matchAll(/\{[^{}]*\}/g)) {
      if (!(STREAM_PLACEHOLDERS as readonly string[]).includes(m[0])) {
        return this.fail(p, `log_stream_name has an unknown placeholder ${m[0]}`, expected, show(s));
      }
    }
    if (/[{}]/.test(s.replace(/\{[^{}]*\}/g, '')))
      return this.fail(p, 'log_stream_name has an unmatched { or }', expected, show(s));
    // EC2 discovery knows whether the instance requires IMDSv2; without it the risk can only be named.
    const imdsv2Only = this.host.vars.ec2_imdsv2_required;
    // One rule for every host of a kind, so that a group's value is one warning naming its hosts.
    if (s.includes('{instance_id}') && imdsv2Only === true) {
      this.warn(
        p,
        'instance-id-imdsv2',
        'log_stream_name uses {instance_id}, and the instance requires IMDSv2 (HttpTokens: required): ' +
          'the agent reads the id without a token, fails, and names the stream after the hostname',
      );
    } else if (s.includes('{instance_id}') && imdsv2Only !== false) {
      this.warn(
        p,
        'instance-id-imdsv2',
        'log_stream_name uses {instance_id}: the agent falls back to the hostname when the instance only allows IMDSv2',
      );
    }
    return s;
  }

  /** Where the hosts' agents' Python is not known yet (the probe tells it): a pattern Python 3 cannot use. */
  private python3Pattern(p: VarPath, pattern: string, datetimeFormat?: string): void {
    const problem = python3BytesProblem(pattern, datetimeFormat);
    if (problem)
      this.warn(
        p,
        'python3-pattern',
        python3PatternRule(problem.rule, 'unknown', pattern === '{datetime_format}' ? undefined : pattern),
      );
  }

  private fingerprintLines(p: VarPath, v: unknown): string | undefined {
    const expected = 'N or N-M, with N >= 1 and M >= N';
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && v >= 1) return String(v);
      return this.fail(p, 'file_fingerprint_lines must be N or N-M', expected, show(v));
    }
    const s = this.text(p, v);
    if (s === undefined) return undefined;
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(s);
    if (!m) return this.fail(p, 'file_fingerprint_lines must be N or N-M', expected, show(s));
    const first = Number(m[1]);
    if (first < 1) return this.fail(p, 'file_fingerprint_lines must start at line 1 or later', expected, show(s));
    if (m[1]!.startsWith('0'))
      return this.fail(
        p,
        "file_fingerprint_lines may not start with a 0 (such as 007 or 01-3): the agent's own check (^[1-9]+[0-9]*-?[0-9]*$) refuses it and fingerprints line 1 instead",
        expected,
        show(s),
      );
    if (m[2] !== undefined && Number(m[2]) < first)
      return this.fail(p, 'file_fingerprint_lines N-M needs M >= N', expected, show(s));
    return s;
  }
}

/** A mapping's value; null counts as not set, so that a host can unset a group's value. */
function get(v: Mapping, key: string): unknown {
  const value = v[key];
  return value === null ? undefined : value;
}

/**
 * The rule for a multi_line_start_pattern the agent's reader cannot compile on Python 3 (bytes), by what is
 * known of the host's agent: `unknown` (a warning before the probe), `3` (an error: that stream would ship
 * nothing).
 */
export function python3PatternRule(why: string, python: 'unknown' | '3', pattern?: string): string {
  const portable = pattern === undefined ? undefined : portablePattern(pattern);
  const fix =
    portable !== undefined && portable !== pattern
      ? `; written as ${JSON.stringify(portable)} (the UTF-8 bytes as \\xNN escapes) it works on both Pythons`
      : '';
  return python === '3'
    ? `multi_line_start_pattern cannot be used by this host's agent, which runs on Python 3: ${why}; the stream would ship nothing ("Failed to refresh stream" every 60 s)${fix}`
    : `multi_line_start_pattern fails where the agent runs on Python 3: ${why}; Amazon Linux's awslogs package runs Python 2.7, where it works (each host's agent is checked when the tool reads the host)${fix}`;
}

/** The log sections whose pattern this host's agent cannot compile, when the probe says it runs Python 3. */
export function agentPatternProblems(
  logs: readonly { section: string; multi_line_start_pattern?: string; datetime_format?: string }[],
  python: string | undefined,
): { log: string; rule: string }[] {
  if (python === undefined || !python.startsWith('3')) return [];
  return logs.flatMap((l) => {
    const problem = l.multi_line_start_pattern
      ? python3BytesProblem(l.multi_line_start_pattern, l.datetime_format)
      : undefined;
    const pattern = l.multi_line_start_pattern === '{datetime_format}' ? undefined : l.multi_line_start_pattern;
    return problem ? [{ log: l.section, rule: python3PatternRule(problem.rule, '3', pattern) }] : [];
  });
}
