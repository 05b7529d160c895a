#!/usr/bin/env node
// The lab's AWS front (`node dist/src/lab/ssm/main.js --listen ADDR:PORT --moto URL --lab-state FILE
// --credentials FILE`), started detached by `provision lab up`: SSM Run Command and the SSM agents' channel
// here, everything else forwarded to moto. Its instances are the lab's hosts (the lab's state file); the keys
// it accepts are the lab operator's (the credentials file `lab up` hands over).
import { readFileSync, statSync } from 'node:fs';
import { readSection } from '../../clouds/aws/shared-files.js';
import type { LabInstance } from './agents.js';
import { createFront } from './front.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) {
    process.stderr.write(`usage: main.js --listen ADDR:PORT --moto URL --lab-state FILE --credentials FILE\n`);
    process.exit(2);
  }
  return value;
}

/** A file's parsed content, read again only when its mtime changes. */
function cached<T>(file: string, parse: (text: string) => T, empty: T): () => T {
  let mtime = -1;
  let value = empty;
  return () => {
    try {
      const m = statSync(file).mtimeMs;
      if (m !== mtime) {
        value = parse(readFileSync(file, 'utf8'));
        mtime = m;
      }
    } catch {
      value = empty;
      mtime = -1;
    }
    return value;
  };
}

const [host, port] = arg('listen').split(':');
const instances = cached<LabInstance[]>(
  arg('lab-state'),
  (text) =>
    ((JSON.parse(text) as { hosts?: { instanceId: string; address: string }[] }).hosts ?? []).map((h) => ({
      instanceId: h.instanceId,
      address: h.address,
    })),
  [],
);
const keys = cached<Map<string, string>>(
  arg('credentials'),
  (text) => {
    const found = new Map<string, string>();
    for (const m of text.matchAll(/^\s*\[([^\]]+)\]\s*$/gm)) {
      const section = readSection(text, m[1]!.trim());
      const id = section?.aws_access_key_id;
      const secret = section?.aws_secret_access_key;
      if (id && secret) found.set(id, secret);
    }
    return found;
  },
  new Map(),
);

const front = createFront({
  motoUrl: arg('moto'),
  instances,
  secretOf: (id) => keys().get(id),
  log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
});
front.server.listen(Number(port), host, () => process.stdout.write(`lab AWS front on ${host}:${port}\n`));
front.server.on('error', (err) => {
  process.stderr.write(`lab AWS front: ${err.message}\n`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    front.close();
    process.exit(0);
  });
