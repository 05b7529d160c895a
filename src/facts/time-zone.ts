// The host's IANA zone from the probe's `@@tz-zone` record: the target of the /etc/localtime link (systemd,
// Amazon Linux 2: `/usr/share/zoneinfo/Asia/Seoul`, or relative, or under `posix/` or `right/`), else the
// ZONE of /etc/sysconfig/clock (Amazon Linux 1, whose /etc/localtime is a copy: `"Asia/Seoul"`). Empty on a
// host whose clock says +0000 UTC (no DST to miss, and no process started for it). Pure.

const ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** The zone id, or undefined when the record names none. */
export function zoneFromProbe(raw: string): string | undefined {
  let z = raw
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/^'(.*)'$/, '$1');
  const at = z.lastIndexOf('zoneinfo/');
  if (at >= 0) z = z.slice(at + 'zoneinfo/'.length).replace(/^(posix|right)\//, '');
  else if (z.startsWith('/') || z.startsWith('.')) return undefined; // a link elsewhere: no zone name in it
  if (z === 'localtime' || z === 'posixrules' || !ZONE.test(z) || z.split('/').includes('..')) return undefined;
  return z;
}
