/** Runs the real kubox binary (bin/kubox.js over dist/) as a separate process. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const KUBOX_BIN = fileURLToPath(new URL('../../bin/kubox.js', import.meta.url));

/**
 * Time limit for a test that spawns the CLI. A start-up takes 0.6-1.5 s on a
 * busy 2-core machine, and a test may spawn several: vitest's 5 s default
 * fails on the next loaded runner, so every such test runs under this one.
 */
export const CLI_TEST_TIMEOUT = 60_000;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function kubox(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const res = await execa(process.execPath, [KUBOX_BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { NO_COLOR: '1', ...opts.env },
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  });
  return { exitCode: res.exitCode ?? 1, stdout: String(res.stdout), stderr: String(res.stderr) };
}
