/** File writes that never leave a half-written file behind: write beside, then rename. */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KuboxError } from './errors.js';

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  // Unique per call: two writers of the same path (kubox's shared cache) must not share a temp file.
  const tmp = `${path}.kubox-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new KuboxError(
      'io',
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        hint: 'check that the directory can be created and written',
        cause: e,
      },
    );
  }
}
