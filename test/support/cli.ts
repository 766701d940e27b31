/** Runs the real kubox binary (bin/kubox.js over dist/) as a separate process. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const KUBOX_BIN = fileURLToPath(new URL('../../bin/kubox.js', import.meta.url));

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
