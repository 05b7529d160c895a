// One awslogs log section → one collect_list entry, and the fate of each of its options. Pure.
import type { IgnoredValue } from '../../awslogs/conf-files.js';
import { resolveStreamName } from '../../awslogs/stream-names.js';
import { resolvePlaceholders } from '../names.js';
import { convertDatetimeFormat } from './datetime.js';
import { convertEncoding } from './encoding.js';
import { convertPythonRegex } from './regex.js';
import type { KeyFate, SectionEntry, SourceLog, TranslateInput } from './types.js';

export interface SectionResult {
  entry: Record<string, unknown>;
  /** In awslogs' option order; buffer_duration's target is filled in once every section's value is known. */
  fates: KeyFate[];
  /** buffer_duration as awslogs uses it (ms). */
  bufferMs: number;
  sectionEntry: Omit<SectionEntry, 'index'>;
}

const DEFAULT_BUFFER_MS = 5000;

/** What a file glob means to awslogs (Python's glob, not recursive) that the agent's glob (doublestar) reads otherwise. */
export function convertFilePath(
  file: string,
): { ok: true; path: string; notes: string[] } | { ok: false; reason: string } {
  if (!file.startsWith('/'))
    return {
      ok: false,
      reason:
        "a relative file: awslogs read it relative to its working directory; the CloudWatch agent needs an absolute path (make it absolute in awslogs' configuration first)",
    };
  if (file.includes('\\'))
    return {
      ok: false,
      reason: "a backslash in file: the CloudWatch agent's glob reads it as an escape, awslogs' as a character",
    };
  if (/[{}]/.test(file))
    return {
      ok: false,
      reason: "braces in file: the CloudWatch agent's glob reads {a,b} as alternatives, awslogs' as characters",
    };
  if (file.includes('[^'))
    return {
      ok: false,
      reason: "[^…] in file: awslogs' glob reads a class of ^ and the rest, the CloudWatch agent's a negated class",
    };
  const notes: string[] = [];
  let path = file;
  if (path.includes('[!')) {
    path = path.replaceAll('[!', '[^');
    notes.push("[!…] → [^…]: the CloudWatch agent's glob negates a class with ^");
  }
  if (path.includes('**')) {
    path = path.replace(/\*{2,}/g, '*');
    notes.push("** → *: awslogs' glob is not recursive (** is *), the CloudWatch agent's ** matches any depth");
  }
  if (/[*?[]/.test(path))
    notes.push(
      "a glob: both agents read only the newest match; the CloudWatch agent's * also matches names that start with a dot, and it skips .zst files too",
    );
  return { ok: true, path, notes };
}

export function translateSection(log: SourceLog, names: TranslateInput['names']): SectionResult {
  const s = log.spec;
  const fates: KeyFate[] = [];
  const entry: Record<string, unknown> = {};
  const ignoredOf = (option: string): IgnoredValue | undefined => log.ignored?.find((i) => i.option === option);
  /** A fate row; an ignored value shows as written, with what awslogs used instead. */
  const add = (option: string, value: unknown, fate: Omit<KeyFate, 'section' | 'option' | 'value'>): void => {
    const ignored = ignoredOf(option);
    const row: KeyFate = { section: s.section, option, ...fate };
    const shown = ignored?.value ?? (value === undefined ? undefined : String(value));
    if (shown !== undefined) row.value = shown;
    if (ignored) row.note = `awslogs ignored this value (${ignored.why}) and used ${ignored.used}; ${row.note}`;
    fates.push(row);
  };
  const stop = (option: string, value: unknown, note: string) => add(option, value, { fate: 'stop', note });
  /** A value carried to `target` (and the entry): kept when it reads the same, converted when it changed. */
  const carry = (option: string, value: string, target: string, result: string, note: string) => {
    entry[target] = result;
    add(option, value, { fate: result === value ? 'kept' : 'converted', target, result, note });
  };

  add('section', s.section, {
    fate: 'seeded',
    note: "the CloudWatch agent has no section names; this one keys awslogs' state, which the cut-over reads to seed read positions",
  });

  const file = convertFilePath(s.file);
  if (!file.ok) stop('file', s.file, file.reason);
  else carry('file', s.file, 'file_path', file.path, file.notes.join('; ') || 'the same file');

  if (/[{}]/.test(s.log_group_name))
    stop(
      'log_group_name',
      s.log_group_name,
      'braces in log_group_name: awslogs does not expand placeholders there and CloudWatch Logs refuses braces in a group name, so this section never shipped; fix it in awslogs first',
    );
  else {
    entry.log_group_name = s.log_group_name;
    add('log_group_name', s.log_group_name, {
      fate: 'kept',
      target: 'log_group_name',
      result: s.log_group_name,
      note: 'the same group',
    });
  }

  const stream = s.log_stream_name.replaceAll('{hostname}', '{local_hostname}');
  entry.log_stream_name = stream;
  const streamNotes: string[] = [];
  if (stream !== s.log_stream_name)
    streamNotes.push(
      "{hostname} → {local_hostname}: the OS hostname, as awslogs' {hostname} was (the CloudWatch agent's {hostname} is the EC2 metadata hostname)",
    );
  if (s.log_stream_name.includes('{instance_id}'))
    streamNotes.push(
      '{instance_id}: awslogs asked the instance metadata without a token (IMDSv1) and used the hostname when that failed; the CloudWatch agent asks with a token (IMDSv2) first, so where IMDSv2 is required the stream gets the real id',
    );
  if (s.log_stream_name.includes('{ip_address}'))
    streamNotes.push(
      "{ip_address}: awslogs used the address the hostname resolves to (loopback where /etc/hosts says so), the CloudWatch agent the first non-loopback interface's",
    );
  if (names) {
    const before = resolveStreamName(s.log_stream_name, names.awslogs);
    const after = resolvePlaceholders(stream, names.cloudwatch);
    streamNotes.push(
      before === after
        ? `on this host the stream keeps its name ${JSON.stringify(before)}`
        : `on this host the stream's name changes from ${JSON.stringify(before)} to ${JSON.stringify(after)}: its lines go to a new stream`,
    );
  }
  add('log_stream_name', s.log_stream_name, {
    fate: stream === s.log_stream_name ? 'kept' : 'converted',
    target: 'log_stream_name',
    result: stream,
    note: streamNotes.join('; ') || 'the same stream',
  });

  let formatOk = false;
  if (s.datetime_format === undefined)
    add('datetime_format', undefined, { fate: 'kept', note: 'not set: both agents time each line when they read it' });
  else {
    const conv = convertDatetimeFormat(s.datetime_format);
    if (!conv.ok) stop('datetime_format', s.datetime_format, conv.reason);
    else {
      formatOk = true;
      entry.timestamp_format = conv.format;
      const notes = [...conv.notes, ...conv.warnings];
      if (!/%[Yy]/.test(conv.format))
        notes.push(
          'no year: awslogs took this year (last year for a month later than this one), the CloudWatch agent this year (last year when that is more than 30 days ahead)',
        );
      add('datetime_format', s.datetime_format, {
        fate: conv.format === s.datetime_format ? 'kept' : 'converted',
        target: 'timestamp_format',
        result: conv.format,
        note: notes.join('; ') || 'the same directives',
      });
    }
  }

  if (s.time_zone === undefined)
    add('time_zone', undefined, { fate: 'kept', note: "not set: LOCAL, as the CloudWatch agent's default" });
  else {
    entry.timezone = s.time_zone;
    add('time_zone', s.time_zone, { fate: 'kept', target: 'timezone', result: s.time_zone, note: 'the same zone' });
  }

  add('initial_position', s.initial_position, {
    fate: 'seeded',
    note:
      (s.initial_position ?? 'start_of_file') === 'end_of_file'
        ? 'the CloudWatch agent has no initial position: the cut-over seeds where awslogs stopped; a file awslogs never read starts at its end at the cut-over'
        : 'the CloudWatch agent has no initial position: the cut-over seeds where awslogs stopped; a file awslogs never read starts at byte 0',
  });

  if (s.encoding === undefined)
    add('encoding', undefined, { fate: 'kept', note: "not set: utf_8, as the CloudWatch agent's default utf-8" });
  else {
    const conv = convertEncoding(s.encoding);
    if (!conv.ok) stop('encoding', s.encoding, conv.reason);
    else carry('encoding', s.encoding, 'encoding', conv.encoding, conv.note ?? 'the same characters');
  }

  const bufferMs = s.buffer_duration ?? DEFAULT_BUFFER_MS;
  add('buffer_duration', s.buffer_duration, { fate: 'converted', target: 'logs.force_flush_interval', note: '' });

  add('batch_count', s.batch_count, {
    fate: 'dropped',
    note: `the CloudWatch agent sends up to 10,000 events a call (awslogs: ${s.batch_count ?? 1000}); nothing is lost`,
  });
  add('batch_size', s.batch_size, {
    fate: 'dropped',
    note: `the CloudWatch agent sends up to 1 MiB a call (awslogs: ${s.batch_size ?? 32768} bytes); nothing is lost`,
  });
  add('file_fingerprint_lines', s.file_fingerprint_lines, {
    fate: 'dropped',
    note: "the CloudWatch agent knows a file by its path alone: a file replaced under the same name is noticed only when it is shorter than the saved position; the cut-over reads these lines to find awslogs' position in each file",
  });

  const pattern = s.multi_line_start_pattern;
  if (pattern === undefined)
    add('multi_line_start_pattern', undefined, {
      fate: 'kept',
      note: "not set: awslogs' ^[^\\s] is the CloudWatch agent's default ^[\\S] (a line starting with whitespace continues the event)",
    });
  else if (pattern === '{datetime_format}') {
    if (formatOk) entry.multi_line_start_pattern = '{timestamp_format}';
    add('multi_line_start_pattern', pattern, {
      fate: 'converted',
      target: 'multi_line_start_pattern',
      result: '{timestamp_format}',
      note: "a line where the agent's timestamp_format matches starts an event (awslogs: strptime's pattern, ignoring case)",
    });
  } else {
    const conv = convertPythonRegex(pattern);
    if (!conv.ok) stop('multi_line_start_pattern', pattern, conv.reason);
    else
      carry(
        'multi_line_start_pattern',
        pattern,
        'multi_line_start_pattern',
        conv.pattern,
        conv.notes.join('; ') || 'the same pattern (RE2 compiles it)',
      );
  }
  for (const option of log.unknown ?? [])
    add(option, undefined, { fate: 'dropped', note: 'not an awslogs option: awslogs ignored it too' });

  const sectionEntry: Omit<SectionEntry, 'index'> = {
    section: s.section,
    file: s.file,
    filePath: file.ok ? file.path : s.file,
    group: s.log_group_name,
    stream: s.log_stream_name,
  };
  if (s.file_fingerprint_lines !== undefined) sectionEntry.fingerprintLines = s.file_fingerprint_lines;
  if (s.encoding !== undefined) sectionEntry.encoding = s.encoding;
  if (s.initial_position !== undefined) sectionEntry.initialPosition = s.initial_position;
  return { entry, fates, bufferMs, sectionEntry };
}
