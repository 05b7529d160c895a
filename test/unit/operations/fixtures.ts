// Facts and desired values the operation tests start from; each test overrides what it is about.

import type { DesiredFile, HostFacts } from '../../../src/core/types.js';

export function factsWith(over: Partial<HostFacts> = {}): HostFacts {
  return {
    os: { id: 'amzn', version: '2', flavour: 'amzn2' },
    init: 'systemd',
    package: { installed: true, version: '1.1.4' },
    files: {},
    service: { active: true, enabled: true },
    hostname: 'web1',
    ipAddress: '10.0.0.11',
    clockMs: 0,
    ...over,
  };
}

export function desiredFile(over: Partial<DesiredFile> = {}): DesiredFile {
  return {
    path: '/etc/awslogs/awscli.conf',
    content: '[plugins]\ncwlogs = cwlogs\n[default]\nregion = ap-northeast-2\n',
    mode: 0o600,
    owner: 'root',
    group: 'root',
    secrets: [],
    notifies: true,
    ...over,
  };
}
