// `provision render`: the files one host would get, exactly as they would be written; touches nothing.
import { UsageError } from '../core/errors.js';
import { maskSecrets } from '../core/secrets.js';
import { prepare } from './fleet/prepare.js';

export interface RenderOptions {
  inventory: string;
  host: string;
  file?: string;
  showSecrets: boolean;
}

export async function runRender(options: RenderOptions): Promise<void> {
  const prepared = await prepare(options.inventory, undefined, { contact: false });
  const host = prepared.hosts.find((h) => h.host.name === options.host);
  if (!host) {
    const names = prepared.hosts.map((h) => h.host.name).join(', ');
    throw new UsageError(`no host ${JSON.stringify(options.host)} in ${options.inventory} (hosts: ${names})`);
  }
  // The files the host's agent gets, in the order it writes them.
  const files: [string, string][] = host.files.files.map((f) => [f.path, f.content]);
  const shown = (content: string) => (options.showSecrets ? content : maskSecrets(content, host.files.secrets));
  if (options.file !== undefined) {
    const match = files.find(([path]) => path === options.file);
    if (!match) throw new UsageError(`--file must be one of ${files.map(([p]) => p).join(', ')}`);
    process.stdout.write(shown(match[1]));
    return;
  }
  process.stdout.write(files.map(([path, content]) => `==> ${path} <==\n${shown(content)}`).join('\n'));
}
