// The tool's `ec2:` section of a group (its stand-in for Ansible's aws_ec2 plugin): the query it makes, every
// problem reported where it was written.
import type { Ec2Query } from './types.js';

const EC2_KEYS = ['region', 'filters', 'address'] as const;
const EC2_ADDRESSES = ['private_ip', 'public_ip', 'private_dns'] as const;

/** `at` is the path below the section (`region`, `filters.tag:Env`), empty for the section itself. */
export type Ec2Report = (at: string, rule: string, expected?: string, found?: string) => void;

export function readEc2Section(value: Record<string, unknown>, group: string, report: Ec2Report): Ec2Query {
  for (const key of Object.keys(value)) {
    if (!(EC2_KEYS as readonly string[]).includes(key)) {
      report(key, `unknown key in ec2 of group ${group}`, EC2_KEYS.join(', '), key);
    }
  }
  const region = value.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    report('region', 'ec2.region must be a region name', 'e.g. ap-northeast-2', JSON.stringify(region));
  }
  const address = value.address ?? 'private_ip';
  if (!(EC2_ADDRESSES as readonly unknown[]).includes(address)) {
    report(
      'address',
      'ec2.address names the address to connect to',
      EC2_ADDRESSES.join(' | '),
      JSON.stringify(address),
    );
  }
  const filters: Record<string, string[]> = {};
  const rawFilters = value.filters ?? {};
  if (rawFilters === null || typeof rawFilters !== 'object' || Array.isArray(rawFilters)) {
    report(
      'filters',
      'ec2.filters must be a map of filter names to values',
      "{'tag:Env': prod}",
      JSON.stringify(rawFilters),
    );
  } else {
    for (const [name, v] of Object.entries(rawFilters as Record<string, unknown>)) {
      const values = Array.isArray(v) ? v : [v];
      if (values.length === 0 || !values.every((x) => typeof x === 'string' || typeof x === 'number')) {
        report(`filters.${name}`, 'a filter takes a string or a list of strings', 'e.g. prod', JSON.stringify(v));
        continue;
      }
      filters[name] = values.map(String);
    }
  }
  return { region: String(region), filters, address: address as Ec2Query['address'] };
}
