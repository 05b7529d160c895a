// The awslogs agent's two files, rendered from its templates (templates/awslogs/, or the operator's
// `awslogs_templates_dir`, which wins file by file) with the strict renderer of src/templating/.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, type Problem } from '../../core/errors.js';
import { renderTemplate, shown, TEMPLATES_ROOT } from '../../templating/render.js';
import { LOG_OPTIONS, type HostSpec, type RenderedFiles, type ResolvedCredentials } from './spec.js';

/** The agent's stock templates: the repo's templates/awslogs/. */
export const DEFAULT_TEMPLATES_DIR = path.join(TEMPLATES_ROOT, 'awslogs');

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
