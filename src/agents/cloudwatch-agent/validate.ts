// The CloudWatch agent's inventory variables → one typed spec per host, or every problem of every host at once,
// each located where it was written: the inventory (or group_vars/host_vars), or the operator's own JSON file.
// Pure but for reading that JSON file, which goes through `readFile` (bounded).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../../core/errors.js';
import type { InventoryHost } from '../../inventory/types.js';
import { Checker, get, isMapping, type Mapping } from './checker.js';
import { checkConfig } from './config-check.js';
import { dedupe, Findings, show, type ConfigPath, type ConfigSource } from './findings.js';
import { parseJsonFile } from './json-file.js';
import { closest } from './suggest.js';
import { AGENT_LOG_KEYS, LOGS_SETTING_KEYS } from './schema.js';
import type { CloudWatchAgentSpec, CredentialsSpec } from './spec.js';

/** The inventory variables of the CloudWatch agent. */
export const CLOUDWATCH_AGENT_VARS = [
  'aws_region',
  'aws_endpoint_url',
  'cloudwatch_agent_credentials',
  'cloudwatch_agent_logs',
  'cloudwatch_agent_config',
  'cloudwatch_agent_json_file',
] as const;
const OWN_VARS = CLOUDWATCH_AGENT_VARS.filter((v) => v.startsWith('cloudwatch_agent_'));
export const SECRET_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'] as const;
export const CREDENTIAL_SOURCES = ['instance_profile', 'keys', 'env'] as const;
/** A JSON file larger than this is refused unread. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

export type JsonReader = (file: string) => { text: string } | { error: string };

export interface CloudWatchAgentValidation {
  specs: Map<string, CloudWatchAgentSpec>;
  problems: Problem[];
  warnings: Problem[];
}

/** Reads a local file, refusing folders and anything over MAX_JSON_BYTES. */
export const readJsonFromDisk: JsonReader = (file) => {
  try {
    const st = statSync(file);
    if (!st.isFile()) return { error: 'not a regular file' };
    if (st.size > MAX_JSON_BYTES) return { error: `${st.size} bytes, more than ${MAX_JSON_BYTES}` };
    return { text: readFileSync(file, 'utf8') };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
};

/** Validates the hosts whose log_agent is cloudwatch-agent (the caller picks them: log-agent.ts). */
export function validateCloudWatchAgentHosts(
  hosts: InventoryHost[],
  readFile: JsonReader = readJsonFromDisk,
  /** Other agents' variables in this run (a group shared with their hosts): known, so not warned about. */
  known: readonly string[] = [],
): CloudWatchAgentValidation {
  const specs = new Map<string, CloudWatchAgentSpec>();
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const located = new Set<Problem>();
  const files = new Map<string, ReturnType<typeof parseJsonFile> | { error: string }>();
  for (const host of hosts) {
    const check = new HostCheck(host, readFile, files, known);
    const spec = check.run();
    for (const f of check.all) {
      problems.push(...f.problems);
      warnings.push(...f.warnings);
      f.located.forEach((p) => located.add(p));
    }
    if (spec) specs.set(host.name, spec);
  }
  return { specs, problems: dedupe(problems, located), warnings: dedupe(warnings, located) };
}

function varPathText(host: string, p: ConfigPath): string {
  return `hosts.${host}` + p.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}

/** The host's variables as a source; `map` turns a path of the agent's JSON into the variable it came from. */
function inventorySource(host: InventoryHost, map: (p: ConfigPath) => ConfigPath = (p) => p): ConfigSource {
  return {
    locate: (p) => host.locate(map(p)),
    pathText: (p) => varPathText(host.name, map(p)),
    present: (p) => {
      let v: unknown = host.vars;
      for (const s of map(p)) {
        if (typeof v !== 'object' || v === null) return false;
        v = (v as Record<string | number, unknown>)[s];
      }
      return v !== undefined && v !== null;
    },
  };
}

const COLLECT_DEPTH = 4; // logs.logs_collected.files.collect_list

/** Where a value of the JSON built from the variables was written. */
function fromVariables(p: ConfigPath): ConfigPath {
  if (p[0] === 'logs' && p[1] === 'logs_collected') return ['cloudwatch_agent_logs', ...p.slice(COLLECT_DEPTH)];
  if (p[0] === 'agent' && p[1] === 'region') return ['aws_region', ...p.slice(2)];
  if (p.length === 0) return ['cloudwatch_agent_logs'];
  return ['cloudwatch_agent_config', ...p];
}

class HostCheck {
  readonly vars: Findings;
  readonly all: Findings[];
  private readonly c: Checker;

  constructor(
    private readonly host: InventoryHost,
    private readonly readFile: JsonReader,
    private readonly files: Map<string, ReturnType<typeof parseJsonFile> | { error: string }>,
    private readonly known: readonly string[] = [],
  ) {
    this.vars = new Findings(inventorySource(host));
    this.all = [this.vars];
    this.c = new Checker(this.vars);
  }

  run(): CloudWatchAgentSpec | undefined {
    const vars = this.host.vars;
    this.secrets([], vars);
    for (const key of Object.keys(vars)) {
      if (key.startsWith('cloudwatch_agent_') && !(OWN_VARS as readonly string[]).includes(key)) {
        const near = closest(key, OWN_VARS);
        this.vars.fail(
          [key],
          `unknown variable ${key}${near ? `; did you mean ${near}?` : ''}`,
          `one of ${OWN_VARS.join(', ')}`,
        );
      }
      if (key.startsWith('awslogs_') && !this.known.includes(key) && get(vars, key) !== undefined) {
        this.vars.warn(
          [key],
          `${key} is ignored: this host's log_agent is cloudwatch-agent (its logs are cloudwatch_agent_logs)`,
        );
      }
    }
    const region = this.region(get(vars, 'aws_region'));
    const endpointUrl = this.endpoint(get(vars, 'aws_endpoint_url'));
    const credentials = this.credentials(get(vars, 'cloudwatch_agent_credentials'));
    const fileValue = get(vars, 'cloudwatch_agent_json_file');
    const built = fileValue !== undefined ? this.fromFile(fileValue, region) : this.fromVariables(region);
    if (built === undefined || credentials === undefined || this.all.some((f) => f.problems.length > 0))
      return undefined;
    const { config, source, checked } = built;
    const spec: CloudWatchAgentSpec = {
      host: this.host.name,
      credentials,
      config,
      source,
      entries: checked.entries,
      forceFlushInterval: checked.forceFlushInterval,
    };
    const effectiveRegion = region ?? checked.region;
    if (effectiveRegion !== undefined) spec.region = effectiveRegion;
    else
      this.vars.warn(
        ['aws_region'],
        "no region (aws_region or the JSON file's agent.region): the agent asks the instance metadata for it",
      );
    if (endpointUrl !== undefined) spec.endpointUrl = endpointUrl;
    if (checked.runAsUser !== undefined) spec.runAsUser = checked.runAsUser;
    return spec;
  }

  /** Refuses a secret key anywhere in the host's variables; never shows its value. */
  private secrets(p: ConfigPath, v: unknown, seen = new Set<unknown>()): void {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach((item, i) => this.secrets([...p, i], item, seen));
    else if (isMapping(v)) {
      for (const [key, value] of Object.entries(v)) {
        if ((SECRET_KEYS as readonly string[]).includes(key.toLowerCase())) {
          this.vars.fail(
            [...p, key],
            'secrets come from the environment or an AWS profile, not the inventory',
            'cloudwatch_agent_credentials: { source: env } or { source: keys, profile: NAME }',
          );
        } else this.secrets([...p, key], value, seen);
      }
    }
  }

  private region(v: unknown): string | undefined {
    if (v === undefined) return undefined;
    const s = this.c.text(['aws_region'], v, 1, 64);
    if (s !== undefined && !/^[a-z]{2}(?:-[a-z]+){1,2}-\d{1,2}$/.test(s))
      return this.vars.fail(
        ['aws_region'],
        'aws_region is not a region name',
        'a region name like ap-northeast-2',
        show(s),
      );
    return s;
  }

  private endpoint(v: unknown): string | undefined {
    if (v === undefined) return undefined;
    const p = ['aws_endpoint_url'];
    const s = this.c.text(p, v, 1, 2048);
    if (s === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      return this.vars.fail(p, 'aws_endpoint_url is not a URL', 'an http(s) URL like http://127.0.0.1:4566', show(s));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return this.vars.fail(p, 'aws_endpoint_url must be an http or https URL', 'an http(s) URL', show(s));
    if (url.username || url.password)
      return this.vars.fail(p, 'aws_endpoint_url may not carry credentials', 'an http(s) URL without user:password@');
    return s;
  }

  private credentials(v: unknown): CredentialsSpec | undefined {
    const p = ['cloudwatch_agent_credentials'];
    if (v === undefined) {
      this.vars.warn(
        p,
        'credentials left to the instance profile: no credentials file is written (set cloudwatch_agent_credentials)',
      );
      return { source: 'instance_profile' };
    }
    const expected = '{ source: instance_profile }, { source: keys, profile: NAME } or { source: env }';
    const value: unknown = typeof v === 'string' ? { source: v } : v;
    if (!isMapping(value))
      return this.vars.fail(p, 'cloudwatch_agent_credentials must be a mapping', expected, show(v));
    this.c.keys(p, value, ['source', 'profile'], 'cloudwatch_agent_credentials');
    const sourceValue = get(value, 'source');
    if (sourceValue === undefined)
      return this.vars.fail([...p, 'source'], 'cloudwatch_agent_credentials.source is required', expected);
    const source = this.c.oneOf([...p, 'source'], sourceValue, CREDENTIAL_SOURCES);
    const profileValue = get(value, 'profile');
    if (source === 'keys') {
      if (profileValue === undefined) return { source };
      const profile = this.c.text([...p, 'profile'], profileValue, 1, 128);
      return profile === undefined ? undefined : { source, profile };
    }
    if (profileValue !== undefined && source !== undefined)
      return this.vars.fail(
        [...p, 'profile'],
        'cloudwatch_agent_credentials.profile applies only to source: keys',
        'no profile',
        show(profileValue),
      );
    return source === undefined ? undefined : { source };
  }

  /** The JSON built from cloudwatch_agent_logs and cloudwatch_agent_config, checked where each value was written. */
  private fromVariables(region: string | undefined) {
    const logsValue = get(this.host.vars, 'cloudwatch_agent_logs');
    if (logsValue === undefined) {
      this.vars.fail(
        ['cloudwatch_agent_logs'],
        'cloudwatch_agent_logs (or cloudwatch_agent_json_file) is required: without a log the agent has nothing to send',
        'a list of collect_list entries (file_path, log_group_name, log_stream_name, …)',
      );
      return undefined;
    }
    const agent: Mapping = {};
    const logs: Mapping = {};
    const cfgValue = get(this.host.vars, 'cloudwatch_agent_config');
    if (cfgValue !== undefined) {
      const cfg = this.c.mapping(['cloudwatch_agent_config'], cfgValue, 'cloudwatch_agent_config');
      if (cfg) {
        this.c.keys(['cloudwatch_agent_config'], cfg, ['agent', 'logs'], 'cloudwatch_agent_config');
        this.section(cfg, 'agent', AGENT_LOG_KEYS, agent, { region: 'aws_region' });
        this.section(cfg, 'logs', LOGS_SETTING_KEYS, logs, { logs_collected: 'cloudwatch_agent_logs' });
      }
    }
    if (region !== undefined) agent.region = region;
    const config: Mapping = {};
    if (Object.keys(agent).length > 0) config.agent = agent;
    config.logs = { ...logs, logs_collected: { files: { collect_list: logsValue } } };
    const findings = new Findings(inventorySource(this.host, fromVariables));
    this.all.push(findings);
    const checked = checkConfig(new Checker(findings), config);
    return checked && { config, source: { kind: 'inventory' as const }, checked };
  }

  /** Copies the allowed keys of cloudwatch_agent_config.<name> into `into`; refuses the rest, naming their variable. */
  private section(
    cfg: Mapping,
    name: string,
    allowed: readonly string[],
    into: Mapping,
    elsewhere: Record<string, string>,
  ): void {
    const value = get(cfg, name);
    if (value === undefined) return;
    const p = ['cloudwatch_agent_config', name];
    const m = this.c.mapping(p, value, `cloudwatch_agent_config.${name}`);
    if (!m) return;
    for (const [key, v] of Object.entries(m)) {
      if (allowed.includes(key)) {
        if (v !== null) into[key] = v;
      } else if (elsewhere[key] !== undefined) {
        this.vars.fail(
          [...p, key],
          `set ${name}.${key} with ${elsewhere[key]}, not in cloudwatch_agent_config`,
          elsewhere[key],
          show(key),
        );
      } else {
        const near = closest(key, allowed);
        this.vars.fail(
          [...p, key],
          `unknown key "${key}" in cloudwatch_agent_config.${name}${near ? `; did you mean "${near}"?` : ''} (settings beyond logs: bring your own JSON with cloudwatch_agent_json_file)`,
          `one of ${allowed.join(', ')}`,
          show(key),
        );
      }
    }
  }

  /** The operator's own JSON file, checked where each value sits in it; agent.region filled in from aws_region. */
  private fromFile(v: unknown, region: string | undefined) {
    const p = ['cloudwatch_agent_json_file'];
    if (
      get(this.host.vars, 'cloudwatch_agent_logs') !== undefined ||
      get(this.host.vars, 'cloudwatch_agent_config') !== undefined
    ) {
      this.vars.fail(
        p,
        'cloudwatch_agent_json_file replaces cloudwatch_agent_logs and cloudwatch_agent_config: set one or the other',
        'one of them',
      );
      return undefined;
    }
    const s = this.c.text(p, v, 1, 4096);
    if (s === undefined) return undefined;
    const file = path.resolve(path.dirname(this.host.locate(p).file), s);
    let parsed = this.files.get(file);
    if (parsed === undefined) {
      const read = this.readFile(file);
      parsed = 'error' in read ? read : parseJsonFile(file, read.text, 'cloudwatch_agent_json_file');
      this.files.set(file, parsed);
    }
    if ('error' in parsed) {
      this.vars.fail(
        p,
        `cannot read the JSON file ${file} (${parsed.error})`,
        'a readable JSON file of at most 4 MiB',
        show(s),
      );
      return undefined;
    }
    const findings = new Findings(parsed.source);
    findings.problems.push(...parsed.problems);
    findings.warnings.push(...parsed.warnings);
    for (const x of [...parsed.problems, ...parsed.warnings]) findings.located.add(x);
    this.all.push(findings);
    if (parsed.value === undefined) return undefined;
    const checked = checkConfig(new Checker(findings), parsed.value);
    if (!checked) return undefined;
    const config = structuredClone(parsed.value) as Mapping;
    if (region !== undefined) {
      if (checked.region !== undefined && checked.region !== region) {
        findings.fail(
          ['agent', 'region'],
          `agent.region ${JSON.stringify(checked.region)} differs from aws_region ${JSON.stringify(region)}`,
          JSON.stringify(region),
          JSON.stringify(checked.region),
        );
        return undefined;
      }
      config.agent = { ...(isMapping(config.agent) ? config.agent : {}), region };
    }
    return { config, source: { kind: 'file' as const, file }, checked };
  }
}
