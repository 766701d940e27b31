import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, ContentCache, fetchBytes } from '../../../src/cache.js';
import { KuboxError } from '../../../src/errors.js';
import { startLoopback, type Loopback } from './loopback.js';
import { caught } from '../../support/caught.js';

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const A = Buffer.from('the real package bytes\n'.repeat(5000));
const B = Buffer.from('another package\n');

let server: Loopback;
let dir: string;
beforeAll(async () => {
  server = await startLoopback(
    new Map([
      ['/a.deb', A],
      ['/b.deb', B],
      ['/b-copy.deb', B],
    ]),
  );
  dir = mkdtempSync(join(tmpdir(), 'kubox-cache-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cacheDir', () => {
  it('prefers KUBOX_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDir({ KUBOX_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/kubox');
    expect(cacheDir({})).toMatch(/\/\.cache\/kubox$/);
  });
});

describe('ContentCache', () => {
  it('downloads once, verified, and then serves from disk', async () => {
    const cache = new ContentCache(join(dir, 'once'));
    const item = { url: `${server.url}/a.deb`, sha256: hex(A), size: A.length, what: 'a.deb' };
    const path = await cache.fetch(item);
    expect(path).toBe(join(dir, 'once', 'sha256', hex(A)));
    expect(readFileSync(path).equals(A)).toBe(true);
    const before = server.hits.get('/a.deb');
    expect(await cache.fetch(item)).toBe(path);
    expect(server.hits.get('/a.deb')).toBe(before);
    expect(await cache.has(hex(A))).toBe(true);
  });

  it('refuses bytes whose sha256 does not match and leaves nothing behind', async () => {
    const root = join(dir, 'mismatch');
    const cache = new ContentCache(root);
    const err = await caught(
      cache.fetch({ url: `${server.url}/b.deb`, sha256: hex(A), what: 'vim_9.0_amd64.deb' }),
    );
    expect(err).toBeInstanceOf(KuboxError);
    expect(err.kind).toBe('integrity');
    expect(err.message).toBe(
      `vim_9.0_amd64.deb from ${server.url}/b.deb does not match: expected sha256 ${hex(A)}, got ${hex(B)} (${B.length} bytes)`,
    );
    expect(readdirSync(join(root, 'sha256'))).toEqual([]);
    expect(await cache.has(hex(A))).toBe(false);
  });

  it('refuses a size that differs from the signed one', async () => {
    const cache = new ContentCache(join(dir, 'size'));
    const err = await caught(
      cache.fetch({
        url: `${server.url}/b.deb`,
        sha256: hex(B),
        size: B.length + 1,
        what: 'b.deb',
      }),
    );
    expect(err.kind).toBe('integrity');
    expect(readdirSync(join(dir, 'size', 'sha256'))).toEqual([]);
  });

  it('reports HTTP errors as network errors naming the URL, and retries a 5xx once', async () => {
    const cache = new ContentCache(join(dir, 'net'));
    const missing = await caught(
      cache.fetch({ url: `${server.url}/nope.deb`, sha256: hex(B), what: 'nope.deb' }),
    );
    expect(missing.kind).toBe('network');
    expect(missing.message).toBe(`GET ${server.url}/nope.deb: HTTP 404 Not Found`);

    server.fail.set('/b.deb', { status: 503, times: 1 });
    const path = await cache.fetch({ url: `${server.url}/b.deb`, sha256: hex(B), what: 'b.deb' });
    expect(readFileSync(path).equals(B)).toBe(true);

    server.fail.set('/a.deb', { status: 502, times: 2 });
    const twice = await caught(
      cache.fetch({ url: `${server.url}/a.deb`, sha256: hex(A), what: 'a.deb' }),
    );
    expect(twice.kind).toBe('network');
    expect(twice.message).toBe(`GET ${server.url}/a.deb: HTTP 502 Bad Gateway`);

    // A port that was just free: nothing listens there.
    const gone = await startLoopback();
    await gone.close();
    const unreachable = await caught(
      cache.fetch({ url: `${gone.url}/x.deb`, sha256: 'f'.repeat(64), what: 'x.deb' }),
    );
    expect(unreachable.kind).toBe('network');
    expect(unreachable.message).toBe(`cannot reach ${gone.url}/x.deb: ECONNREFUSED`);
  });

  it('fetches many, each sha256 once, reporting progress', async () => {
    const cache = new ContentCache(join(dir, 'all'));
    const events: { done: number; total: number; bytes: number; totalBytes: number }[] = [];
    const before = (server.hits.get('/b.deb') ?? 0) + (server.hits.get('/b-copy.deb') ?? 0);
    const paths = await cache.fetchAll(
      [
        { url: `${server.url}/a.deb`, sha256: hex(A), size: A.length, what: 'a' },
        { url: `${server.url}/b.deb`, sha256: hex(B), size: B.length, what: 'b' },
        { url: `${server.url}/b-copy.deb`, sha256: hex(B), size: B.length, what: 'b again' },
      ],
      { concurrency: 2, progress: (e) => events.push(e) },
    );
    expect([...paths.keys()].sort()).toEqual([hex(A), hex(B)].sort());
    const after = (server.hits.get('/b.deb') ?? 0) + (server.hits.get('/b-copy.deb') ?? 0);
    expect(after - before).toBe(1);
    expect(events.at(-1)).toMatchObject({
      done: 2,
      total: 2,
      bytes: A.length + B.length,
      totalBytes: A.length + B.length,
    });
  });

  it('stores local bytes under their hash', async () => {
    const cache = new ContentCache(join(dir, 'put'));
    const { sha256, path } = await cache.put(B);
    expect(sha256).toBe(hex(B));
    expect(readFileSync(path).equals(B)).toBe(true);
  });
});

describe('fetchBytes', () => {
  it('downloads into memory up to a limit', async () => {
    expect((await fetchBytes(`${server.url}/b.deb`)).equals(B)).toBe(true);
    const err = await caught(fetchBytes(`${server.url}/a.deb`, { maxBytes: 1000 }));
    expect(err.kind).toBe('network');
    expect(err.message).toBe(`${server.url}/a.deb is larger than 1000 bytes`);
  });
});
