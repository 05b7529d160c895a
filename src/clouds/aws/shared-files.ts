// The AWS shared credentials and config files of the operator's machine (~/.aws/credentials, ~/.aws/config):
// read one profile, and set keys of one profile while keeping every other line as it was.
import { join } from 'node:path';
import { homedir } from 'node:os';
import { readRegularFile, replaceFile } from '../../local-files/replace.js';

export interface SharedFilePaths {
  credentials: string;
  config: string;
}

/** Where the SDK and the AWS CLI look: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws. */
export function sharedFilePaths(env: NodeJS.ProcessEnv = process.env): SharedFilePaths {
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'),
  };
}

export interface ProfileKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The section name of a profile: `[name]` in the credentials file, `[profile name]` in config (but `[default]`). */
export function sectionName(kind: 'credentials' | 'config', profile: string): string {
  return kind === 'config' && profile !== 'default' ? `profile ${profile}` : profile;
}

/** The keys of one section, or undefined when the file or the section is absent. */
export function readSection(text: string, section: string): Record<string, string> | undefined {
  let current: string | undefined;
  let found: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      if (current === section) found ??= {};
      continue;
    }
    const kv = /^\s*([^=#;\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && current === section && found) found[kv[1]!] = kv[2]!;
  }
  return found;
}

/** The text with the section's keys set (added, or replaced in place); every other line unchanged. */
export function setSection(text: string, section: string, values: Record<string, string>): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const pending = new Map(Object.entries(values));
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i]!);
    if (!header) continue;
    if (start >= 0) {
      end = i;
      break;
    }
    if (header[1]!.trim() === section) start = i;
  }
  if (start < 0) {
    if (lines.length > 0 && lines[lines.length - 1]!.trim() !== '') lines.push('');
    lines.push(`[${section}]`, ...[...pending].map(([k, v]) => `${k} = ${v}`));
    return lines.join('\n') + '\n';
  }
  for (let i = start + 1; i < end; i++) {
    const kv = /^\s*([^=#;\s][^=]*?)\s*=/.exec(lines[i]!);
    if (kv && pending.has(kv[1]!)) {
      lines[i] = `${kv[1]} = ${pending.get(kv[1]!)}`;
      pending.delete(kv[1]!);
    }
  }
  let insertAt = end;
  // Blank lines and comments at the end of a section belong to what follows it.
  while (insertAt > start + 1 && /^\s*([#;].*)?$/.test(lines[insertAt - 1]!)) insertAt--;
  lines.splice(insertAt, 0, ...[...pending].map(([k, v]) => `${k} = ${v}`));
  return lines.join('\n') + '\n';
}

/** A file's text, or '' when it does not exist or is not a regular file (any other error is thrown). */
export async function readOrEmpty(file: string): Promise<string> {
  return (await readRegularFile(file)) ?? '';
}

/**
 * Replaces the file in one step (write a sibling, then rename), mode 0600, in a 0700 folder when created;
 * through a link, and never over something that is not a regular file (see replaceFile).
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await replaceFile(file, text, { mode: 0o600 });
}

export async function readProfileKeys(file: string, profile: string): Promise<ProfileKeys | undefined> {
  const section = readSection(await readOrEmpty(file), sectionName('credentials', profile));
  const id = section?.aws_access_key_id;
  const secret = section?.aws_secret_access_key;
  return id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;
}

export async function writeProfileKeys(file: string, profile: string, keys: ProfileKeys): Promise<void> {
  const text = await readOrEmpty(file);
  await writeAtomically(
    file,
    setSection(text, sectionName('credentials', profile), {
      aws_access_key_id: keys.accessKeyId,
      aws_secret_access_key: keys.secretAccessKey,
    }),
  );
}

/** Sets settings (region, endpoint_url, …) of a profile in the config file. */
export async function writeProfileConfig(
  file: string,
  profile: string,
  settings: Record<string, string>,
): Promise<void> {
  const text = await readOrEmpty(file);
  await writeAtomically(file, setSection(text, sectionName('config', profile), settings));
}
