/** Runs `kubox` from source in a child process (async), for the lint CLI tests. */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ENTRY = fileURLToPath(new URL('./run-cli.ts', import.meta.url));
// tsx's loader by absolute URL: the tests run in temporary directories outside the project.
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export async function kubox(
  args: string[],
  cwd: string,
  input?: string,
  env: Record<string, string> = {},
) {
  const r = await execa(process.execPath, ['--import', TSX, ENTRY, ...args], {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', ...env },
    ...(input !== undefined ? { input } : { stdin: 'ignore' as const }),
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}
