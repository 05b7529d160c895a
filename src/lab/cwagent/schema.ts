// The first validation phase of the lab's config-translator: the logs part of the agent's JSON schema
// (translator/config/schema.json), checked the way gojsonschema checks it and worded as it words its errors,
// with the agent's path form (`Under path : /logs/… | Error : …`). This is the agent's own lenient check, not the
// tool's: it accepts timestamp formats that never match, unknown placeholders, relative paths, and so on.

type Schema =
  | { type: 'object'; props: Record<string, Schema>; additional?: boolean; required?: string[] }
  | { type: 'array'; items: Schema; minItems?: number; maxItems?: number; unique?: boolean }
  | { type: 'string'; min?: number; max?: number; enum?: string[] }
  | { type: 'integer'; min?: number; max?: number; enum?: number[] }
  | { type: 'boolean' }
  | { type: 'any' };

const str = (min?: number, max?: number): Schema => ({ type: 'string', min, max });
const name512 = str(1, 512);
const credentials: Schema = { type: 'object', props: { role_arn: str(20, 2048) }, additional: false };
const interval: Schema = { type: 'integer', min: 1, max: 172800 };
// prettier-ignore
const RETENTION = [-1, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const entry: Schema = {
  type: 'object',
  additional: false,
  required: ['file_path'],
  props: {
    file_path: str(undefined, 4096),
    log_group_name: name512,
    log_stream_name: name512,
    log_group_class: name512,
    multi_line_start_pattern: str(1, 4096),
    timestamp_format: str(1, 4096),
    timezone: { type: 'string', enum: ['Local', 'LOCAL', 'UTC'] },
    trim_timestamp: { type: 'boolean' },
    encoding: str(1, 4096),
    auto_removal: { type: 'boolean' },
    backpressure_mode: { type: 'string', enum: ['fd_release'] },
    blacklist: str(1, 4096),
    publish_multi_logs: { type: 'boolean' },
    retention_in_days: { type: 'integer', enum: RETENTION },
    filters: {
      type: 'array',
      items: {
        type: 'object',
        additional: false,
        props: { type: { type: 'string', enum: ['include', 'exclude'] }, expression: str() },
      },
    },
    'service.name': str(1, 255),
    'deployment.environment': str(1, 259),
  },
};

export const CONFIG_SCHEMA: Schema = {
  type: 'object',
  additional: true,
  props: {
    agent: {
      type: 'object',
      additional: true,
      props: {
        metrics_collection_interval: interval,
        logfile: str(undefined, 4096),
        region: str(1, 64),
        debug: { type: 'boolean' },
        aws_sdk_log_level: str(),
        credentials,
        omit_hostname: { type: 'boolean' },
      },
    },
    metrics: { type: 'any' },
    traces: { type: 'any' },
    opentelemetry: { type: 'any' },
    logs: {
      type: 'object',
      additional: false,
      props: {
        logs_collected: {
          type: 'object',
          additional: false,
          props: {
            files: {
              type: 'object',
              additional: false,
              required: ['collect_list'],
              props: { collect_list: { type: 'array', items: entry, minItems: 1, maxItems: 16384, unique: true } },
            },
            windows_events: { type: 'any' },
          },
        },
        metrics_collected: { type: 'any' },
        log_stream_name: name512,
        force_flush_interval: interval,
        credentials,
        endpoint_override: str(4, 2048),
        'service.name': str(1, 255),
        'deployment.environment': str(1, 259),
        concurrency: { type: 'integer', min: 1 },
      },
    },
  },
};

export interface SchemaError {
  path: string;
  message: string;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Every schema error of a config, in document order. */
export function checkSchema(value: unknown, schema: Schema = CONFIG_SCHEMA, path = ''): SchemaError[] {
  const at = path || '/';
  const out: SchemaError[] = [];
  const given = typeName(value);
  if (schema.type === 'any') return out;
  const typeOk =
    schema.type === 'integer'
      ? given === 'integer'
      : schema.type === 'object'
        ? given === 'object'
        : given === schema.type;
  if (!typeOk) return [{ path: at, message: `Invalid type. Expected: ${schema.type}, given: ${given}` }];
  switch (schema.type) {
    case 'object': {
      const obj = value as Record<string, unknown>;
      for (const r of schema.required ?? []) if (!(r in obj)) out.push({ path: at, message: `${r} is required` });
      for (const [k, v] of Object.entries(obj)) {
        const sub = schema.props[k];
        if (sub) out.push(...checkSchema(v, sub, `${path}/${k}`));
        else if (schema.additional === false)
          out.push({ path: at, message: `Additional property ${k} is not allowed` });
      }
      break;
    }
    case 'array': {
      const arr = value as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems)
        out.push({ path: at, message: `Array must have at least ${schema.minItems} items` });
      if (schema.maxItems !== undefined && arr.length > schema.maxItems)
        out.push({ path: at, message: `Array must have at most ${schema.maxItems} items` });
      if (schema.unique) {
        const seen = arr.map((x) => JSON.stringify(x));
        seen.forEach((s, i) => {
          const j = seen.indexOf(s);
          if (j < i) out.push({ path: at, message: `array items[${j},${i}] must be unique` });
        });
      }
      arr.forEach((x, i) => out.push(...checkSchema(x, schema.items, `${path}/${i}`)));
      break;
    }
    case 'string': {
      const s = value as string;
      const field = path.slice(path.lastIndexOf('/') + 1);
      if (schema.enum && !schema.enum.includes(s))
        out.push({
          path: at,
          message: `${field} must be one of the following: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
        });
      if (schema.min !== undefined && [...s].length < schema.min)
        out.push({ path: at, message: `String length must be greater than or equal to ${schema.min}` });
      if (schema.max !== undefined && [...s].length > schema.max)
        out.push({ path: at, message: `String length must be less than or equal to ${schema.max}` });
      break;
    }
    case 'integer': {
      const n = value as number;
      const field = path.slice(path.lastIndexOf('/') + 1);
      if (schema.enum && !schema.enum.includes(n))
        out.push({ path: at, message: `${field} must be one of the following: ${schema.enum.join(', ')}` });
      if (schema.min !== undefined && n < schema.min)
        out.push({ path: at, message: `Must be greater than or equal to ${schema.min}` });
      if (schema.max !== undefined && n > schema.max)
        out.push({ path: at, message: `Must be less than or equal to ${schema.max}` });
      break;
    }
    case 'boolean':
      break;
  }
  return out;
}
