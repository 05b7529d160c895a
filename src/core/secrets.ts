// Secrets never reach a terminal, a diff, a journal or a log (DESIGN.md): they are shown as MASK.

export const MASK = '********';

/**
 * Replaces every occurrence of each non-empty secret with MASK. Longer secrets are replaced first, so a secret
 * that contains another one is not left half-masked.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of ordered) out = out.split(secret).join(MASK);
  return out;
}

/** INI keys whose values are secret: the AWS CLI's credential keys and anything named like a secret. */
export function isSecretIniKey(key: string): boolean {
  const k = key.toLowerCase();
  return (
    k === 'aws_secret_access_key' || k === 'aws_session_token' || k === 'aws_security_token' || k.includes('secret')
  );
}

// A `key =` or `key:` anywhere in a line: at its start, behind a diff marker, a `#` or `;`, or in a log line.
// A key starts with no `-`, so that a diff's `-` marker is not read as part of it.
const KEY_AT = /([A-Za-z0-9_.][A-Za-z0-9_.-]*)([ \t]*[=:][ \t]*)/g;

/**
 * Masks the value of every INI pair whose key is secret (see isSecretIniKey), wherever it sits in a line:
 * `key = value` at the start (of a file's line or a unified diff's, behind its marker), commented out
 * (`# key = value`, `;key=value`), or quoted in a log line. Everything after the separator to the end of the
 * line is masked. It catches secrets the tool does not know, such as an old key already on a host, in a
 * before-image or a diff. Empty values stay empty.
 */
export function maskIniSecretValues(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      for (const m of line.matchAll(KEY_AT)) {
        if (!isSecretIniKey(m[1]!)) continue;
        const start = m.index + m[0].length;
        const value = /^(.*?)([ \t]*\r?)$/.exec(line.slice(start))!;
        if (value[1] === '') return line;
        return `${line.slice(0, start)}${MASK}${value[2]}`;
      }
      return line;
    })
    .join('\n');
}

/** Keys whose values are never secret: shown as they are even in a file that holds secrets. */
const NON_SECRET_KEYS = new Set([
  'region',
  'output',
  'endpoint_url',
  'aws_access_key_id',
  'ca_bundle',
  'role_arn',
  'source_profile',
  'credential_source',
  'role_session_name',
  'mfa_serial',
  'duration_seconds',
  'retry_mode',
  'max_attempts',
]);
const SECTION_HEADER = /^\[[^\]]*\][ \t]*$/;
const PAIR = /^([A-Za-z0-9_.-]+)([ \t]*[=:][ \t]*)(.*)$/;
const DIFF_HEADER = /^(?:--- |\+\+\+ |@@ |\\ No newline)/;

/**
 * Masks by content, not by line shape, a file that holds secrets (or a unified diff of one, `diff: true`):
 * only blank lines, section headers, and `key = value` lines of a key known not to be secret (region,
 * endpoint_url, aws_access_key_id, …) with a plain one-word value are shown as they are. Any other key keeps
 * its name and loses its value; comments (`#`, `;`), continuation lines (indented: part of the value above)
 * and anything else keep only their leading marks. An old key commented out, continued, or in another section
 * never shows, whatever the key is called.
 */
export function maskSecretFileLines(text: string, options: { diff: boolean } = { diff: false }): string {
  return text
    .split('\n')
    .map((line) => {
      if (options.diff && DIFF_HEADER.test(line)) return line;
      const marker = options.diff && /^[ +-]/.test(line) ? line[0]! : '';
      const cr = line.endsWith('\r') ? '\r' : '';
      const body = line.slice(marker.length, line.length - cr.length);
      if (body.trim() === '' || SECTION_HEADER.test(body)) return line;
      const pair = PAIR.exec(body);
      if (pair) {
        const [, key = '', sep = '', value = ''] = pair;
        // A value that is its own key is a plugin registration (the AWS CLI's `[plugins] name = name`), never a secret.
        const plain = /^[^\s#;]+$/.test(value) && (NON_SECRET_KEYS.has(key.toLowerCase()) || value === key);
        if (value === '' || plain) return line;
        return `${marker}${key}${sep}${MASK}${cr}`;
      }
      const lead = /^[ \t]*[#;]*[ \t]*/.exec(body)![0];
      return `${marker}${lead}${MASK}${cr}`;
    })
    .join('\n');
}

/** Both maskings: the known secrets, then any secret-looking INI value. */
export function maskAll(text: string, secrets: readonly string[]): string {
  return maskIniSecretValues(maskSecrets(text, secrets));
}
