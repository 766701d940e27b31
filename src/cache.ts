/**
 * The content store: blobs kept by their sha256, so a second build reuses
 * every .deb, wheel and index it already has without touching the network,
 * and nothing is ever stored under a name its content does not match. It
 * stores and verifies; fetching is http/download.ts's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KuboxError } from './errors.js';

/** $KUBOX_CACHE_DIR, else $XDG_CACHE_HOME/kubox, else ~/.cache/kubox. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBOX_CACHE_DIR) return env.KUBOX_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'kubox');
  return join(homedir(), '.cache', 'kubox');
}

export interface ProgressEvent {
  /** Files done (fetched or found in the cache) of `total`. */
  done: number;
  total: number;
  /** Of the done ones, how many were already in the cache. */
  cached: number;
  /** Bytes downloaded so far; `totalBytes` is 0 when some sizes are unknown. */
  bytes: number;
  totalBytes: number;
  item?: string;
}
export type Progress = (e: ProgressEvent) => void;

const HEX64 = /^[0-9a-f]{64}$/;

/** What bytes must be to be stored: their hash, and size when known. */
export interface Expected {
  /** Lower-case hex, no `sha256:` prefix. */
  sha256: string;
  size?: number;
  /** What the user would call it, for messages: "vim_2:9.0.1378-2_amd64.deb". */
  what: string;
  /** Where the bytes come from, for messages (a URL without credentials). */
  from?: string;
}

/**
 * How old a temporary file beside the blobs must be before a later run
 * removes it: a writer that was killed (SIGKILL, a power cut) leaves its
 * `.tmp`/`.partial` behind, and one alive for an hour on a single file is
 * not writing it any more.
 */
export const STALE_TEMP_MS = 60 * 60 * 1000;

const swept = new Set<string>();

/**
 * Removes the temporary files (names ending in one of `suffixes`) older than
 * `maxAgeMs` from `dir`, once per directory and process. Best effort: a file
 * another process removes first, or a directory that cannot be read, is no
 * error.
 */
export async function sweepStale(
  dir: string,
  suffixes: readonly string[] = ['.tmp', '.partial'],
  maxAgeMs = STALE_TEMP_MS,
  now = Date.now(),
): Promise<number> {
  if (swept.has(dir)) return 0;
  swept.add(dir);
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!suffixes.some((s) => name.endsWith(s))) continue;
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (st.isFile() && now - st.mtimeMs > maxAgeMs) {
        await rm(path, { force: true });
        removed++;
      }
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}

export class ContentCache {
  constructor(readonly root: string) {}

  path(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
    return join(this.root, 'sha256', sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.path(sha256))).isFile();
    } catch {
      return false;
    }
  }

  private tmpPath(sha256: string): string {
    return `${this.path(sha256)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  }

  /**
   * Stores bytes that must hash to `expected.sha256` (and be `expected.size`
   * long, when given). They are hashed while they stream to a temp file beside
   * the blob, and only a file that matches is renamed into place; on any
   * failure nothing is left behind. `onBytes` is told of each chunk written.
   */
  async write(
    expected: Expected,
    chunks: AsyncIterable<Uint8Array>,
    onBytes?: (n: number) => void,
  ): Promise<string> {
    const sha = expected.sha256.toLowerCase();
    const dest = this.path(sha);
    await this.mkdirs();
    const tmp = this.tmpPath(sha);
    let ok = false;
    try {
      const fh = await open(tmp, 'w');
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const c of chunks) {
          hash.update(c);
          size += c.length;
          // Not one byte past the declared size reaches the disk.
          if (expected.size !== undefined && size > expected.size) break;
          await fh.write(c);
          onBytes?.(c.length);
        }
      } finally {
        await fh.close();
      }
      const actual = hash.digest('hex');
      if (actual !== sha || (expected.size !== undefined && size !== expected.size)) {
        throw new KuboxError(
          'integrity',
          `${expected.what}${expected.from ? ` from ${expected.from}` : ''} does not match: expected sha256 ${sha}${expected.size !== undefined ? ` (${expected.size} bytes)` : ''}, got ${actual} (${size} bytes)`,
          {
            hint: 'the mirror served different bytes than the signed index promised; try again later or use another mirror',
          },
        );
      }
      await rename(tmp, dest);
      ok = true;
      return dest;
    } catch (e) {
      // A full disk or a read-only cache is the user's to fix, not a kubox bug.
      const code = (e as NodeJS.ErrnoException).code;
      if (e instanceof KuboxError || !code) throw e;
      throw new KuboxError(
        'io',
        `cannot write ${expected.what} into the cache ${this.root}: ${code}`,
        {
          hint: 'check free space and permissions, or point KUBOX_CACHE_DIR elsewhere',
          cause: e,
        },
      );
    } finally {
      if (!ok) await rm(tmp, { force: true }).catch(() => {});
    }
  }

  /** Stores bytes computed locally (derived indexes, built layers) under their hash, atomically. */
  async put(data: Uint8Array): Promise<{ sha256: string; path: string }> {
    const sha = createHash('sha256').update(data).digest('hex');
    const dest = this.path(sha);
    if (await this.has(sha)) return { sha256: sha, path: dest };
    await this.mkdirs();
    const tmp = this.tmpPath(sha);
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.write(data);
      } finally {
        await fh.close();
      }
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      throw new KuboxError('io', `cannot write ${dest}: ${(e as Error).message}`, {
        hint: 'check that the cache directory (KUBOX_CACHE_DIR) is writable',
        cause: e,
      });
    }
    return { sha256: sha, path: dest };
  }

  private async mkdirs(): Promise<void> {
    try {
      await mkdir(join(this.root, 'sha256'), { recursive: true });
      await sweepStale(join(this.root, 'sha256'));
    } catch (e) {
      throw new KuboxError(
        'io',
        `cannot create the cache directory ${this.root}: ${(e as Error).message}`,
        {
          hint: 'set KUBOX_CACHE_DIR to a writable directory',
          cause: e,
        },
      );
    }
  }
}
