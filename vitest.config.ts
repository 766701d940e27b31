import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One test file at a time, each in a fresh fork of its own (vitest's default on 2 cores,
    // made explicit for every machine): a file that fails or hangs cannot take the others
    // with it, as it did when every e2e file shared one fork (singleFork) and its 60 s RPC
    // deadline. A project cannot set this; the unit files spawn CLIs and the e2e files run
    // real builds, and neither wants a neighbour on a 2-core machine.
    fileParallelism: false,
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
          // Real builds under QEMU take minutes.
          testTimeout: 30 * 60_000,
          hookTimeout: 30 * 60_000,
          pool: 'forks',
        },
      },
    ],
  },
});
