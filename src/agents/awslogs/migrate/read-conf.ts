// A host's own awslogs configuration, read for the migration: awslogs.conf and config/*.conf (as the agent reads
// them: conf-files.ts), each a regular file under root's /etc/awslogs, bounded in size and number. Pure text
// and its parser. Records: `@@conf PATH_B64 CONTENT_B64`.
import type { ConfFile } from '../conf-files.js';
import { AWSLOGS_CONF_PATH } from '../desired.js';

const CONF_MAX_BYTES = 1024 * 1024;
const DROP_INS_MAX = 64;
export const DROP_IN_DIR = '/etc/awslogs/config';

/** Lines that print awslogs.conf and the drop-ins (links and other files are not read). */
export function readConfLines(): string {
  return `rd_conf() { if [ -f "$1" ] && [ ! -L "$1" ]; then echo "@@conf $(b64 "$1") $(head -c ${CONF_MAX_BYTES} -- "$1" | base64 -w0)"; fi; }
rd_conf ${AWSLOGS_CONF_PATH}
n=0
for f in ${DROP_IN_DIR}/*.conf; do
  [ -e "$f" ] || continue
  n=$((n + 1)); [ $n -gt ${DROP_INS_MAX} ] && break
  rd_conf "$f"
done`;
}

export interface HostConf {
  /** awslogs.conf, when the host has one. */
  main?: ConfFile;
  dropIns: ConfFile[];
}

export function parseConf(stdout: string): HostConf {
  const out: HostConf = { dropIns: [] };
  for (const line of stdout.split('\n')) {
    const m = /^@@conf (\S+) ?(\S*)$/.exec(line);
    if (!m) continue;
    const file = {
      path: Buffer.from(m[1]!, 'base64').toString('utf8'),
      text: Buffer.from(m[2] ?? '', 'base64').toString('utf8'),
    };
    if (file.path === AWSLOGS_CONF_PATH) out.main = file;
    else out.dropIns.push(file);
  }
  return out;
}
