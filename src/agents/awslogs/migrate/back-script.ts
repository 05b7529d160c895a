// The way back's second half (one script, under the host lock taken back from the watchdog that would start the
// CloudWatch agent again): awslogs' state file with the rows seeded from the CloudWatch agent's positions (only
// if it is still the file read), the drain links (each checked to be the file read: operations/planned-link.ts) and sections, the migration's before-images put back (the
// CloudWatch agent's managed files), the agent's installed configuration and state files removed, the CloudWatch
// agent disabled, awslogs enabled and started (and watched). Pure text.
import { quote } from '../../../core/shell-quote.js';
import { adoptLines } from '../restart/script.js';
import { assertRunId, BACKUP_ROOT, writeFileLines } from '../../../operations/remote-script.js';
import { healthCheck } from '../../../operations/apply-script.js';
import { plannedLinkLines } from '../../../operations/planned-link.js';
import type { ServiceControl } from '../../../operations/service.js';
import { AWSLOGS_CONF_PATH } from '../desired.js';

export interface BackScriptInput {
  /** The migration run whose before-images are put back. */
  fromRunId: string;
  awslogs: ServiceControl;
  /** awslogs' enable at boot. */
  awslogsEnable: string;
  agentLogPath: string;
  cloudwatch: ServiceControl;
  state: { path: string; expectedSha256: string; content: Buffer; mode: number; owner: string; group: string };
  links: readonly { path: string; inode: number; link: string }[];
  /** awslogs.conf with the drain sections, when there are any. */
  conf?: string;
  /** The CloudWatch agent's files the way back removes (its installed copy, generated TOML/YAML). */
  remove: readonly string[];
  stateDir: string;
}

export function backLines(input: BackScriptInput): string {
  assertRunId(input.fromRunId);
  const st = input.state;
  const s = quote(st.path);
  return `${adoptLines()}
root_dirs ${s}
[ -L ${s} ] && fail state "refused: ${st.path} is a symlink"
[ "$(sha ${s})" = ${quote(st.expectedSha256)} ] || fail state "awslogs' state file changed after it was read; nothing was written"
say "done check"
${plannedLinkLines(input.links, (path) => `fail moved ${quote(`${path} changed after it was read; nothing was written`)}`)}
${writeFileLines(st.path, st.content, st.mode, st.owner, st.group)}
say "done state"
${input.conf !== undefined ? `${writeFileLines(AWSLOGS_CONF_PATH, input.conf, 0o644, 'root', 'root')}\nsay "done conf"` : ''}
OLD=${quote(`${BACKUP_ROOT}/${input.fromRunId}`)}
if [ -d "$OLD" ]; then
  for meta in "$OLD"/*.path; do
    [ -e "$meta" ] || continue
    p=$(cat "$meta")
    restore_from "$OLD" "$(basename "$meta" .path)"
    say "restored $(b64 "$p")"
  done
fi
${input.remove.map((p) => `root_dirs ${quote(p)}; rm -f -- ${quote(p)}`).join('\n')}
for f in ${quote(input.stateDir)}/*; do [ -f "$f" ] && [ ! -L "$f" ] && rm -f -- "$f"; done
bounded ${input.cloudwatch.disable} >/dev/null 2>&1
say "done cloudwatch disable"
${input.awslogs.reset} >/dev/null 2>&1
out=$(bounded ${input.awslogsEnable} 2>&1) || fail "service enable" "$(timed_out $? "$out")"
out=$(bounded ${input.awslogs.start} 2>&1) || fail "service start" "$(timed_out $? "$out")"
say "done service start"
${healthCheck(input.awslogs, input.agentLogPath, ['say "msg awslogs did not stay up after the way back"'])}
say ok`;
}
