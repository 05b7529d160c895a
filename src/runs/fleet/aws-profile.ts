// The operator's AWS profile, named by the inventory itself: `aws_profile`, `aws_shared_credentials_file` and
// `aws_config_file` in the inventory file's `all: vars:`. They are the tool's own settings (its AWS calls, and
// where a `keys` profile of the agent is read and stored), so they are read once for the run, not per host,
// and before EC2 discovery needs them. Written in the inventory, they win over AWS_PROFILE,
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, as an explicit setting wins over the environment
// (Ansible's aws modules and the AWS CLI's --profile do the same).
import path from 'node:path';
import { isScalar } from 'yaml';
import { InputError, type Problem } from '../../core/errors.js';
import { childNode, locationOf, readYamlFile } from '../../inventory/yaml-file.js';
import { setProfileOrigin } from '../../clouds/aws/credentials.js';

/** Inventory variable → the environment variable the AWS SDK reads. */
export const AWS_PROFILE_VARS = {
  aws_profile: 'AWS_PROFILE',
  aws_shared_credentials_file: 'AWS_SHARED_CREDENTIALS_FILE',
  aws_config_file: 'AWS_CONFIG_FILE',
} as const;

type ProfileVar = keyof typeof AWS_PROFILE_VARS;

/** The settings the inventory file writes in `all: vars:` (file paths made absolute against its folder). */
export function inventoryAwsProfile(file: string): Partial<Record<ProfileVar, string>> {
  const absolute = path.resolve(file);
  // An unreadable or invalid file is left to the inventory loader, which reports every problem of it.
  const yamlFile = readYamlFile(absolute, 'inventory file', { problems: [], warnings: [] });
  const root = yamlFile?.doc.contents;
  if (!yamlFile || !root) return {};
  const all = childNode(yamlFile, root, 'all');
  const vars = all ? childNode(yamlFile, all, 'vars') : undefined;
  if (!vars) return {};
  const found: Partial<Record<ProfileVar, string>> = {};
  const problems: Problem[] = [];
  for (const name of Object.keys(AWS_PROFILE_VARS) as ProfileVar[]) {
    const node = childNode(yamlFile, vars, name);
    if (node === undefined || node === null || (isScalar(node) && node.value === null)) continue;
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push({
        ...locationOf(yamlFile, node),
        path: `all.vars.${name}`,
        rule: `${name} must be ${name === 'aws_profile' ? 'a profile name' : 'a file path'}`,
        expected: 'a non-empty string',
      });
      continue;
    }
    found[name] = name === 'aws_profile' ? value.trim() : path.resolve(path.dirname(absolute), value.trim());
  }
  if (problems.length > 0) throw new InputError(problems);
  return found;
}

/** Makes the inventory's AWS profile settings the run's: every AWS call and profile read then uses them. */
export function useInventoryAwsProfile(file: string, env: NodeJS.ProcessEnv = process.env): void {
  const settings = inventoryAwsProfile(file);
  for (const [name, value] of Object.entries(settings) as [ProfileVar, string][]) env[AWS_PROFILE_VARS[name]] = value;
  if (settings.aws_profile) setProfileOrigin(`aws_profile in ${path.resolve(file)}`);
}
