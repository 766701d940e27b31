/**
 * The one place kubox starts processes. Arguments are always arrays; nothing
 * goes through a shell. Failures come back as values, not exceptions, so the
 * caller decides what a non-zero exit means.
 */
import { execa } from 'execa';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program itself was not found on PATH. */
  missing: boolean;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Copy stderr to ours while also capturing it (BuildKit's progress). */
  teeStderr?: boolean;
  timeoutMs?: number;
}

export async function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const result = await execa(cmd, args, {
    reject: false,
    stripFinalNewline: true,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    stderr: opts.teeStderr ? ['pipe', 'inherit'] : 'pipe',
    maxBuffer: 256 * 1024 * 1024,
  });
  const missing = (result as { code?: string }).code === 'ENOENT';
  return {
    exitCode: result.exitCode ?? (missing ? 127 : 1),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? (missing ? `${cmd}: not found` : '')),
    missing,
  };
}
