// Vars as they may be shown: secrets never reach a terminal (DESIGN.md).

export const MASK = '********';

// aws_secret_access_key, *secret*, *password*, *token*, and Ansible's *_pass / *passphrase* spellings.
const SECRET_KEY = /secret|passw(?:or)?d|passphrase|token|(?:^|[_-])pass(?:$|[_-])/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy of `vars` in which the value of every secret-looking key, at any depth, is `********`. */
export function maskSecretVars<T>(vars: T): T {
  return copy(vars, new Map()) as T;
}

function copy(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const result: unknown[] = [];
    seen.set(value, result);
    for (const item of value) result.push(copy(item, seen));
    return result;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const result: Record<string, unknown> = {};
  seen.set(value, result);
  for (const [key, item] of Object.entries(value)) {
    result[key] = isSecretKey(key) && item !== null && item !== undefined && item !== '' ? MASK : copy(item, seen);
  }
  return result;
}
