import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'out/', 'schema/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // A synchronous child process blocks the event loop: the CLI stops drawing progress and
    // answering signals, and a vitest worker that misses its 60 s RPC deadline ends the run.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['child_process', 'node:child_process'].map((name) => ({
          name,
          importNames: ['execSync', 'execFileSync', 'spawnSync'],
          message: 'use execa (async): a synchronous child process blocks the event loop',
        })),
      ],
    },
  },
);
