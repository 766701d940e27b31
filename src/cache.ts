/**
 * The download cache: blobs stored by their sha256, so a second build reuses
 * every .deb, wheel and index it already has without touching the network,
 * and nothing is ever stored under a name its content does not match.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KuboxError } from './errors.js';
import { pool } from './pool.js';

/** $KUBOX_CACHE_DIR, else $XDG_CACHE_HOME/kubox, else ~/.cache/kubox. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBOX_CACHE_DIR) return env.KUBOX_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'kubox');
  return join(homedir(), '.cache', 'kubox');
}

export interface FetchItem {
  url: string;
  /** Lower-case hex, no `sha256:` prefix. */
  sha256: string;
  size?: number;
  /** What the user would call it, for messages: "vim_2:9.0.1378-2_amd64.deb". */
  what: string;
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

type FetchFn = typeof fetch;

const HEX64 = /^[0-9a-f]{64}$/;

/** Transient failures worth one more try: the connection broke, or the server had a bad moment. */
class Retryable extends Error {}

async function get(url: string, fetchFn: FetchFn): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Retryable(
      `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
    );
  }
  if (res.status >= 500) {
    await res.body?.cancel().catch(() => {});
    throw new Retryable(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new KuboxError('network', `GET ${url}: HTTP ${res.status} ${res.statusText}`, {
      hint: 'check the URL and the mirror; a package that moved usually means the index is stale, so build again',
    });
  }
  return res;
}

/** Runs `attempt` once more after a transient failure; anything else, or a second failure, is final. */
async function withRetry<T>(url: string, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      if (tries >= 2)
        throw new KuboxError('network', e.message, {
          hint: 'check the network connection and that the mirror is reachable, then try again',
          cause: e,
        });
    }
  }
}

async function* chunks(res: Response, url: string): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let done = false;
  try {
    for (;;) {
      let r: { done: boolean; value?: Uint8Array };
      try {
        r = await reader.read();
      } catch (e) {
        done = true;
        throw new Retryable(`download of ${url} broke off: ${(e as Error).message}`);
      }
      if (r.done) {
        done = true;
        return;
      }
      if (r.value) yield r.value;
    }
  } finally {
    // A consumer that stops early (too large, a write failed) must not leave the connection hanging.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Downloads content whose hash is not known up front (InRelease, key files) into memory, up to `maxBytes`. */
export async function fetchBytes(
  url: string,
  opts: { maxBytes?: number; fetch?: FetchFn } = {},
): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const fetchFn = opts.fetch ?? fetch;
  return withRetry(url, async () => {
    const res = await get(url, fetchFn);
    const parts: Uint8Array[] = [];
    let n = 0;
    for await (const c of chunks(res, url)) {
      n += c.length;
      if (n > maxBytes)
        throw new KuboxError('network', `${url} is larger than ${maxBytes} bytes`, {
          hint: 'the URL does not serve what kubox expects there; check it',
        });
      parts.push(c);
    }
    return Buffer.concat(parts);
  });
}

export class ContentCache {
  constructor(
    readonly root: string,
    private readonly fetchFn: FetchFn = fetch,
  ) {}

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
   * The cached blob for `item`, downloading it if needed. The bytes are hashed
   * while they stream to a temp file beside the blob, and only a file whose
   * sha256 (and size, when given) match is renamed into place.
   */
  async fetch(item: FetchItem, onBytes?: (n: number) => void): Promise<string> {
    const sha = item.sha256.toLowerCase();
    const dest = this.path(sha);
    if (await this.has(sha)) return dest;
    await this.mkdirs();
    return this.download(item, sha, dest, onBytes).catch((e: unknown) => {
      // A full disk or a read-only cache is the user's to fix, not a kubox bug.
      const code = (e as NodeJS.ErrnoException).code;
      if (e instanceof KuboxError || !code) throw e;
      throw new KuboxError('io', `cannot write ${item.what} into the cache ${this.root}: ${code}`, {
        hint: 'check free space and permissions, or point KUBOX_CACHE_DIR elsewhere',
        cause: e,
      });
    });
  }

  private download(
    item: FetchItem,
    sha: string,
    dest: string,
    onBytes?: (n: number) => void,
  ): Promise<string> {
    return withRetry(item.url, async () => {
      const res = await get(item.url, this.fetchFn);
      const tmp = this.tmpPath(sha);
      const fh = await open(tmp, 'w');
      const hash = createHash('sha256');
      let size = 0;
      let ok = false;
      try {
        for await (const c of chunks(res, item.url)) {
          hash.update(c);
          size += c.length;
          await fh.write(c);
          onBytes?.(c.length);
        }
        await fh.close();
        const actual = hash.digest('hex');
        if (actual !== sha || (item.size !== undefined && size !== item.size)) {
          throw new KuboxError(
            'integrity',
            `${item.what} from ${item.url} does not match: expected sha256 ${sha}${item.size !== undefined ? ` (${item.size} bytes)` : ''}, got ${actual} (${size} bytes)`,
            {
              hint: 'the mirror served different bytes than the signed index promised; try again later or use another mirror',
            },
          );
        }
        await rename(tmp, dest);
        ok = true;
        return dest;
      } finally {
        if (!ok) {
          await fh.close().catch(() => {});
          await rm(tmp, { force: true }).catch(() => {});
        }
      }
    });
  }

  /** Fetches every item (each sha256 once), `concurrency` at a time; returns sha256 -> path. */
  async fetchAll(
    items: readonly FetchItem[],
    opts: { concurrency?: number; progress?: Progress } = {},
  ): Promise<Map<string, string>> {
    const unique = new Map<string, FetchItem>();
    for (const it of items) {
      const sha = it.sha256.toLowerCase();
      if (!unique.has(sha)) unique.set(sha, it);
    }
    const list = [...unique.values()];
    const total = list.length;
    // Known only when every item says its size (binaries and wheels do not): else 0, "unknown".
    const totalBytes = list.every((it) => it.size !== undefined)
      ? list.reduce((n, it) => n + it.size!, 0)
      : 0;
    let done = 0;
    let cached = 0;
    let bytes = 0;
    const out = new Map<string, string>();
    const report = (item?: string) =>
      opts.progress?.({ done, total, cached, bytes, totalBytes, ...(item ? { item } : {}) });
    report();
    await pool(list, opts.concurrency ?? 8, async (it) => {
      if (await this.has(it.sha256)) cached++;
      const path = await this.fetch(it, (n) => {
        bytes += n;
        report(it.what);
      });
      out.set(it.sha256.toLowerCase(), path);
      done++;
      report(it.what);
    });
    return out;
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
