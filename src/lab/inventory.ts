// The inventory `lab up` writes (inventories/lab.yml): Ansible's YAML format, one group per flavour.
import { stringify } from 'yaml';
import { AWS_REGION, FLAVOURS, LAB_SLOT, endpointUrl, type Paths } from './layout.js';
import { OPERATOR_PROFILE, operatorFiles } from './operator.js';
import type { HostRecord } from './state.js';

/**
 * Group vars of a flavour: Amazon Linux 2023 has no awslogs package, so its hosts run the CloudWatch agent,
 * shipping the app log (it has no /var/log/messages) with the same key as awslogs.
 */
function flavourVars(flavour: string): Record<string, unknown> | undefined {
  if (flavour !== 'amzn2023') return undefined;
  return {
    log_agent: 'cloudwatch-agent',
    cloudwatch_agent_credentials: { source: 'keys', profile: 'awslogs-agent' },
    cloudwatch_agent_logs: [
      {
        file_path: '/var/log/app/app.log',
        log_group_name: '/lab/app',
        log_stream_name: '{local_hostname}',
        timestamp_format: '%Y-%m-%d %H:%M:%S',
        timezone: 'UTC',
        multi_line_start_pattern: '{timestamp_format}',
      },
    ],
  };
}

export function labInventory(hosts: readonly HostRecord[], paths: Paths): unknown {
  const children: Record<string, { hosts: Record<string, unknown>; vars?: Record<string, unknown> }> = {};
  for (const flavour of FLAVOURS) {
    const members = hosts.filter((h) => h.os === flavour);
    if (members.length === 0) continue;
    children[flavour] = {
      hosts: Object.fromEntries(
        members.map((h) => [
          h.name,
          {
            ansible_host: h.address,
            ansible_port: 22,
            ansible_user: 'ec2-user',
            ansible_become: true,
            ansible_ssh_private_key_file: paths.key,
            // As EC2 discovery would say: the lab knows each host's instance and whether it requires IMDSv2.
            instance_id: h.instanceId,
            ec2_imdsv2_required: h.os !== 'amzn1',
          },
        ]),
      ),
    };
    const vars = flavourVars(flavour);
    if (vars) children[flavour]!.vars = vars;
  }
  const operator = operatorFiles(paths.stateDir);
  return {
    all: {
      vars: {
        // The lab operator's AWS profile, named here so that every command works without sourcing anything.
        aws_profile: OPERATOR_PROFILE,
        aws_shared_credentials_file: operator.credentials,
        aws_config_file: operator.config,
        // Reviewed (see the header): the lab agent reads the instance id from a file, not from IMDS, and the
        // lab's syslog lines are this year's.
        provision_acknowledge: ['instance-id-imdsv2', 'datetime-no-year'],
        ssh_known_hosts_file: paths.knownHosts,
        // For Ansible itself (the benchmark): the same strict host-key checking, and the host's python.
        ansible_ssh_common_args: `-o UserKnownHostsFile=${paths.knownHosts} -o StrictHostKeyChecking=yes`,
        ansible_python_interpreter: '/usr/bin/python3',
        aws_region: AWS_REGION,
        aws_endpoint_url: endpointUrl(),
        // The agent's own key: `provision iam setup` creates it and stores it in this profile.
        awslogs_credentials: { source: 'keys', profile: 'awslogs-agent' },
        awslogs_logs: [
          {
            file: '/var/log/messages',
            log_group_name: '/var/log/messages',
            log_stream_name: '{instance_id}',
            datetime_format: '%b %d %H:%M:%S',
            initial_position: 'start_of_file',
            buffer_duration: 5000,
            time_zone: 'LOCAL',
            multi_line_start_pattern: '{datetime_format}',
          },
          {
            file: '/var/log/app/app.log',
            log_group_name: '/lab/app',
            log_stream_name: '{hostname}',
            datetime_format: '%Y-%m-%d %H:%M:%S',
            initial_position: 'start_of_file',
            buffer_duration: 5000,
            time_zone: 'UTC',
            multi_line_start_pattern: '{datetime_format}',
          },
        ],
        // `provision metrics apply`: a metric on the app log's errors, and a dashboard of the lab's groups.
        cloudwatch_metric_filters: [
          {
            log_group_name: '/lab/app',
            filter_name: 'app-errors',
            pattern: '?ERROR ?CRITICAL',
            metric_namespace: 'Lab/Logs',
            metric_name: 'AppErrors',
            metric_value: '1',
            default_value: 0,
            samples: {
              match: ['2026-11-25 10:00:00 ERROR disk full on /data'],
              no_match: ['2026-11-25 10:00:00 INFO request served in 12 ms'],
            },
          },
        ],
        cloudwatch_dashboard: { name: 'lab-logs' },
      },
      children,
    },
  };
}

/** The same hosts as EC2 discovers them: one `ec2:` group per flavour, connection vars on the group. */
export function labEc2Inventory(hosts: readonly HostRecord[], paths: Paths): unknown {
  const listed = labInventory(hosts, paths) as { all: { vars: Record<string, unknown> } };
  const children: Record<string, unknown> = {};
  for (const flavour of FLAVOURS) {
    if (!hosts.some((h) => h.os === flavour)) continue;
    children[flavour] = {
      ec2: {
        region: AWS_REGION,
        filters: { 'tag:Env': 'lab', 'tag:Flavour': flavour, 'tag:lab:slot': String(LAB_SLOT) },
        address: 'private_ip',
      },
      vars: {
        ansible_port: 22,
        ansible_user: 'ec2-user',
        ansible_become: true,
        ansible_ssh_private_key_file: paths.key,
        ...flavourVars(flavour),
      },
    };
  }
  return { all: { vars: listed.all.vars, children } };
}

/**
 * The same hosts over SSM Run Command: each names its instance, and the agent is left to the instance profile,
 * as over SSM no secret is sent (the lab has no instance metadata: its agent finds no credentials that way).
 */
export function labSsmInventory(hosts: readonly HostRecord[], paths: Paths): unknown {
  const doc = labInventory(hosts, paths) as {
    all: {
      vars: Record<string, unknown>;
      children: Record<string, { hosts: Record<string, Record<string, unknown>> }>;
    };
  };
  doc.all.vars.ansible_connection = 'aws_ssm';
  doc.all.vars.awslogs_credentials = { source: 'instance_profile' };
  for (const group of Object.values(doc.all.children))
    for (const [name, vars] of Object.entries(group.hosts))
      vars.ansible_aws_ssm_instance_id = hosts.find((h) => h.name === name)?.instanceId;
  return doc;
}

export function renderSsmInventory(hosts: readonly HostRecord[], paths: Paths): string {
  const header =
    "# Written by `provision lab up`: the lab hosts over SSM Run Command (the lab's SSM endpoint and agents).\n" +
    "# Needs the lab operator's AWS profile: `. .lab/aws/env` (see README).\n";
  return header + stringify(labSsmInventory(hosts, paths), { lineWidth: 0 });
}

export function renderEc2Inventory(hosts: readonly HostRecord[], paths: Paths): string {
  const header =
    "# Written by `provision lab up`: the lab hosts as EC2 discovers them (instances in the lab's moto),\n" +
    "# with the lab operator's AWS profile (aws_profile, aws_shared_credentials_file, aws_config_file).\n" +
    ACKNOWLEDGED;
  return header + stringify(labEc2Inventory(hosts, paths), { lineWidth: 0 });
}

export function renderInventory(hosts: readonly HostRecord[], paths: Paths): string {
  const header =
    '# Written by `provision lab up`: the local lab hosts (see README, "The lab").\n' +
    '# Removed by `provision lab down`. Do not edit: the next `lab up` rewrites it.\n' +
    "# aws_profile and its files: the lab operator's own AWS profile, for the tool's AWS calls.\n" +
    ACKNOWLEDGED;
  return header + stringify(labInventory(hosts, paths), { lineWidth: 0 });
}

/** Why the lab's inventory acknowledges the warnings it would raise on every command. */
const ACKNOWLEDGED =
  '# provision_acknowledge: warnings reviewed for the lab. instance-id-imdsv2: the lab agent reads the\n' +
  '# instance id from /var/lib/cloud/data/instance-id, never from IMDS. datetime-no-year: the lab writes\n' +
  "# /var/log/messages lines of the current year; the agent's 1900 year matters only on Feb 29.\n";

/** known_hosts lines: every host's key under its name and its address. */
export function renderKnownHosts(hosts: readonly HostRecord[]): string {
  return hosts.map((h) => `${h.name},${h.address} ${h.hostKey}\n`).join('');
}
