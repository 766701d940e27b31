import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit first, alone: CLI-spawning tests never compete with a real build for the 2 cores.
          sequence: { groupOrder: 0 },
          // Imports JSON without an import attribute, which Node 20 refuses: let vite load it.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          // Real builds under QEMU take minutes; these files run one at a time, each in a
          // fresh fork of its own: one file that fails or hangs cannot take the others with it
          // (singleFork would share one worker, and its RPC time-out, between all files).
          testTimeout: 30 * 60_000,
          hookTimeout: 30 * 60_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
