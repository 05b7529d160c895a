// bin/config-translator of the lab's package: the JSON configs of amazon-cloudwatch-agent.d/ → the TOML the agent
// runs from. The first validation phase: the agent's JSON schema and translator rules, with its messages on
// stderr (`Under path : /logs/… | Error : …`, `Configuration validation first phase failed…`), exit 1.
// --multi-config default reads only the new .tmp configs, append all, remove (and the start script) the installed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TimestampParser } from '../../agents/cloudwatch-agent/timestamp.js';
import { timestampRegexSource, agentPieces } from '../../agents/cloudwatch-agent/timestamp-format.js';
import { checkSchema, type SchemaError } from './schema.js';
import { hostInfo, placeholders, type HostInfo } from './host.js';
import { writeToml, type FileInput, type RuntimeConfig } from './runtime-config.js';

type Json = Record<string, unknown>;

const FAILED =
  'Configuration validation first phase failed. Agent version: 1.0. Verify the JSON input is only using features supported by this version.';

/** Go's log.Printf prefix: `2026/11/25 10:00:00 `. */
function say(line: string): void {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  process.stderr.write(`${stamp} ${line}\n`);
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--') && i + 1 < argv.length) out[a.slice(2)] = argv[++i]!;
  }
  return out;
}

function inputs(dir: string, json: string | undefined, multi: string): string[] {
  const files = existsSync(dir)
    ? readdirSync(dir)
        .map((n) => path.join(dir, n))
        .filter((f) => statSync(f).isFile())
        .sort()
    : [];
  const picked = files.filter((f) =>
    multi === 'default' ? f.endsWith('.tmp') : multi === 'remove' ? !f.endsWith('.tmp') : true,
  );
  return json !== undefined && existsSync(json) ? [json, ...picked] : picked;
}

/** Several configs become one: collect_lists are joined; a setting given twice must be the same. */
function merge(configs: Json[], errors: SchemaError[]): Json {
  const out: Json = {};
  const setting = (section: string, from: Json) => {
    const target = (out[section] ??= {}) as Json;
    for (const [k, v] of Object.entries(from)) {
      if (section === 'logs' && k === 'logs_collected') continue;
      if (k in target && JSON.stringify(target[k]) !== JSON.stringify(v))
        errors.push({ path: `/${section}/${k}`, message: `Different values are specified for ${k}` });
      else target[k] = v;
    }
  };
  const list: unknown[] = [];
  for (const c of configs) {
    for (const section of ['agent', 'logs', 'metrics', 'traces']) {
      const v = c[section];
      if (v && typeof v === 'object' && !Array.isArray(v)) setting(section, v as Json);
    }
    const files = ((c.logs as Json | undefined)?.logs_collected as Json | undefined)?.files as Json | undefined;
    if (Array.isArray(files?.collect_list)) list.push(...files.collect_list);
  }
  if (list.length > 0) (out.logs as Json).logs_collected = { files: { collect_list: list } };
  return out;
}

/** The translator's rules beyond the schema; the file inputs with placeholders resolved. */
function fileInputs(config: Json, host: HostInfo, region: string, errors: SchemaError[]): FileInput[] {
  const logs = (config.logs ?? {}) as Json;
  const list = (((logs.logs_collected as Json | undefined)?.files as Json | undefined)?.collect_list ?? []) as Json[];
  const defaultStream = typeof logs.log_stream_name === 'string' ? logs.log_stream_name : '{instance_id}';
  const retention = new Map<string, number>();
  return list.map((e, i) => {
    const at = `/logs/logs_collected/files/collect_list/${i}`;
    const filePath = String(e.file_path ?? '');
    const ext = path.posix.extname(filePath);
    const group = placeholders(
      String(e.log_group_name ?? filePath.slice(0, filePath.length - ext.length)),
      host,
      region,
    );
    const format = typeof e.timestamp_format === 'string' ? e.timestamp_format : undefined;
    let regex: string | undefined;
    if (format !== undefined) {
      try {
        new TimestampParser(format, { lenient: true });
        regex = timestampRegexSource(agentPieces(format), false);
      } catch {
        errors.push({ path: `${at}/timestamp_format`, message: `Timestamp format ${format} is invalid` });
      }
    }
    const cls = typeof e.log_group_class === 'string' ? e.log_group_class : '';
    if (cls !== '' && cls.toUpperCase() !== 'STANDARD' && cls.toUpperCase() !== 'INFREQUENT_ACCESS')
      errors.push({ path: `${at}/log_group_class`, message: `Invalid log_group_class value ${cls}` });
    const days = typeof e.retention_in_days === 'number' && e.retention_in_days !== 0 ? e.retention_in_days : -1;
    const seen = retention.get(group.toLowerCase());
    if (days > 0 && seen !== undefined && seen !== days)
      errors.push({
        path: `${at}/retention_in_days`,
        message: `Different retention_in_days values can't be set for the same log group: ${group}`,
      });
    if (days > 0) retention.set(group.toLowerCase(), days);
    const mlsp = typeof e.multi_line_start_pattern === 'string' ? e.multi_line_start_pattern : '';
    const input: FileInput = {
      file_path: filePath,
      log_group_name: group,
      log_stream_name: placeholders(String(e.log_stream_name ?? defaultStream), host, region),
      log_group_class: cls.toUpperCase(),
      retention_in_days: days,
      timezone: e.timezone === 'UTC' ? 'UTC' : 'LOCAL',
      multi_line_start_pattern: mlsp === '{timestamp_format}' ? '{timestamp_regex}' : mlsp,
      encoding: typeof e.encoding === 'string' ? e.encoding : '',
      publish_multi_logs: e.publish_multi_logs === true,
      blacklist: typeof e.blacklist === 'string' ? e.blacklist : '',
      filters: Array.isArray(e.filters) ? (e.filters as { type: string; expression: string }[]) : [],
      auto_removal: e.auto_removal === true,
      trim_timestamp: e.trim_timestamp === true,
    };
    if (format !== undefined && regex !== undefined) {
      input.timestamp_format = format;
      input.timestamp_regex = regex;
    }
    return input;
  });
}

function main(): number {
  const a = args(process.argv.slice(2));
  const dir = a['input-dir'];
  const output = a.output;
  if (!dir || !output) {
    process.stderr.write(
      'usage: config-translator --input-dir DIR --output TOML [--input JSON] [--multi-config MODE]\n',
    );
    return 2;
  }
  const configs: Json[] = [];
  const errors: SchemaError[] = [];
  for (const file of inputs(dir, a.input, a['multi-config'] ?? 'default')) {
    say(`Reading json config file path: ${file} ...`);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      say(`E! Failed to parse json file ${file}: ${(err as Error).message}`);
      say(FAILED);
      return 1;
    }
    const schemaErrors = checkSchema(value);
    if (schemaErrors.length > 0) {
      say('E! Invalid Json input schema.');
      for (const e of schemaErrors) say(`Under path : ${e.path} | Error : ${e.message}`);
      say(FAILED);
      return 1;
    }
    configs.push(value as Json);
  }
  const merged = merge(configs, errors);
  const agent = (merged.agent ?? {}) as Json;
  const host = hostInfo();
  const region = typeof agent.region === 'string' ? agent.region : host.region;
  const files = fileInputs(merged, host, region, errors);
  if (errors.length > 0) {
    for (const e of errors) say(`Under path : ${e.path} | Error : ${e.message}`);
    say(FAILED);
    return 1;
  }
  const logs = (merged.logs ?? {}) as Json;
  const config: RuntimeConfig = {
    agent: {
      region,
      run_as_user: typeof agent.run_as_user === 'string' ? agent.run_as_user : 'root',
      logfile:
        typeof agent.logfile === 'string'
          ? agent.logfile
          : '/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log',
      debug: agent.debug === true,
    },
    logs: {
      force_flush_interval: typeof logs.force_flush_interval === 'number' ? logs.force_flush_interval : 5,
      endpoint_override: typeof logs.endpoint_override === 'string' ? logs.endpoint_override : '',
      files,
    },
  };
  writeFileSync(output, writeToml(config));
  process.stdout.write('Configuration validation first phase succeeded\n');
  return 0;
}

process.exitCode = main();
