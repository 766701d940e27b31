/**
 * kubox's CLI run in this process (src/cli/main.ts, no build needed), with
 * what it writes to stdout and stderr captured, and process.exitCode reset
 * afterwards. Callers set the directory or environment around it.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export async function runMain(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: unknown) => ((stdout += String(c)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: unknown) => ((stderr += String(c)), true));
  const t = performance.now();
  try {
    const code = await main(['node', 'kubox', ...args]);
    return { code, stdout, stderr, ms: performance.now() - t };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
