import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
            {
              group: ['node-ssh', 'ssh2', '@aws-sdk/*', 'listr2', 'handlebars', 'commander'],
              message: 'pure layer: no adapters here',
            },
            {
              group: [
                '**/transports/**',
                '**/clouds/**',
                '**/ui/**',
                '**/cli/**',
                '**/runs/**',
                '**/lab/**',
                '**/templating/**',
              ],
              message: 'pure layer: no adapters here',
            },
          ],
        },
      ],
    },
  },
);
