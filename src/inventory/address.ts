// Ansible's parse_address (ansible/parsing/utils/addresses.py), rule for rule: a host identifier with an optional
// port, which may hold [x:y] ranges. It decides whether `web1:2222` under `hosts:` carries a port, and whether a
// --limit pattern without commas is one address (an IPv6 address, `h1:2222`) or parts separated by colons.

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/s;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/s;

interface Forms {
  ipv4: RegExp;
  ipv6: RegExp;
  hostname: RegExp;
}

/**
 * Python reads these patterns with re.I over Unicode text: \w is any letter or digit of any script, and [a-z]
 * also matches the odd letters that case-fold into it (the long s, the Kelvin sign). JavaScript needs the u flag
 * for that, whose regexes take milliseconds to compile: ASCII text, nearly every name, gets plain ones.
 */
function forms(unicode: boolean): Forms {
  const flags = unicode ? 'iu' : 'i';
  const word = unicode ? String.raw`[\p{L}\p{N}_]` : '[A-Za-z0-9_]';
  const label = String.raw`(?:${word}|${ALNUM_RANGE})(?:${word}|[_-]|${ALNUM_RANGE})*(?<![_-])`;
  const p = IPV6_PART;
  return {
    ipv4: new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, flags),
    ipv6: new RegExp(
      '^(?:' +
        [
          `(?:${p}:){7}${p}`,
          `(?:${p}:){1,6}:`,
          `(?:${p}:)(?::${p}){1,6}`,
          `(?:${p}:){2}(?::${p}){1,5}`,
          `(?:${p}:){3}(?::${p}){1,4}`,
          `(?:${p}:){4}(?::${p}){1,3}`,
          `(?:${p}:){5}(?::${p}){1,2}`,
          `(?:${p}:){6}(?::${p})`,
          `:(?::${p}){1,6}`,
          `${p}?::`,
          `(?:0:){6}(?:${p}\\.){3}${p}`,
          `::(?:ffff:)?(?:${p}\\.){3}${p}`,
          `(?:0:){5}ffff:(?:${p}\\.){3}${p}`,
        ].join('|') +
        ')$',
      flags,
    ),
    hostname: new RegExp(String.raw`^${label}(?:\.${label})*$`, flags),
  };
}

const compiled: { ascii?: Forms; unicode?: Forms } = {};
/** An ASCII host name without ranges, nearly every name: the hostname form in a regex small enough to be cheap. */
const PLAIN_HOSTNAME = /^(?:[A-Za-z0-9]|\w[\w-]*[A-Za-z0-9])(?:\.(?:[A-Za-z0-9]|\w[\w-]*[A-Za-z0-9]))*$/;

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
  if (PLAIN_HOSTNAME.test(address)) return port === undefined ? { host: address } : { host: address, port };
  // eslint-disable-next-line no-control-regex -- ASCII text gets the regexes that compile fast
  const unicode = /[^\x00-\x7f]/.test(address);
  const { ipv4, ipv6, hostname } = unicode ? (compiled.unicode ??= forms(true)) : (compiled.ascii ??= forms(false));
  if (!(ipv4.test(address) || ipv6.test(address) || hostname.test(address))) return undefined;
  return port === undefined ? { host: address } : { host: address, port };
}
