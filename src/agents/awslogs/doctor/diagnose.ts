// One host's diagnosis: the agent's package and service, its log's faults, its state file's view and the
// preflight checks, turned into named faults, each with its evidence and the remedy the tool can apply.
// Pure.
import type { HostSpec } from '../spec.js';
import type { HostFacts } from '../../../core/types.js';
import { resolveStreamName } from '../stream-names.js';
import type { DeadPublisher, LogFault } from './agent-log.js';
import { portablePattern } from '../byte-pattern.js';
import type { PreflightCheck } from '../../../doctor/preflight.js';
import type { StreamView } from './state-view.js';
import type { Fault } from '../../../core/report.js';
import type { FaultName } from '../fault-names.js';

export { FAULT_NAMES, type FaultName } from '../fault-names.js';
export type { Fault, Repair } from '../../../core/report.js';

export interface DiagnosisInput {
  spec: HostSpec;
  facts: HostFacts;
  logFaults: LogFault[];
  streams: StreamView[];
  preflight: PreflightCheck[];
}

function at(ms: number | undefined): string {
  return ms === undefined ? '' : ` (last ${new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')})`;
}

export function diagnose(input: DiagnosisInput): Fault[] {
  const { spec, facts } = input;
  const faults: Fault[] = [];
  if (!facts.package.installed) {
    faults.push({
      fault: 'not-installed',
      severity: 'error',
      evidence: ['the awslogs package is not installed'],
      remedy: 'provision apply installs, configures and starts it',
      repair: 'apply',
    });
    return faults;
  }
  if (!facts.service.active)
    faults.push({
      fault: 'agent-stopped',
      severity: 'error',
      evidence: ['the agent service is not running'],
      remedy: 'provision apply starts it (and shows why it does not stay up)',
      repair: 'apply',
    });
  if (!facts.service.enabled)
    faults.push({
      fault: 'agent-disabled',
      severity: 'warning',
      evidence: ['the agent service does not start at boot'],
      remedy: 'provision apply enables it',
      repair: 'apply',
    });

  for (const view of input.streams.filter((s) => s.stale)) {
    faults.push({
      fault: 'stale-state',
      severity: 'error',
      log: view.log,
      evidence: view.notes,
      remedy: `provision doctor --fix --fault stale-state --yes: stop the agent, back up the state file, set batch_timestamp of push_state row ${view.push?.source_id} to the host's clock (its last batch looked for in CloudWatch Logs first and trimmed from the replay where it arrived: nothing sent twice), start the agent and verify`,
      repair: 'repair-state',
    });
  }

  for (const check of input.preflight) {
    if (check.level === 'ok') continue;
    const evidence = [check.message, ...(check.sample ? [`sample: ${check.sample}`] : [])];
    if (check.check === 'clock')
      faults.push({
        fault: 'clock-skew',
        severity: check.level,
        evidence,
        remedy:
          "fix the host's clock (chronyd or ntpd, e.g. `chronyc makestep`); the tool never sets a host's clock. Events stamped by the wrong clock are skipped or misplaced until then",
      });
    else if (check.check === 'future')
      faults.push({
        fault: 'lines-ahead',
        severity: 'error',
        log: check.log,
        evidence,
        remedy:
          'a configuration change, not a state repair: make time_zone match the zone the application writes (in the inventory, then provision apply), or fix the clock of the host or the application; deleting the state does not help',
      });
    else if (check.check === 'past')
      faults.push({
        fault: 'too-old',
        severity: 'warning',
        log: check.log,
        evidence,
        remedy: 'old lines are skipped by the agent and rejected by CloudWatch Logs; nothing to repair',
      });
    else if (check.check === 'datetime_format')
      faults.push({
        fault: 'datetime-format',
        severity: check.level,
        log: check.log,
        evidence,
        remedy: 'change datetime_format in the inventory to match the lines, then provision apply',
      });
    else if (check.check === 'file')
      faults.push({
        fault: 'file-not-found',
        severity: check.level,
        log: check.log,
        evidence,
        remedy:
          check.level === 'error'
            ? 'point file at a readable, uncompressed log in the inventory, then provision apply'
            : 'the agent waits for the file: check file in the inventory, or that the application writes it',
      });
    else if (check.check === 'pattern')
      faults.push({
        fault: 'pattern',
        severity: 'error',
        log: check.log,
        evidence,
        remedy: 'change multi_line_start_pattern in the inventory as the evidence says, then provision apply',
      });
    else if (check.check === 'fingerprint')
      faults.push({
        fault: 'rotation-undetected',
        severity: 'warning',
        log: check.log,
        evidence,
        remedy:
          'set file_fingerprint_lines in the inventory to a range that includes a line that differs, then provision apply',
      });
  }

  const has = (name: FaultName): boolean => faults.some((f) => f.fault === name);
  for (const lf of input.logFaults) {
    const severity = lf.current ? 'error' : 'warning';
    const history =
      lf.supersededAtMs !== undefined
        ? `, history: a batch was accepted after it${at(lf.supersededAtMs).replace(' (last', ' (at')}`
        : lf.current
          ? ''
          : ', before the agent last started';
    const evidence = [`${lf.count} line(s) in the agent log: ${lf.what}${at(lf.lastMs)}${history}`, lf.sample];
    switch (lf.fault) {
      case 'dead-publisher': {
        // One fault per stream: its latest death, with the count of the earlier ones.
        const byStream = new Map<string, DeadPublisher[]>();
        for (const p of lf.publishers ?? []) {
          const key = p.group !== undefined ? `${p.group}\0${p.stream}` : (p.sourceId ?? p.thread);
          byStream.set(key, [...(byStream.get(key) ?? []), p]);
        }
        for (const list of byStream.values())
          faults.push(deadPublisherFault(list.at(-1)!, list.length - 1, spec, facts));
        break;
      }
      case 'refresh-failed':
        for (const r of lf.refresh ?? []) {
          const section = spec.logs.find((l) => l.file === r.file);
          const pattern = section?.multi_line_start_pattern;
          const bytesRule = /UnicodeEncodeError|bad escape|cannot use 'u' flag|UNICODE flag/.test(r.reason);
          const portable = pattern && pattern !== '{datetime_format}' ? portablePattern(pattern) : undefined;
          const live = r.current && r.supersededAtMs === undefined;
          faults.push({
            fault: 'refresh-failed',
            severity: live ? 'error' : 'warning',
            ...(section ? { log: section.section } : {}),
            evidence: [
              `${r.count} line(s) "Failed to refresh stream" for ${r.file ?? 'a stream'}${at(r.lastMs)}: ${r.reason}${live ? '; that stream ships nothing' : r.supersededAtMs !== undefined ? `; history: a reader started on it${at(r.supersededAtMs).replace(' (last', ' (at')}` : ', before the agent last started'}`,
            ],
            remedy: bytesRule
              ? `the agent (Python 3) cannot compile multi_line_start_pattern ${JSON.stringify(pattern ?? '?')}${section ? ` of [${section.section}]` : ''} as bytes: ${portable && portable !== pattern ? `write it as ${JSON.stringify(portable)} (its UTF-8 bytes as \\xNN escapes, the same on Python 2.7 and 3)` : 'write it with ASCII and \\xNN escapes only, without \\u escapes or (?u)'} in the inventory, then provision apply`
              : `the watcher cannot start this stream (${r.reason}): check the section${section ? ` [${section.section}]` : ''} in the inventory, then provision apply`,
          });
        }
        break;
      case 'future':
        // Named by the state view (stale-state) or the file's lines (lines-ahead) when either explains it.
        if (has('stale-state') || has('lines-ahead')) break;
        faults.push({
          fault: lf.current && (lf.skipped ?? []).some(aheadOfAgent) ? 'lines-ahead' : 'stale-state',
          severity,
          evidence,
          remedy:
            lf.current && (lf.skipped ?? []).some(aheadOfAgent)
              ? "the skipped events were more than 2 h ahead of the agent's own clock: fix time_zone or the clock (see preflight)"
              : 'the skipped events are history: the state no longer replays them',
        });
        break;
      case 'past':
        if (!has('too-old'))
          faults.push({
            fault: 'too-old',
            severity: 'warning',
            evidence,
            remedy: 'old lines are skipped by the agent and rejected by CloudWatch Logs; nothing to repair',
          });
        break;
      case 'credentials-missing':
        faults.push({
          fault: 'credentials-missing',
          severity,
          evidence,
          ...(spec.credentials.source === 'instance_profile'
            ? {
                remedy:
                  "the agent finds no credentials: attach an instance profile with CloudWatchAgentServerPolicy (provision iam role …), or restore root's ~/.aws/credentials, or set awslogs_credentials to keys or env and run provision apply",
              }
            : {
                remedy: 'provision apply writes the keys into /etc/awslogs/awscli.conf again and restarts the agent',
                repair: 'apply' as const,
              }),
        });
        break;
      case 'credentials-denied':
        faults.push({
          fault: 'credentials-denied',
          severity,
          evidence,
          remedy:
            'the identity is refused: give it CloudWatchAgentServerPolicy (provision iam …) or issue a new key, then provision apply',
        });
        break;
      case 'region-endpoint':
        faults.push({
          fault: 'region-endpoint',
          severity,
          evidence,
          remedy: `check aws_region (${spec.region}) and aws_endpoint_url in the inventory; provision apply rewrites /etc/awslogs/awscli.conf`,
          repair: 'apply',
        });
        break;
      case 'file-not-found':
        if (!has('file-not-found'))
          faults.push({
            fault: 'file-not-found',
            severity: 'warning',
            evidence: [...evidence, ...(lf.paths ?? []).map((p) => `path: ${p}`)],
            remedy: 'the agent waits for the file: check file in the inventory, or that the application writes it',
          });
        break;
      case 'throttling':
        faults.push({
          fault: 'throttling',
          severity: 'warning',
          evidence,
          remedy:
            'CloudWatch Logs throttles the account: fewer streams per host, a larger buffer_duration, or a quota increase',
        });
        break;
      case 'datetime-format':
        if (!has('datetime-format'))
          faults.push({
            fault: 'datetime-format',
            severity,
            evidence,
            remedy: 'change datetime_format in the inventory, then provision apply',
          });
        break;
      case 'fallback-time':
        break;
    }
  }
  return faults;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function durationWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** A publisher that died: while it is not replaced, its stream is silent; once replaced, it is history. */
function deadPublisherFault(p: DeadPublisher, earlier: number, spec: HostSpec, facts: HostFacts): Fault {
  const section = spec.logs.find(
    (l) => l.log_group_name === p.group && p.stream !== undefined && streamMatches(l.log_stream_name, p.stream, facts),
  );
  const where =
    p.group !== undefined ? `${p.group} / ${p.stream}` : p.sourceId !== undefined ? `source ${p.sourceId}` : 'a stream';
  const since = p.lastAcceptedMs ?? p.diedAtMs;
  const evidence = [
    `the publisher of ${where} (${p.thread}) died${p.diedAtMs !== undefined ? ` at ${iso(p.diedAtMs)}` : ''}${p.error ? `: ${p.error}` : ''} (its traceback: ${p.tracebackLines} line(s))`,
    ...(p.current && since !== undefined
      ? [
          `the stream has been silent since ${iso(since)} (${durationWords(facts.clockMs - since)} by the host's clock): nothing is sent until the watcher starts a new publisher (it replays from push_state: nothing lost)`,
        ]
      : []),
    ...(!p.current && p.replacedAtMs !== undefined
      ? [`history: a new publisher started at ${iso(p.replacedAtMs)}`]
      : []),
    ...(p.supersededAtMs !== undefined ? [`a batch was accepted again at ${iso(p.supersededAtMs)}`] : []),
    ...(earlier > 0 ? [`${earlier} earlier death(s) of this stream's publisher in the log, each replaced`] : []),
  ];
  return {
    fault: 'dead-publisher',
    severity: p.current ? 'error' : 'warning',
    ...(section ? { log: section.section } : {}),
    evidence,
    remedy: p.current
      ? `provision doctor --fix --fault dead-publisher --yes restarts the agent now (each stream's last batch looked for in CloudWatch Logs first: nothing sent twice), or wait for the agent's own refresh${p.diedAtMs !== undefined ? `, about 60 s after it died (${iso(p.diedAtMs + 60_000)})` : ', about 60 s after it died'}; fix what it died of (the error above) or it dies again`
      : 'over: the watcher replaced it and the stream replayed from push_state (nothing lost)',
    ...(p.current ? { repair: 'restart' as const } : {}),
  };
}

function streamMatches(template: string, stream: string, facts: HostFacts): boolean {
  return resolveStreamName(template, facts) === stream;
}

function aheadOfAgent(s: { timestampMs: number; atMs?: number }): boolean {
  return s.atMs !== undefined && s.timestampMs > s.atMs + 2 * 3_600_000;
}
