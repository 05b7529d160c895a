// Ansible's parse_address (ansible/parsing/utils/addresses.py), rule for rule: a host identifier with an optional
// port, which may hold [x:y] ranges. It decides whether `web1:2222` under `hosts:` carries a port, and whether a
// --limit pattern without commas is one address (an IPv6 address, `h1:2222`) or parts separated by colons.

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
// Python's \w: letters, digits and numerics of any script, and _.
const WORD = String.raw`[\p{L}\p{N}_]`;
const LABEL = String.raw`(?:${WORD}|${ALNUM_RANGE})(?:${WORD}|[_-]|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/s;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/s;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, 'iu');
const P = IPV6_PART;
const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${P}:){7}${P}`,
      `(?:${P}:){1,6}:`,
      `(?:${P}:)(?::${P}){1,6}`,
      `(?:${P}:){2}(?::${P}){1,5}`,
      `(?:${P}:){3}(?::${P}){1,4}`,
      `(?:${P}:){4}(?::${P}){1,3}`,
      `(?:${P}:){5}(?::${P}){1,2}`,
      `(?:${P}:){6}(?::${P})`,
      `:(?::${P}){1,6}`,
      `${P}?::`,
      `(?:0:){6}(?:${P}\\.){3}${P}`,
      `::(?:ffff:)?(?:${P}\\.){3}${P}`,
      `(?:0:){5}ffff:(?:${P}\\.){3}${P}`,
    ].join('|') +
    ')$',
  'iu',
);
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');

export interface Address {
  host: string;
  /** The :NN suffix, when there was one (0 included: Ansible ignores a port of 0 later). */
  port?: number;
}

/**
 * A host identifier and its port, or undefined where Ansible's parse_address raises (not an IPv4 or IPv6 address
 * or a host name). Ranges are allowed, as Ansible's callers here allow them.
 */
export function parseAddress(text: string): Address | undefined {
  let address = text;
  let port: number | undefined;
  // As in Ansible, both forms are tried in turn: `[h1:22]:33` ends as h1 with port 22.
  for (const form of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const match = form.exec(address);
    if (match) {
      address = match[1] ?? '';
      port = Number(match[2]);
    }
  }
  if (!(IPV4.test(address) || IPV6.test(address) || HOSTNAME.test(address))) return undefined;
  return port === undefined ? { host: address } : { host: address, port };
}
