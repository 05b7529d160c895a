import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AWS_REGIONS } from '../../../src/core/aws-regions.js';

test("the tool's region list is the installed AWS SDK's (its partition data), global pseudo-regions aside", () => {
  const require = createRequire(import.meta.url);
  const core = dirname(require.resolve('@aws-sdk/core/package.json'));
  const text = readFileSync(join(core, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'), 'utf8');
  const sdk = [...text.matchAll(/^\s+"([a-z0-9-]+)": \{\s*"description"/gm)]
    .map((m) => m[1]!)
    .filter((r) => !r.endsWith('-global'));
  assert.ok(sdk.length > 30, `read ${sdk.length} regions from the SDK`);
  assert.deepEqual([...AWS_REGIONS].sort(), sdk.sort());
});
