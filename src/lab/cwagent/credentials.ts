// Where the agent finds its credentials, in its order: common-config.toml's shared credentials file and profile,
// then root's ~/.aws/credentials (the environment is not visible under systemd; the lab has no instance profile).
// The files are read as the user the agent runs as: a 0600 root file is unreadable under run_as_user: cwagent.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SharedCredentials {
  file?: string;
  profile?: string;
}

/** common-config.toml's [credentials]; nothing when it has none or cannot be read. */
export function commonConfigCredentials(file: string): SharedCredentials {
  try {
    const t = parse(readFileSync(file, 'utf8')) as { credentials?: Record<string, unknown> };
    const c = t.credentials ?? {};
    const out: SharedCredentials = {};
    if (typeof c.shared_credential_file === 'string') out.file = c.shared_credential_file;
    if (typeof c.shared_credential_profile === 'string') out.profile = c.shared_credential_profile;
    return out;
  } catch {
    return {};
  }
}

/** One profile of an AWS shared credentials file (INI), or why not. */
export function readProfile(file: string, profile: string): Keys | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return {
      error: `open ${file}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'no such file or directory'}`,
    };
  }
  let section = '';
  const values: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const head = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (head) section = head[1]!;
    else if (section === profile) {
      const kv = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
      if (kv) values[kv[1]!.toLowerCase()] = kv[2]!.trim();
    }
  }
  if (!values.aws_access_key_id || !values.aws_secret_access_key)
    return { error: `SharedCredsLoad: failed to get profile ${profile} from ${file}` };
  return {
    accessKeyId: values.aws_access_key_id,
    secretAccessKey: values.aws_secret_access_key,
    ...(values.aws_session_token ? { sessionToken: values.aws_session_token } : {}),
  };
}

/** The credentials chain; `errors` says what each source said when none gave keys. */
export function findKeys(shared: SharedCredentials): { keys?: Keys; errors: string[] } {
  const errors: string[] = [];
  const tries: [string, string][] = [];
  if (shared.file || shared.profile) tries.push([shared.file ?? '/root/.aws/credentials', shared.profile ?? 'default']);
  tries.push(['/root/.aws/credentials', 'default']);
  for (const [file, profile] of tries) {
    const r = readProfile(file, profile);
    if ('error' in r) errors.push(r.error);
    else return { keys: r, errors };
  }
  return { errors };
}
