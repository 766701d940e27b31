/**
 * Downloads over the HTTP layer: into memory for the few files whose hash is
 * not known up front (InRelease, keys, checksum files), and into the content
 * store for everything a lock pins, verified on the way in, many at a time
 * with progress. A download that breaks off is started over, within the
 * layer's retry bounds.
 */
import type { ContentCache, Progress } from '../cache.js';
import { KuboxError } from '../errors.js';
import { pool } from '../pool.js';
import { http as defaultHttp, type Http } from './client.js';
import { redact, statusError } from './error.js';

export interface FetchItem {
  url: string;
  /** Lower-case hex, no `sha256:` prefix. */
  sha256: string;
  size?: number;
  /** What the user would call it, for messages: "vim_2:9.0.1378-2_amd64.deb". */
  what: string;
}

/** The body of a success; else the HttpError for the response (every non-2xx is final for a download). */
async function ok(res: Response, url: string): Promise<ReadableStream<Uint8Array>> {
  if (res.ok) return res.body ?? new ReadableStream({ start: (c) => c.close() });
  throw await statusError(res, {
    method: 'GET',
    url,
    hint:
      res.status >= 500
        ? 'check the network connection and that the mirror is reachable, then try again'
        : 'check the URL and the mirror; a package that moved usually means the index is stale, so build again',
  });
}

/** Downloads content whose hash is not known up front into memory, up to `maxBytes`. */
export async function fetchBytes(
  url: string,
  opts: { maxBytes?: number; http?: Http } = {},
): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const limit = { bytes: maxBytes, what: 'the most kubox reads from there' };
  return (opts.http ?? defaultHttp).read({ url, limit }, async (res) => {
    const parts: Uint8Array[] = [];
    let n = 0;
    for await (const c of await ok(res, url)) {
      n += c.length;
      if (n > maxBytes)
        throw new KuboxError('network', `${redact(url)} is larger than ${maxBytes} bytes`, {
          hint: 'the URL does not serve what kubox expects there; check it',
        });
      parts.push(c);
    }
    return Buffer.concat(parts);
  });
}

/**
 * The bound on a pinned download whose size nobody declared (a binary's URL
 * with only a sha256): the hash check comes at the end, and an endless body
 * must not fill the disk first. 2 GiB is above any tool a debug image ships.
 */
export const MAX_UNSIZED_DOWNLOAD = 2 * 1024 * 1024 * 1024;

/** The stored blob for `item`, downloaded into the store (and verified there) when it is not in it yet. */
export async function download(
  cache: ContentCache,
  item: FetchItem,
  opts: { http?: Http; onBytes?: (n: number) => void } = {},
): Promise<string> {
  const sha = item.sha256.toLowerCase();
  if (await cache.has(sha)) return cache.path(sha);
  const expected = { ...item, sha256: sha, from: redact(item.url) };
  // The size the signed index (or lock) gives is enforced while the bytes stream (cache.write
  // stops at the first chunk past it and names both sizes); without one, a cap does.
  const limit =
    item.size === undefined
      ? { bytes: MAX_UNSIZED_DOWNLOAD, what: 'the most kubox downloads for one file' }
      : undefined;
  return (opts.http ?? defaultHttp).read(
    { url: item.url, ...(limit ? { limit } : {}) },
    async (res) => cache.write(expected, await ok(res, item.url), opts.onBytes),
  );
}

/** Fetches every item into the store (each sha256 once), `concurrency` at a time; returns sha256 -> path. */
export async function fetchAll(
  cache: ContentCache,
  items: readonly FetchItem[],
  opts: { concurrency?: number; progress?: Progress; http?: Http } = {},
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
    if (await cache.has(it.sha256)) cached++;
    const path = await download(cache, it, {
      ...(opts.http ? { http: opts.http } : {}),
      onBytes: (n) => {
        bytes += n;
        report(it.what);
      },
    });
    out.set(it.sha256.toLowerCase(), path);
    done++;
    report(it.what);
  });
  return out;
}
