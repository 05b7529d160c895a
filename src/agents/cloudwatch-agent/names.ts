// Log group and stream names with the agent's placeholders. Pure.
import { show, type ConfigPath } from './findings.js';
import type { Checker } from './checker.js';
import { PLACEHOLDERS } from './schema.js';

const GROUP_CHAR = /[A-Za-z0-9_\-/.#]/;

export type NameKind = 'log_group_name' | 'log_stream_name';

/** Checks a group or stream name; returns it, or undefined after a problem. */
export function checkName(c: Checker, p: ConfigPath, v: unknown, kind: NameKind): string | undefined {
  const s = c.text(p, v, 1, 512);
  if (s === undefined) return undefined;
  const expected =
    kind === 'log_group_name'
      ? `1–512 of A-Z a-z 0-9 _ - / . # and the placeholders ${PLACEHOLDERS.join(' ')}`
      : `1–512 characters without : or *, and the placeholders ${PLACEHOLDERS.join(' ')}`;
  for (const m of s.matchAll(/\{[^{}]*\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[0])) {
      return c.findings.fail(
        p,
        `${kind} has an unknown placeholder ${m[0]}: the agent would keep it as literal text`,
        expected,
        show(s),
      );
    }
  }
  const literal = s.replace(/\{[^{}]*\}/g, '');
  if (/[{}]/.test(literal)) return c.findings.fail(p, `${kind} has an unmatched { or }`, expected, show(s));
  if (kind === 'log_group_name') {
    const bad = [...literal].find((ch) => !GROUP_CHAR.test(ch));
    if (bad !== undefined)
      return c.findings.fail(
        p,
        `log_group_name may not contain ${JSON.stringify(bad)}: CloudWatch Logs refuses it`,
        expected,
        show(s),
      );
  } else {
    const bad = /[:*]/.exec(literal);
    if (bad) return c.findings.fail(p, `log_stream_name may not contain ${JSON.stringify(bad[0])}`, expected, show(s));
  }
  if (s.includes('{hostname}')) {
    c.findings.warn(
      p,
      `${kind} uses {hostname}, which for this agent is the EC2 metadata hostname (ip-10-0-0-1.ec2.internal), not the OS hostname awslogs' {hostname} was; {local_hostname} is the OS hostname`,
    );
  }
  if (s.includes('{date}')) {
    c.findings.warn(
      p,
      `${kind} uses {date}: the agent resolves it once at each start, it does not roll over at midnight`,
    );
  }
  return s;
}

/** The group the agent uses when log_group_name is unset: the file path up to its last dot (in the last segment). */
export function defaultGroupName(filePath: string): string {
  const slash = filePath.lastIndexOf('/');
  const dot = filePath.lastIndexOf('.');
  return dot > slash ? filePath.slice(0, dot) : filePath;
}

/** What the agent puts in place of each placeholder (it resolves them once, when it translates the JSON). */
export interface PlaceholderValues {
  instanceId: string;
  /** The EC2 metadata hostname (ip-10-0-0-1.ec2.internal): the agent's {hostname}. */
  ec2Hostname: string;
  /** The OS hostname: the agent's {local_hostname}. */
  localHostname: string;
  ipAddress: string;
  region: string;
  accountId: string;
  /** YYYY-MM-DD at the agent's start. */
  date: string;
}

/** A group or stream name as the agent resolves it on a host (verify looks for the stream under this name). */
export function resolvePlaceholders(template: string, v: PlaceholderValues): string {
  return template
    .replaceAll('{instance_id}', v.instanceId)
    .replaceAll('{local_hostname}', v.localHostname)
    .replaceAll('{hostname}', v.ec2Hostname)
    .replaceAll('{ip_address}', v.ipAddress)
    .replaceAll('{aws_region}', v.region)
    .replaceAll('{account_id}', v.accountId)
    .replaceAll('{date}', v.date);
}
