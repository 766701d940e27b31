/**
 * Whether a lint run has a ShellCheck to use. Kept apart from run.ts so that
 * finding out costs a few stat calls and no process module at start-up.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { KuboxError } from '../../errors.js';

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The shellcheck to run: `explicit` (from --shellcheck, which must be an
 * executable file), else the first `shellcheck` on PATH, else undefined.
 */
export async function findShellcheck(
  explicit: string | undefined,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  if (explicit !== undefined) {
    if (await executable(explicit)) return explicit;
    throw new KuboxError('usage', `--shellcheck ${explicit}: no executable file there`, {
      hint: 'name the shellcheck binary (apt-get install shellcheck puts it at /usr/bin/shellcheck)',
    });
  }
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'shellcheck');
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}
