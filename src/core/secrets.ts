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

// An INI `key = value` (or `key: value`) line, optionally behind one unified-diff marker (` `, `-`, `+`),
// so that the same function masks a file and a diff of it.
const INI_LINE = /^([ +-]?[ \t]*)([A-Za-z0-9_.-]+)([ \t]*[=:][ \t]*)(.*?)([ \t]*\r?)$/;

/**
 * Masks the value of every INI line whose key is secret (see isSecretIniKey). It catches secrets the tool does
 * not know, such as an old key already on a host, in a before-image or a diff. Empty values stay empty.
 */
export function maskIniSecretValues(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = INI_LINE.exec(line);
      if (!m) return line;
      const [, lead = '', key = '', sep = '', value = '', tail = ''] = m;
      if (value === '' || !isSecretIniKey(key)) return line;
      return `${lead}${key}${sep}${MASK}${tail}`;
    })
    .join('\n');
}

/** Both maskings: the known secrets, then any secret-looking INI value. */
export function maskAll(text: string, secrets: readonly string[]): string {
  return maskIniSecretValues(maskSecrets(text, secrets));
}
