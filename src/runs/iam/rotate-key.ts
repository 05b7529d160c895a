// Key rotation as one run: create a new key (stored in the profile), provision every host with it and
// verify that logs arrive, and only then delete the old key. A host that fails keeps working on the
// old key, which stays until a rotation completes.
import { RunFailed } from '../../core/errors.js';
import type { Inventory } from '../../inventory/types.js';
import type { IamResult } from './iam-result.js';
import { beginKeyRotation } from './iam.js';
import { runApply, type ApplyOptions } from '../apply/apply.js';

export interface RotationReport {
  created: IamResult[];
  deleted: IamResult[];
}

export async function rotateKey(
  inventory: Inventory,
  apply: Omit<ApplyOptions, 'inventory' | 'dryRun' | 'verify' | 'detailedExitcode'>,
  log: (line: string) => void,
): Promise<RotationReport> {
  const rotation = await beginKeyRotation(inventory);
  log(`new key ${rotation.newKeyId} stored; provisioning every host with it`);
  try {
    await runApply({ ...apply, inventory: inventory.file, dryRun: false, verify: true, detailedExitcode: false });
  } catch (err) {
    if (err instanceof RunFailed) {
      throw new RunFailed(
        `${err.message}; the old key(s) ${rotation.oldKeyIds.join(', ') || '(none)'} are kept, so every host still ` +
          `ships logs; fix the failed hosts, then run \`provision iam setup --rotate-key\` again`,
      );
    }
    throw err;
  }
  const deleted = await rotation.finish();
  return { created: rotation.results, deleted };
}
