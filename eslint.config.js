import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** What the pure layers may not import (DESIGN.md: one direction only). */
const ADAPTER_PACKAGES = ['node-ssh', 'ssh2', '@aws-sdk/*', 'listr2', 'handlebars', 'commander'];
const ADAPTER_FOLDERS = [
  '**/transports/**',
  '**/clouds/**',
  '**/ui/**',
  '**/cli/**',
  '**/runs/**',
  '**/lab/**',
  '**/templating/**',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'inventories/lab*', '.provision/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure layers import no adapters (DESIGN.md: one direction only).
    files: [
      'src/core/**',
      'src/agents/**',
      'src/operations/**',
      'src/facts/**',
      'src/inventory/**',
      'src/metrics/**',
      'src/doctor/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ADAPTER_PACKAGES, message: 'pure layer: no adapters here' },
            { group: ADAPTER_FOLDERS, message: 'pure layer: no adapters here' },
          ],
        },
      ],
    },
  },
  {
    // An agent renders its files from its templates (templates/<agent>/) with the strict renderer of
    // src/templating/; handlebars itself stays out of the agents.
    files: ['src/agents/*/render.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ADAPTER_PACKAGES, message: 'pure layer: no adapters here' },
            {
              group: ADAPTER_FOLDERS.filter((f) => f !== '**/templating/**'),
              message: 'pure layer: no adapters here',
            },
          ],
        },
      ],
    },
  },
  {
    // No import cycles (DESIGN.md). import-x reads the TypeScript sources (their `.js` imports name `.ts` files);
    // type-only imports have no runtime effect and are left to test/unit/architecture/import-cycles.test.ts.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
);
