// The agent's package: installed or not, with the flavour's package manager (dnf on Amazon Linux 2023, yum
// before). No version pinning yet (DesiredPackage has none).

import type { DesiredPackage, HostFacts, StepOutcome } from '../core/types.js';

/** A name yum takes as one word: nothing a shell would interpret. */
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function packageOperation(desired: DesiredPackage, facts: HostFacts): StepOutcome {
  const { name } = desired;
  if (!PACKAGE_NAME.test(name))
    return { changes: [], refusals: [`package name ${JSON.stringify(name)} is not a plain package name: refused`] };
  if (facts.package.installed) {
    const version = facts.package.version ? ` ${facts.package.version}` : '';
    return { changes: [], noop: `${name}${version} already installed` };
  }
  return {
    changes: [
      {
        kind: 'package',
        action: 'install',
        name,
        summary: `install ${name} (not installed)`,
        command: `${facts.os.flavour === 'amzn2023' ? 'dnf' : 'yum'} install -y ${name}`,
      },
    ],
  };
}
