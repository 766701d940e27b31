/**
 * Downloads over the HTTP layer into memory and into the content store,
 * against a loopback server that serves fixed bytes, fails on request, or
 * breaks a body off.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/cache.js';
import { createHttp } from '../../../src/http/client.js';
import { download, fetchAll, fetchBytes } from '../../../src/http/download.js';
import { HttpError } from '../../../src/http/error.js';
import { startLoopback, type Loopback } from '../debian/loopback.js';
import { closedPort, startServer } from '../registry/http-server.js';
import { caught } from '../../support/caught.js';

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const A = Buffer.from('the real package bytes\n'.repeat(5000));
const B = Buffer.from('another package\n');
/** The default policy, but no wait is real. */
const http = createHttp({ sleep: async () => {} });

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
  dir = mkdtempSync(join(tmpdir(), 'kubox-download-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('download', () => {
  it('downloads once, verified, and then serves from the store', async () => {
    const cache = new ContentCache(join(dir, 'once'));
    const item = { url: `${server.url}/a.deb`, sha256: hex(A), size: A.length, what: 'a.deb' };
    const path = await download(cache, item, { http });
    expect(path).toBe(join(dir, 'once', 'sha256', hex(A)));
    expect(readFileSync(path).equals(A)).toBe(true);
    const before = server.hits.get('/a.deb');
    expect(await download(cache, item, { http })).toBe(path);
    expect(server.hits.get('/a.deb')).toBe(before);
  });

  it('refuses bytes whose sha256 does not match, naming the URL, and keeps nothing', async () => {
    const cache = new ContentCache(join(dir, 'mismatch'));
    const url = `${server.url}/b.deb`;
    const err = await caught(download(cache, { url, sha256: hex(A), what: 'vim.deb' }, { http }));
    expect(err.kind).toBe('integrity');
    expect(err.message).toBe(
      `vim.deb from ${url} does not match: expected sha256 ${hex(A)}, got ${hex(B)} (${B.length} bytes)`,
    );
    expect(readdirSync(join(dir, 'mismatch', 'sha256'))).toEqual([]);
  });

  it('reports HTTP errors as HttpErrors naming the URL, retrying a 5xx within the bound', async () => {
    const cache = new ContentCache(join(dir, 'net'));
    const missing = await caught(
      download(
        cache,
        { url: `${server.url}/nope.deb`, sha256: hex(B), what: 'nope.deb' },
        { http },
      ),
    );
    expect(missing).toBeInstanceOf(HttpError);
    expect(missing).toMatchObject({ kind: 'network', status: 404, method: 'GET' });
    expect(missing.message).toBe(`GET ${server.url}/nope.deb: HTTP 404 Not Found`);

    server.fail.set('/b.deb', { status: 503, times: 3 });
    const path = await download(
      cache,
      { url: `${server.url}/b.deb`, sha256: hex(B), what: 'b.deb' },
      { http },
    );
    expect(readFileSync(path).equals(B)).toBe(true);

    server.fail.set('/a.deb', { status: 502, times: 100 });
    const before = server.hits.get('/a.deb')!;
    const gaveUp = await caught(
      download(cache, { url: `${server.url}/a.deb`, sha256: hex(A), what: 'a.deb' }, { http }),
    );
    server.fail.delete('/a.deb');
    expect(server.hits.get('/a.deb')! - before).toBe(6);
    expect(gaveUp).toMatchObject({ kind: 'network', status: 502 });
    expect(gaveUp.message).toBe(`GET ${server.url}/a.deb: HTTP 502 Bad Gateway`);

    const port = await closedPort();
    const unreachable = await caught(
      download(
        cache,
        { url: `http://127.0.0.1:${port}/x.deb`, sha256: 'f'.repeat(64), what: 'x.deb' },
        { http },
      ),
    );
    expect(unreachable.kind).toBe('network');
    expect(unreachable.message).toBe(`cannot reach http://127.0.0.1:${port}/x.deb: ECONNREFUSED`);
  });

  it('starts a download that broke off over, and stores the whole file', async () => {
    let n = 0;
    const s = await startServer((_rec, res, req) => {
      res.writeHead(200, { 'content-length': A.length });
      if (n++ === 0) {
        res.write(A.subarray(0, 1000));
        setTimeout(() => req.socket.destroy(), 20);
      } else res.end(A);
    });
    try {
      const cache = new ContentCache(join(dir, 'broke'));
      const item = { url: `${s.base}/a.deb`, sha256: hex(A), size: A.length, what: 'a.deb' };
      const path = await download(cache, item, { http });
      expect(readFileSync(path).equals(A)).toBe(true);
      expect(s.requests).toHaveLength(2);
      expect(readdirSync(join(dir, 'broke', 'sha256'))).toEqual([hex(A)]);
    } finally {
      await s.close();
    }
  });
});

describe('fetchAll', () => {
  it('fetches many, each sha256 once, reporting progress', async () => {
    const cache = new ContentCache(join(dir, 'all'));
    const events: { done: number; total: number; bytes: number; totalBytes: number }[] = [];
    const before = (server.hits.get('/b.deb') ?? 0) + (server.hits.get('/b-copy.deb') ?? 0);
    const paths = await fetchAll(
      cache,
      [
        { url: `${server.url}/a.deb`, sha256: hex(A), size: A.length, what: 'a' },
        { url: `${server.url}/b.deb`, sha256: hex(B), size: B.length, what: 'b' },
        { url: `${server.url}/b-copy.deb`, sha256: hex(B), size: B.length, what: 'b again' },
      ],
      { concurrency: 2, progress: (e) => events.push(e), http },
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
});

describe('fetchBytes', () => {
  it('downloads into memory up to a limit', async () => {
    expect((await fetchBytes(`${server.url}/b.deb`, { http })).equals(B)).toBe(true);
    const err = await caught(fetchBytes(`${server.url}/a.deb`, { maxBytes: 1000, http }));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(
      /a\.deb: the response is announced \(Content-Length \d+\) as larger than 1000 bytes/,
    );
  });
});
